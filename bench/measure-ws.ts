// WebSocket scenarios (14-16): fresh peers, a protocol check with the ws package's client, then
// rounds that alternate the peers under bench/ws-client.ts, a separate process on the load core.
import { fileURLToPath } from "node:url";
import { WebSocket } from "ws";
import { spawnPinned } from "./children.js";
import {
  notMeasuredReason,
  type PeerName,
  type RunningPeer,
  readPeerMemory,
  startPeer,
} from "./peers.js";
import { clockTicksPerSecond, coreShare, readCpuTicks, readRssKb } from "./proc-stats.js";
import type { WebSocketScenario } from "./scenarios.js";
import type { RunSettings } from "./settings.js";
import { roundOrder } from "./stats.js";
import { comparedPeers } from "./targets.js";

const clientScript = fileURLToPath(new URL("./ws-client.js", import.meta.url));

export interface WebSocketRound {
  messagesPerSecond: number;
  /** Server CPU per message delivered to the client (µs). */
  cpuUsPerMessage: number;
  /** The load generator's CPU over its measured window (1 = its whole core). */
  loadCoreShare: number;
  /** Idle mode: sockets open and still open at the end, and memory per socket (KB). */
  sockets: number;
  alive: number;
  heapKbPerSocket: number;
  rssKbPerSocket: number;
  errors: number;
}

export interface PeerWebSocketResult {
  peer: PeerName;
  notApplicable?: string;
  rounds: WebSocketRound[];
}

export interface WebSocketScenarioResult {
  scenario: WebSocketScenario;
  peers: PeerWebSocketResult[];
}

function once(socket: WebSocket, event: "open" | "message"): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within 5 s`)), 5000);
    socket.once(event, (data?: Buffer) => {
      clearTimeout(timer);
      resolve(data === undefined ? "" : data.toString("utf8"));
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Echo answers what was sent; a broadcast reaches the sender and another subscriber. */
export async function verifyWebSocketPeer(port: number): Promise<void> {
  const url = (path: string): string => `ws://127.0.0.1:${port}${path}`;
  const echo = new WebSocket(url("/ws/echo"), { perMessageDeflate: false });
  const first = new WebSocket(url("/ws/broadcast"), { perMessageDeflate: false });
  const second = new WebSocket(url("/ws/broadcast"), { perMessageDeflate: false });
  try {
    await Promise.all([once(echo, "open"), once(first, "open"), once(second, "open")]);
    const echoed = once(echo, "message");
    echo.send("bench-check");
    if ((await echoed) !== "bench-check") throw new Error("/ws/echo answered something else");
    const toFirst = once(first, "message");
    const toSecond = once(second, "message");
    first.send("bench-topic");
    const received = await Promise.all([toFirst, toSecond]);
    if (received.some((text) => text !== "bench-topic")) {
      throw new Error(`/ws/broadcast delivered ${JSON.stringify(received)}`);
    }
  } finally {
    for (const socket of [echo, first, second]) socket.terminate();
  }
}

interface ClientResult {
  messages: number;
  seconds: number;
  failed: number;
  closed: number;
  protocolErrors: number;
  /** Replies that were not the message sent (absent from older clients' results). */
  unexpected?: number;
  firstError?: string;
  error?: string;
}

async function measureLoad(
  scenario: WebSocketScenario,
  peer: RunningPeer,
  settings: RunSettings,
  durationS: number,
): Promise<WebSocketRound> {
  const client = spawnPinned({
    core: settings.cores.load,
    argv: [
      "node",
      clientScript,
      ...["--port", String(peer.port), "--mode", scenario.mode],
      ...["--connections", String(scenario.connections), "--window", String(scenario.window)],
      ...["--bytes", String(scenario.messageBytes), "--duration", String(durationS)],
      ...["--warmup", "1"],
    ],
    label: "ws-client",
  });
  try {
    await client.waitForLine("MEASURING", 120_000);
    const serverBefore = readCpuTicks(peer.pid);
    const clientBefore = readCpuTicks(client.pid);
    const line = await client.waitForLine("RESULT ", (durationS + 30) * 1000);
    const serverAfter = readCpuTicks(peer.pid);
    const clientAfter = readCpuTicks(client.pid);
    const result = JSON.parse(line.slice("RESULT ".length)) as ClientResult;
    if (result.error !== undefined) throw new Error(`ws-client: ${result.error}`);
    const ticks = clockTicksPerSecond();
    return {
      messagesPerSecond: result.messages / result.seconds,
      cpuUsPerMessage:
        result.messages > 0
          ? (((serverAfter - serverBefore) / ticks) * 1e6) / result.messages
          : Number.NaN,
      loadCoreShare: coreShare(clientAfter - clientBefore, result.seconds),
      sockets: scenario.connections - result.failed,
      alive: scenario.connections - result.failed - result.closed,
      heapKbPerSocket: Number.NaN,
      rssKbPerSocket: Number.NaN,
      errors: result.failed + result.closed + result.protocolErrors + (result.unexpected ?? 0),
    };
  } finally {
    await client.stop();
  }
}

