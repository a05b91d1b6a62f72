import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadScenarioResult } from "../../bench/measure-load.js";
import type { MemoryRound, MemoryScenarioResult } from "../../bench/measure-memory.js";
import type { PeerName } from "../../bench/peers.js";
import { type LoadScenario, type MemoryScenario, SCENARIOS } from "../../bench/scenarios.js";
import { evaluateTargets, renderTargets, type TargetOutcome } from "../../bench/targets.js";
import { loadRound, type RoundSpec } from "./load-rounds.js";

function load(id: number, peers: Partial<Record<PeerName, RoundSpec[]>>): LoadScenarioResult {
  return {
    scenario: SCENARIOS.find((scenario) => scenario.id === id) as LoadScenario,
    peers: Object.entries(peers).map(([peer, specs]) => ({
      peer: peer as PeerName,
      rounds: specs.map(loadRound),
    })),
  };
}

/** The verdict on the one target of scenario `id`, from a run of that scenario alone. */
function judgeOnly(id: number, peers: Partial<Record<PeerName, RoundSpec[]>>): TargetOutcome {
  return evaluateTargets([load(id, peers)], [])[0]!;
}

function memory(heapKbPerConnection: number): MemoryScenarioResult {
  const memoryRound: MemoryRound = {
    connections: 10_000,
    alive: 10_000,
    failed: 0,
    openMs: 1900,
    heapKbPerConnection,
    externalKbPerConnection: 0,
    rssKbPerConnection: 4,
    rssBeforeKb: 60_000,
    rssAfterKb: 100_000,
    gc: true,
  };
  return {
    scenario: SCENARIOS.find((scenario) => scenario.id === 10) as MemoryScenario,
    connections: 10_000,
    peers: [{ peer: "slow-serv", rounds: [memoryRound] }],
  };
}

function byScenario(outcomes: TargetOutcome[]): Map<number, TargetOutcome> {
  return new Map(outcomes.map((outcome) => [outcome.target.scenario, outcome]));
}

test("throughput targets use the median of same-round req/s ratios", () => {
  const outcomes = byScenario(
    evaluateTargets(
      [
        // Ratios per round 2.0, 1.5, 1.7: median 1.7 ≥ 1.6.
        load(1, {
          "slow-serv": [{ rate: 20_000 }, { rate: 15_000 }, { rate: 17_000 }],
          "node-http": [{ rate: 10_000 }, { rate: 10_000 }, { rate: 10_000 }],
        }),
        // Ratios 1.4, 1.6, 1.45: median 1.45 < 1.5.
        load(2, {
          "slow-serv": [{ rate: 14_000 }, { rate: 16_000 }, { rate: 14_500 }],
          "node-http": [{ rate: 10_000 }, { rate: 10_000 }, { rate: 10_000 }],
        }),
      ],
      [],
    ),
  );
  assert.equal(outcomes.size, 2, "only the scenarios that ran are judged");
  assert.equal(outcomes.get(1)!.value, 1.7);
  assert.equal(outcomes.get(1)!.met, true);
  assert.equal(outcomes.get(2)!.value, 1.45);
  assert.equal(outcomes.get(2)!.met, false);
});

test("scenario 7 is short with a single timeout, however fast", () => {
  const run = (timeouts: number) =>
    judgeOnly(7, {
      "slow-serv": [{ rate: 40_000 }, { rate: 40_000, timeouts }],
      "node-http": [{ rate: 20_000 }, { rate: 20_000 }],
    });
  assert.equal(run(0).met, true);
  const withTimeout = run(1);
  assert.equal(withTimeout.met, false);
  assert.equal(withTimeout.timeouts, 1);
  assert.match(
    renderTargets([withTimeout]),
    /\| 7 \| .* \| 2\.00×, 1 timeouts \| \*\*short\*\* \|/,
  );
});

test("scenario 8 compares CPU per request, lower is better, and 10 the heap per connection", () => {
  const outcomes = byScenario(
    evaluateTargets(
      [
        load(8, {
          // Same-round CPU ratios 0.7, 0.8, 0.6: median 0.7 ≤ 0.75, although req/s is equal (the
          // ratio of the medians, 30 / 50, would be 0.6).
          "slow-serv": [
            { rate: 20_000, cpu: 21 },
            { rate: 20_000, cpu: 40 },
            { rate: 20_000, cpu: 30 },
          ],
          "node-http": [
            { rate: 20_000, cpu: 30 },
            { rate: 20_000, cpu: 50 },
            { rate: 20_000, cpu: 50 },
          ],
        }),
      ],
      [memory(1.52)],
    ),
  );
  assert.equal(outcomes.get(8)!.value, 0.7);
  assert.equal(outcomes.get(8)!.met, true);
  assert.match(renderTargets([outcomes.get(8)!]), /\| 0\.70× \| met \|/);
  assert.equal(outcomes.get(10)!.value, 1.52);
  assert.equal(outcomes.get(10)!.met, false);
});

test("a ratio is only called load-bound when wrk saturated its core for both servers", () => {
  const judge = (baselineShare: number) =>
    judgeOnly(6, {
      "slow-serv": [{ rate: 19_000, wrkShare: 0.99 }],
      "node-http": [{ rate: 20_000, wrkShare: baselineShare }],
    });
  const bound = judge(0.98);
  assert.equal(bound.met, false);
  assert.equal(bound.loadBound, true);
  assert.match(renderTargets([bound]), /\| 6 \| .* \| 0\.95× \| \*\*short\*\* \| load-bound/);
  assert.equal(judge(0.7).loadBound, false);
});

test("without slow-serv or node:http a target is not measured rather than failed", () => {
  const outcome = judgeOnly(1, { "slow-serv": [{ rate: 20_000 }], fastify: [{ rate: 10_000 }] });
  assert.equal(outcome.met, undefined);
  assert.match(
    renderTargets([outcome]),
    /\| 1 \| ≥ 1\.6× node:http's req\/s \| not measured \| — \|/,
  );
  assert.equal(renderTargets([]), "");
});

test("a ratio that two decimals would round onto its bound gets a third", () => {
  const outcome = judgeOnly(8, {
    "slow-serv": [{ rate: 20_000, cpu: 30.04 }],
    "node-http": [{ rate: 20_000, cpu: 40 }],
  });
  assert.equal(outcome.met, false);
  assert.match(renderTargets([outcome]), /\| 0\.751× \| \*\*short\*\* \|/);
});
