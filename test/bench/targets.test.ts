import assert from "node:assert/strict";
import { test } from "node:test";
import type { LoadScenarioResult } from "../../bench/measure-load.js";
import type { MemoryRound, MemoryScenarioResult } from "../../bench/measure-memory.js";
import type { WebSocketRound, WebSocketScenarioResult } from "../../bench/measure-ws.js";
import type { PeerName } from "../../bench/peers.js";
import {
  type LoadScenario,
  type MemoryScenario,
  SCENARIOS,
  type WebSocketScenario,
} from "../../bench/scenarios.js";
import {
  comparedPeers,
  evaluateTargets,
  renderTargets,
  type TargetOutcome,
} from "../../bench/targets.js";
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

test("scenario 8 is judged by slow-serv's CPU above bare-net's, and 10 by the heap per connection", () => {
  const outcomes = byScenario(
    evaluateTargets(
      [
        load(8, {
          // Same-round margins 2, 5, 3.5: median 3.5 ≤ 4, and below node:http's (10, 12, 9: 10).
          "slow-serv": [
            { rate: 20_000, cpu: 22 },
            { rate: 20_000, cpu: 35 },
            { rate: 20_000, cpu: 28.5 },
          ],
          "node-http": [
            { rate: 20_000, cpu: 30 },
            { rate: 20_000, cpu: 42 },
            { rate: 20_000, cpu: 34 },
          ],
          "bare-net": [
            { rate: 20_000, cpu: 20 },
            { rate: 20_000, cpu: 30 },
            { rate: 20_000, cpu: 25 },
          ],
        }),
      ],
      [memory(1.52)],
    ),
  );
  assert.equal(outcomes.get(8)!.value, 3.5);
  assert.equal(outcomes.get(8)!.baselineMargin, 10);
  assert.equal(outcomes.get(8)!.met, true);
  assert.match(renderTargets([outcomes.get(8)!]), /\| 3\.50 µs \(node:http 10\.00 µs\) \| met \|/);
  assert.equal(outcomes.get(10)!.value, 1.52);
  assert.equal(outcomes.get(10)!.met, false);
});

test("scenario 8 is short above 4 µs, or when node:http's own margin is smaller", () => {
  const judge = (slow: number, node: number) =>
    judgeOnly(8, {
      "slow-serv": [{ rate: 20_000, cpu: slow }],
      "node-http": [{ rate: 20_000, cpu: node }],
      "bare-net": [{ rate: 20_000, cpu: 20 }],
    });
  assert.equal(judge(24, 30).met, true);
  assert.equal(judge(24.5, 30).met, false, "4.5 µs above bare-net");
  assert.equal(judge(23, 22).met, false, "node:http closer to the floor");
  assert.equal(
    judgeOnly(8, { "slow-serv": [{ rate: 1, cpu: 1 }], "node-http": [{ rate: 1, cpu: 2 }] }).met,
    undefined,
    "without bare-net the margin is not measured",
  );
});

test("a load-bound scenario is judged by CPU per request instead of req/s", () => {
  const judge = (share: number, cpu: number) =>
    judgeOnly(6, {
      "slow-serv": [{ rate: 19_000, cpu, wrkShare: share }],
      "node-http": [{ rate: 20_000, cpu: 40, wrkShare: 0.99 }],
    });
  const bound = judge(0.99, 28);
  assert.equal(bound.loadBound, true);
  assert.equal(bound.judgedBy, "cpu");
  assert.equal(bound.value, 0.7);
  assert.equal(bound.met, true, "0.70× node:http's CPU ≤ 0.8, although req/s is 0.95×");
  assert.match(renderTargets([bound]), /\| 6 \| .* \| 0\.70× CPU \| met \| load-bound/);
  assert.equal(judge(0.99, 34).met, false, "0.85× CPU > 0.8");
  const free = judge(0.7, 28);
  assert.equal(free.loadBound, false);
  assert.equal(free.judgedBy, "throughput");
  assert.equal(free.met, false, "not load-bound: 0.95× req/s < 1");
  // Elsewhere the CPU bound is the inverse of the req/s bound: 1.6× ⇒ ≤ 0.625× CPU.
  const one = judgeOnly(1, {
    "slow-serv": [{ rate: 30_000, cpu: 12.4, wrkShare: 0.97 }],
    "node-http": [{ rate: 20_000, cpu: 20 }],
  });
  assert.equal(one.bound, 0.625);
  assert.equal(one.met, true);
});

test("the TLS scenarios compare CPU per request with node:https", () => {
  const judge = (id: number, cpu: number) =>
    judgeOnly(id, {
      "slow-serv": [{ rate: 10_000, cpu }],
      "node-http": [{ rate: 10_000, cpu: 100 }],
    });
  assert.equal(judge(11, 62).met, true);
  assert.equal(judge(12, 63).met, false, "1/1.6 = 0.625");
  assert.equal(judge(13, 100).met, true, "handshakes level with node:https");
  assert.equal(judge(13, 101).met, false);
  assert.match(
    renderTargets([judge(11, 62)]),
    /\| 11 \| ≤ 0\.63× node:https's CPU per request \| 0\.62× \| met/,
  );
});

test("without slow-serv or node:http a target is not measured rather than failed", () => {
  const outcome = judgeOnly(1, { "slow-serv": [{ rate: 20_000 }], fastify: [{ rate: 10_000 }] });
  assert.equal(outcome.met, undefined);
  assert.match(
    renderTargets([outcome]),
    /\| 1 \| ≥ 1\.6× node:http's req\/s \(load-bound: ≤ 0\.63× its CPU per request\) \| not measured \| — \|/,
  );
  assert.equal(renderTargets([]), "");
});

