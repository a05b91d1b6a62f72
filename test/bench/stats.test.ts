import assert from "node:assert/strict";
import { test } from "node:test";
import { median, medianRatio, roundOrder, spread } from "../../bench/stats.js";

test("median of odd and even counts, ignoring non-finite values", () => {
  const cases: [number[], number][] = [
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, Number.NaN, 1, 3], 3],
  ];
  for (const [values, expected] of cases) assert.equal(median(values), expected);
  assert.ok(Number.isNaN(median([])));
});

test("spread is (max - min) / median and zero for a single round", () => {
  assert.equal(spread([90, 100, 110]), 0.2);
  assert.equal(spread([100]), 0);
});

test("ratios pair each round with the baseline's same round before taking the median", () => {
  // Per-round ratios 2, 2.1, 0.8 → 2; the ratio of the two medians would say 2.1.
  const peer = [100, 210, 320];
  const baseline = [50, 100, 400];
  assert.equal(medianRatio(peer, baseline), 2);
  assert.equal(median(peer) / median(baseline), 2.1);
  assert.ok(Number.isNaN(medianRatio([100], [0])));
});

test("each round starts with a different peer and visits all of them", () => {
  const peers = ["a", "b", "c"];
  assert.deepEqual(roundOrder(peers, 0), ["a", "b", "c"]);
  assert.deepEqual(roundOrder(peers, 1), ["b", "c", "a"]);
  assert.deepEqual(roundOrder(peers, 4), ["b", "c", "a"]);
  assert.deepEqual(roundOrder([], 3), []);
});

test("the peers a target compares run back to back, each leading in turn", () => {
  const peers = ["s", "a", "n", "b", "c"];
  const compared = (peer: string) => peer === "s" || peer === "n";
  const rounds = [0, 1, 2, 3, 4].map((round) => roundOrder(peers, round, compared));
  assert.deepEqual(rounds[0], ["s", "n", "a", "b", "c"]);
  assert.deepEqual(rounds[1], ["a", "b", "c", "n", "s"]);
  assert.deepEqual(rounds[2], ["b", "c", "s", "n", "a"]);
  for (const order of rounds) {
    assert.deepEqual([...order].sort(), [...peers].sort());
    assert.equal(Math.abs(order.indexOf("s") - order.indexOf("n")), 1, order.join());
  }
  // Three compared peers: each leads the block in one round of three.
  const three = (peer: string) => peer !== "a" && peer !== "b";
  const leaders = [0, 1, 2].map((round) => {
    const order = roundOrder(peers, round, three);
    const block = order.filter(three);
    assert.equal(order.join("").indexOf(block.join("")) >= 0, true, order.join());
    return block[0];
  });
  assert.deepEqual(leaders.sort(), ["c", "n", "s"]);
  // One compared peer (or none) keeps the plain rotation.
  assert.deepEqual(
    roundOrder(peers, 1, (peer) => peer === "s"),
    roundOrder(peers, 1),
  );
});