async function measureIdle(
  scenario: WebSocketScenario,
  peer: RunningPeer,
  settings: RunSettings,
): Promise<WebSocketRound> {
  const connections =
    settings.quick && scenario.quickConnections !== undefined
      ? scenario.quickConnections
      : scenario.connections;
  const before = await readPeerMemory(peer);
  const rssBefore = readRssKb(peer.pid);
  const client = spawnPinned({
    core: settings.cores.load,
    argv: [
      "node",
      clientScript,
      ...["--port", String(peer.port), "--mode", "idle", "--connections", String(connections)],
    ],
    label: "ws-client",
  });
  try {
    const opened = JSON.parse(
      (await client.waitForLine("OPENED ", 180_000)).slice("OPENED ".length),
    ) as { opened: number; failed: number };
    const after = await readPeerMemory(peer);
    const rssAfter = readRssKb(peer.pid);
    client.send("status");
    const { alive } = JSON.parse(
      (await client.waitForLine("STATUS ", 10_000)).slice("STATUS ".length),
    ) as { alive: number };
    const perSocket = (delta: number): number =>
      opened.opened > 0 ? delta / 1024 / opened.opened : Number.NaN;
    return {
      messagesPerSecond: Number.NaN,
      cpuUsPerMessage: Number.NaN,
      loadCoreShare: Number.NaN,
      sockets: opened.opened,
      alive,
      heapKbPerSocket: perSocket(after.heapUsed - before.heapUsed),
      rssKbPerSocket: perSocket((rssAfter - rssBefore) * 1024),
      errors: opened.failed,
    };
  } finally {
    await client.stop();
  }
}

export async function runWebSocketScenario(
  scenario: WebSocketScenario,
  settings: RunSettings,
  log: (message: string) => void,
): Promise<WebSocketScenarioResult> {
  const results = new Map<PeerName, PeerWebSocketResult>();
  const measured: PeerName[] = [];
  for (const name of settings.peers) {
    const reason = notMeasuredReason(name, scenario);
    results.set(name, {
      peer: name,
      rounds: [],
      ...(reason === undefined ? {} : { notApplicable: reason }),
    });
    if (reason === undefined) measured.push(name);
  }
  const running = new Map<PeerName, RunningPeer>();
  try {
    for (const name of measured) {
      const peer = await startPeer(name, settings.cores.server);
      running.set(name, peer);
      if (peer.unsupported.includes("websocket")) {
        results.get(name)!.notApplicable = "no WebSocket support";
        continue;
      }
      await verifyWebSocketPeer(peer.port);
    }
    const ready = measured.filter((name) => results.get(name)!.notApplicable === undefined);
    log(`  verified ${ready.join(", ")}`);
    if (scenario.mode !== "idle") {
      for (const name of ready)
        await measureLoad(scenario, running.get(name)!, settings, settings.warmupS);
    }
    const compared = comparedPeers(scenario.id);
    for (let round = 0; round < settings.rounds; round++) {
      for (const name of roundOrder(ready, round, (peer) => compared.has(peer))) {
        const peer = running.get(name)!;
        const result =
          scenario.mode === "idle"
            ? await measureIdle(scenario, peer, settings)
            : await measureLoad(scenario, peer, settings, settings.durationS);
        results.get(name)!.rounds.push(result);
        log(
          scenario.mode === "idle"
            ? `  round ${round + 1}/${settings.rounds} ${name.padEnd(9)} ${result.sockets} open ` +
                `(${result.alive} alive), heap ${result.heapKbPerSocket.toFixed(2)} KB/socket`
            : `  round ${round + 1}/${settings.rounds} ${name.padEnd(9)} ` +
                `${Math.round(result.messagesPerSecond).toLocaleString("en-US")} msg/s, ` +
                `${result.cpuUsPerMessage.toFixed(2)} µs CPU/msg, ` +
                `client ${(result.loadCoreShare * 100).toFixed(0)}% of its core`,
        );
        if (scenario.mode === "idle") {
          // A fresh server per idle round: the next round must not count this one's sockets.
          await peer.stop();
          running.set(name, await startPeer(name, settings.cores.server));
        }
      }
    }
  } finally {
    await Promise.all([...running.values()].map((peer) => peer.stop()));
  }
  return { scenario, peers: settings.peers.map((name) => results.get(name)!) };
}
