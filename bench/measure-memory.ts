// Scenario 10: how much a server's heap and RSS grow per idle keep-alive connection.
import { fileURLToPath } from "node:url";
import { spawnPinned } from "./children.js";
import { notMeasuredReason, type PeerName, readPeerMemory, startPeer } from "./peers.js";
import { readRssKb } from "./proc-stats.js";
import type { MemoryScenario } from "./scenarios.js";
import { type LoadScenario, SCENARIOS } from "./scenarios.js";
import type { RunSettings } from "./settings.js";
import { roundOrder } from "./stats.js";
import { diffResponse, fetchOnce } from "./verify.js";
import { runWrk } from "./wrk.js";

export interface MemoryRound {
  connections: number;
  alive: number;
  failed: number;
  openMs: number;
  heapKbPerConnection: number;
  externalKbPerConnection: number;
  rssKbPerConnection: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  gc: boolean;
}

export interface PeerMemoryResult {
  peer: PeerName;
  rounds: MemoryRound[];
  firstError?: string;
}

export interface MemoryScenarioResult {
  scenario: MemoryScenario;
  connections: number;
  peers: PeerMemoryResult[];
}

const helperScript = fileURLToPath(new URL("./idle-connections.js", import.meta.url));
const helloScenario = SCENARIOS.find((scenario) => scenario.id === 1) as LoadScenario;

interface OpenedReport {
  opened: number;
  failed: number;
  firstError?: string;
  ms: number;
}

async function measureOnce(
  name: PeerName,
  connections: number,
  settings: RunSettings,
): Promise<{ round: MemoryRound; firstError?: string }> {
  const peer = await startPeer(name, settings.cores.server);
  try {
    const problems = diffResponse(
      helloScenario.expect,
      await fetchOnce({ port: peer.port, method: "GET", path: "/" }),
    );
    if (problems.length > 0)
      throw new Error(`peer ${name} answers GET / wrongly:\n  - ${problems.join("\n  - ")}`);
    // Warm the request path so lazily built state is not charged to the idle connections.
    await runWrk({
      url: `http://127.0.0.1:${peer.port}/`,
      connections: 10,
      durationS: Math.min(settings.warmupS, 1),
      core: settings.cores.load,
    });
    const before = await readPeerMemory(peer);
    const rssBeforeKb = readRssKb(peer.pid);
    const helper = spawnPinned({
      core: settings.cores.load,
      argv: [
        "node",
        helperScript,
        "--port",
        String(peer.port),
        "--connections",
        String(connections),
      ],
      label: "idle-connections helper",
    });
    try {
      const opened = JSON.parse(
        (await helper.waitForLine("OPENED ", 180_000)).slice("OPENED ".length),
      ) as OpenedReport;
      const after = await readPeerMemory(peer);
      const rssAfterKb = readRssKb(peer.pid);
      helper.send("status");
      const status = JSON.parse(
        (await helper.waitForLine("STATUS ", 10_000)).slice("STATUS ".length),
      ) as {
        alive: number;
      };
      const perConnection = (delta: number): number =>
        opened.opened > 0 ? delta / 1024 / opened.opened : Number.NaN;
      return {
        round: {
          connections: opened.opened,
          alive: status.alive,
          failed: opened.failed,
          openMs: opened.ms,
          heapKbPerConnection: perConnection(after.heapUsed - before.heapUsed),
          externalKbPerConnection: perConnection(after.external - before.external),
          rssKbPerConnection: perConnection((rssAfterKb - rssBeforeKb) * 1024),
          rssBeforeKb,
          rssAfterKb,
          gc: before.gc,
        },
        firstError: opened.firstError,
      };
    } finally {
      await helper.stop();
    }
  } finally {
    await peer.stop();
  }
}

export async function runMemoryScenario(
  scenario: MemoryScenario,
  settings: RunSettings,
  log: (message: string) => void,
): Promise<MemoryScenarioResult> {
  const connections =
    settings.idleConnections ?? (settings.quick ? scenario.quickConnections : scenario.connections);
  const peers = settings.peers.filter((name) => notMeasuredReason(name, scenario) === undefined);
  const results = new Map<PeerName, PeerMemoryResult>(
    peers.map((peer) => [peer, { peer, rounds: [] }]),
  );
  for (let round = 0; round < settings.rounds; round++) {
    for (const name of roundOrder(peers, round)) {
      const { round: measured, firstError } = await measureOnce(name, connections, settings);
      const result = results.get(name)!;
      result.rounds.push(measured);
      result.firstError ??= firstError;
      log(
        `  round ${round + 1}/${settings.rounds} ${name.padEnd(9)} ${measured.connections} open ` +
          `(${measured.alive} alive), heap ${measured.heapKbPerConnection.toFixed(2)} KB/conn, ` +
          `RSS ${measured.rssKbPerConnection.toFixed(2)} KB/conn`,
      );
    }
  }
  return { scenario, connections, peers: peers.map((name) => results.get(name)!) };
}
