import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadScenarioResult } from "../../bench/measure-load.js";
import { formatLatency, renderLoadTable, renderReference } from "../../bench/report.js";
import { type LoadScenario, SCENARIOS } from "../../bench/scenarios.js";
import { loadRound } from "./load-rounds.js";

const scenario = SCENARIOS.find((item) => item.id === 9) as LoadScenario;

function rowOf(markdown: string, peer: string): string[] {
  const line = markdown.split("\n").find((text) => text.startsWith(`| ${peer} |`));
  assert.ok(line !== undefined, `no row for ${peer}`);
  return line
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim());
}

test("the table shows medians, same-round ratios, errors, noise and n/a peers", () => {
  const result: LoadScenarioResult = {
    scenario,
    peers: [
      { peer: "slow-serv", notApplicable: "no session support", rounds: [] },
      {
        peer: "node-http",
        rounds: [
          loadRound({ rate: 10_000, cpu: 40, wrkShare: 0.6 }),
          loadRound({ rate: 11_000, cpu: 50, wrkShare: 0.62 }),
          loadRound({ rate: 10_500, cpu: 20, wrkShare: 0.58 }),
        ],
      },
      {
        peer: "fastify",
        // Round 3 is cheap for both servers: the same-round CPU ratio is not the ratio of medians.
        rounds: [
          loadRound({ rate: 15_000, timeouts: 2, cpu: 30, wrkShare: 0.95 }),
          loadRound({ rate: 16_500, timeouts: 1, cpu: 45, wrkShare: 0.99 }),
          loadRound({ rate: 21_000, cpu: 16, wrkShare: 0.9 }),
        ],
      },
    ],
  };
  const markdown = renderLoadTable(result);
  assert.deepEqual(rowOf(markdown, "slow-serv"), [
    "slow-serv",
    "n/a",
    "—",
    "—",
    "—",
    "—",
    "—",
    "—",
    "—",
    "—",
    "no session support",
  ]);
  assert.deepEqual(rowOf(markdown, "node-http"), [
    "node-http",
    "10,500",
    "1.00×",
    "900 µs",
    "2.50 ms",
    "40.00",
    "1.00×",
    "50.0",
    "60%",
    "0",
    "",
  ]);
  const fastify = rowOf(markdown, "fastify");
  assert.equal(fastify[1], "16,500");
  assert.equal(fastify[2], "1.50×");
  assert.equal(fastify[5], "30.00");
  // Per round 30/40, 45/50, 16/20: median 0.80 (the medians' ratio would be 0.75).
  assert.equal(fastify[6], "0.80×");
  assert.equal(fastify[8], "95%");
  assert.equal(fastify[9], "timeout 3");
  assert.match(fastify[10]!, /noisy: rounds spread 36%; ⚠ load-bound: req\/s measures wrk/);
  assert.match(markdown, /hand-rolled AES-256-GCM cookie/);
});

test("latencies are shown in the unit that fits", () => {
  assert.equal(formatLatency(850), "850 µs");
  assert.equal(formatLatency(12_340), "12.34 ms");
  assert.equal(formatLatency(1_200_000), "1.20 s");
  assert.equal(formatLatency(Number.NaN), "—");
});

test("the uWebSockets.js section gives slow-serv's same-round CPU ratio per scenario it measured", () => {
  const byId = (id: number) => SCENARIOS.find((item) => item.id === id) as LoadScenario;
  const withUws: LoadScenarioResult = {
    scenario: byId(11),
    peers: [
      {
        peer: "slow-serv",
        rounds: [loadRound({ rate: 1, cpu: 30 }), loadRound({ rate: 1, cpu: 20 })],
      },
      { peer: "uws", rounds: [loadRound({ rate: 1, cpu: 20 }), loadRound({ rate: 1, cpu: 20 })] },
    ],
  };
  const withoutUws: LoadScenarioResult = {
    scenario: byId(1),
    peers: [{ peer: "slow-serv", rounds: [loadRound({ rate: 1, cpu: 9 })] }],
  };
  const markdown = renderReference([withUws, withoutUws]);
  assert.match(markdown, /^## slow-serv against uWebSockets\.js/);
  // Same-round ratios 1.5 and 1.0: median 1.25; the medians themselves are 25 and 20.
  assert.match(
    markdown,
    /\| 11\. HTTPS GET \/ plaintext, keep-alive \| 25\.00 \| 20\.00 \| 1\.25× \|/,
  );
  assert.doesNotMatch(markdown, /\| 1\. /, "a scenario without uWebSockets.js has no row");
  assert.equal(renderReference([withoutUws]), "");
  assert.match(renderLoadTable(withUws), /\| CPU vs node:https \|/);
});
