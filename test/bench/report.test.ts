import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadRound, LoadScenarioResult } from "../../bench/measure-load.js";
import { formatLatency, renderLoadTable } from "../../bench/report.js";
import { type LoadScenario, SCENARIOS } from "../../bench/scenarios.js";

function round(
  requestsPerSecond: number,
  timeouts = 0,
  cpuUsPerRequest = 12.5,
  loadCoreShare = 0.5,
): LoadRound {
  return {
    wrk: {
      requests: requestsPerSecond * 5,
      seconds: 5,
      requestsPerSecond,
      p50Us: 900,
      p99Us: 2500,
      errors: { connect: 0, read: 0, write: 0, timeout: timeouts },
      non2xx: 0,
    },
    cpuUsPerRequest,
    rssKb: 51200,
    loadCoreShare,
  };
}

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
        rounds: [round(10_000, 0, 40, 0.6), round(11_000, 0, 50, 0.62), round(10_500, 0, 20, 0.58)],
      },
      {
        peer: "fastify",
        // Round 3 is cheap for both servers: the same-round CPU ratio is not the ratio of medians.
        rounds: [round(15_000, 2, 30, 0.95), round(16_500, 1, 45, 0.99), round(21_000, 0, 16, 0.9)],
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