test("a ratio that two decimals would round onto its bound gets a third", () => {
  const outcome = judgeOnly(11, {
    "slow-serv": [{ rate: 20_000, cpu: 62.6 }],
    "node-http": [{ rate: 20_000, cpu: 100 }],
  });
  assert.equal(outcome.met, false);
  assert.match(renderTargets([outcome]), /\| 0\.626× \| \*\*short\*\* \|/);
});

test("WebSocket targets: messages per second against ws, and heap per idle socket below ws's", () => {
  const scenario = (id: number) => SCENARIOS.find((item) => item.id === id) as WebSocketScenario;
  const round = (messagesPerSecond: number, heapKbPerSocket = Number.NaN): WebSocketRound => ({
    messagesPerSecond,
    cpuUsPerMessage: 5,
    loadCoreShare: 0.5,
    sockets: 100,
    alive: 100,
    heapKbPerSocket,
    rssKbPerSocket: Number.NaN,
    errors: 0,
  });
  const result = (
    id: number,
    slow: WebSocketRound[],
    ws: WebSocketRound[],
  ): WebSocketScenarioResult => ({
    scenario: scenario(id),
    peers: [
      { peer: "slow-serv", rounds: slow },
      { peer: "ws", rounds: ws },
    ],
  });
  const outcomes = byScenario(
    evaluateTargets(
      [],
      [],
      [
        result(14, [round(30_000), round(28_000)], [round(20_000), round(20_000)]),
        result(15, [round(39_000)], [round(20_000)]),
        result(16, [round(0, 1.2)], [round(0, 2.4)]),
      ],
    ),
  );
  assert.equal(outcomes.get(14)!.value, 1.45);
  assert.equal(outcomes.get(14)!.met, false);
  assert.equal(outcomes.get(15)!.value, 1.95);
  assert.equal(outcomes.get(15)!.met, false);
  assert.equal(outcomes.get(16)!.value, 0.5);
  assert.equal(outcomes.get(16)!.met, true);
  assert.match(
    renderTargets([outcomes.get(16)!]),
    /\| 16 \| heap per idle WebSocket below ws's \| 0\.50× \| met/,
  );
});

test("a WebSocket scenario whose client used its whole core is judged by CPU per message", () => {
  const scenario = (id: number) => SCENARIOS.find((item) => item.id === id) as WebSocketScenario;
  const round = (messagesPerSecond: number, cpu: number, share: number): WebSocketRound => ({
    messagesPerSecond,
    cpuUsPerMessage: cpu,
    loadCoreShare: share,
    sockets: 100,
    alive: 100,
    heapKbPerSocket: Number.NaN,
    rssKbPerSocket: Number.NaN,
    errors: 0,
  });
  const judge = (id: number, slow: WebSocketRound[], ws: WebSocketRound[]): TargetOutcome =>
    evaluateTargets(
      [],
      [],
      [
        {
          scenario: scenario(id),
          peers: [
            { peer: "slow-serv", rounds: slow },
            { peer: "ws", rounds: ws },
          ],
        },
      ],
    )[0]!;
  // Echo, client at 97%: messages/s equal (1.0×), but CPU per message 4 against 10: 0.40 ≤ 1/1.5.
  const echo = judge(
    14,
    [round(50_000, 4, 0.97), round(50_000, 4, 0.95)],
    [round(50_000, 10, 0.6), round(50_000, 10, 0.6)],
  );
  assert.equal(echo.loadBound, true);
  assert.equal(echo.judgedBy, "cpu");
  assert.equal(echo.value, 0.4);
  assert.equal(echo.met, true);
  const rendered = renderTargets([echo]);
  assert.match(
    rendered,
    /≥ 1\.5× ws's messages per second \(load-bound: ≤ 0\.67× its CPU per message\)/,
  );
  assert.match(
    rendered,
    /\| 0\.40× CPU \| met \| load-bound: ws-client used its whole core, so CPU per message decides \|/,
  );
  // Broadcast, load-bound, CPU 0.6 of ws's: short of 1/2.
  const broadcast = judge(15, [round(200_000, 6, 0.92)], [round(100_000, 10, 0.5)]);
  assert.equal(broadcast.value, 0.6);
  assert.equal(broadcast.bound, 0.5);
  assert.equal(broadcast.met, false);
  // Not load-bound (median share 0.85): messages per second decide, whatever the CPU.
  const free = judge(
    14,
    [round(40_000, 1, 0.85), round(40_000, 1, 0.95), round(40_000, 1, 0.8)],
    [round(20_000, 10, 0.5), round(20_000, 10, 0.5), round(20_000, 10, 0.5)],
  );
  assert.equal(free.loadBound, false);
  assert.equal(free.judgedBy, "messages");
  assert.equal(free.value, 2);
  assert.equal(free.met, true);
  assert.doesNotMatch(renderTargets([free]), /CPU \|/);
});

test("the peers each scenario's targets compare, which the harness runs back to back", () => {
  const sorted = (peers: ReadonlySet<PeerName>) => [...peers].sort();
  assert.deepEqual(sorted(comparedPeers(1)), ["node-http", "slow-serv"]);
  assert.deepEqual(sorted(comparedPeers(11)), ["node-http", "slow-serv"]);
  assert.deepEqual(sorted(comparedPeers(8)), ["bare-net", "node-http", "slow-serv"]);
  assert.deepEqual(sorted(comparedPeers(14)), ["slow-serv", "ws"]);
  assert.deepEqual(sorted(comparedPeers(17, true)), ["hono", "hono-slow-serv", "hono-srvx"]);
  // No target (the session scenario): nothing to pair.
  assert.deepEqual(sorted(comparedPeers(9)), []);
});
