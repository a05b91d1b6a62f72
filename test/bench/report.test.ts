import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadRound, LoadScenarioResult } from "../../bench/measure-load.js";
import { formatLatency, renderLoadTable } from "../../bench/report.js";
import { type LoadScenario, SCENARIOS } from "../../bench/scenarios.js";

function round(requestsPerSecond: number, timeouts = 0): LoadRound {
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
    cpuUsPerRequest: 12.5,
    rssKb: 51200,
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
      { peer: "node-http", rounds: [round(10_000), round(11_000), round(10_500)] },
      { peer: "fastify", rounds: [round(15_000, 2), round(16_500, 1), round(21_000)] },
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
    "no session support",
  ]);
  assert.deepEqual(rowOf(markdown, "node-http"), [
    "node-http",
    "10,500",
    "1.00×",
    "900 µs",
    "2.50 ms",
    "12.50",
    "50.0",
    "0",
    "",
  ]);
  const fastify = rowOf(markdown, "fastify");
  assert.equal(fastify[1], "16,500");
  assert.equal(fastify[2], "1.50×");
  assert.equal(fastify[7], "timeout 3");
  assert.match(fastify[8]!, /noisy: rounds spread 36%/);
  assert.match(markdown, /hand-rolled AES-256-GCM cookie/);
});

test("latencies are shown in the unit that fits", () => {
  assert.equal(formatLatency(850), "850 µs");
  assert.equal(formatLatency(12_340), "12.34 ms");
  assert.equal(formatLatency(1_200_000), "1.20 s");
  assert.equal(formatLatency(Number.NaN), "—");
});
