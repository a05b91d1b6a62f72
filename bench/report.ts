// Markdown for the terminal and bench/RESULTS.md.
import { isLoadBound, loadCoreShare, measuredPeer, sameRoundRatio } from "./load-summary.js";
import type { LoadScenarioResult, PeerLoadResult } from "./measure-load.js";
import type { MemoryScenarioResult } from "./measure-memory.js";
import type { PeerWebSocketResult, WebSocketRound, WebSocketScenarioResult } from "./measure-ws.js";
import { BASELINE_PEER, FETCH_BASELINE, WEBSOCKET_BASELINE } from "./peers.js";
import type { MachineInfo } from "./proc-stats.js";
import type { RunSettings } from "./settings.js";
import { LOAD_BOUND_SHARE, median, medianRatio, NOISE_THRESHOLD, spread } from "./stats.js";

export interface RunMeta {
  machine: MachineInfo;
  /** 1-minute load average when the run started; other work on the machine skews req/s. */
  loadAverage: number;
  wrk: string;
  date: string;
  command: string;
  settings: RunSettings;
}

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatLatency(us: number): string {
  if (!Number.isFinite(us)) return "—";
  if (us < 1000) return `${Math.round(us)} µs`;
  if (us < 1e6) return `${(us / 1000).toFixed(2)} ms`;
  return `${(us / 1e6).toFixed(2)} s`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export function errorSummary(peer: PeerLoadResult): string {
  const total = { connect: 0, read: 0, write: 0, timeout: 0, "non-2xx": 0 };
  for (const { wrk } of peer.rounds) {
    total.connect += wrk.errors.connect;
    total.read += wrk.errors.read;
    total.write += wrk.errors.write;
    total.timeout += wrk.errors.timeout;
    total["non-2xx"] += wrk.non2xx;
  }
  const parts = Object.entries(total).filter(([, count]) => count > 0);
  return parts.length === 0 ? "0" : parts.map(([kind, count]) => `${kind} ${count}`).join(", ");
}

function percent(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)}%` : "—";
}

function ratioText(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : "—";
}

export function renderLoadTable(result: LoadScenarioResult): string {
  const { scenario } = result;
  const baseline = measuredPeer(
    result,
    scenario.fetchApp === true ? FETCH_BASELINE : BASELINE_PEER,
  );
  const rows = result.peers.map((peer) => {
    if (peer.notApplicable !== undefined) {
      return [peer.peer, "n/a", "—", "—", "—", "—", "—", "—", "—", "—", peer.notApplicable];
    }
    const rates = peer.rounds.map((round) => round.wrk.requestsPerSecond);
    const noise = spread(rates);
    const notes: string[] = [];
    if (noise > NOISE_THRESHOLD) notes.push(`⚠ noisy: rounds spread ${(noise * 100).toFixed(0)}%`);
    if (isLoadBound(peer)) notes.push("⚠ load-bound: req/s measures wrk");
    return [
      peer.peer,
      integer.format(median(rates)),
      ratioText(sameRoundRatio(peer, baseline, (round) => round.wrk.requestsPerSecond)),
      formatLatency(median(peer.rounds.map((round) => round.wrk.p50Us))),
      formatLatency(median(peer.rounds.map((round) => round.wrk.p99Us))),
      fixed(median(peer.rounds.map((round) => round.cpuUsPerRequest)), 2),
      ratioText(sameRoundRatio(peer, baseline, (round) => round.cpuUsPerRequest)),
      fixed(Math.max(...peer.rounds.map((round) => round.rssKb)) / 1024, 1),
      percent(loadCoreShare(peer)),
      errorSummary(peer),
      notes.join("; "),
    ];
  });
  const title = `### ${scenario.id}. ${scenario.title} — ${scenario.connections} connection${scenario.connections === 1 ? "" : "s"}`;
  const baselineName =
    scenario.tls === true
      ? "node:https"
      : scenario.fetchApp === true
        ? "@hono/node-server"
        : "node:http";
  const header = [
    "Peer",
    "req/s (median)",
    `vs ${baselineName}`,
    "p50",
    "p99",
    "CPU µs/req",
    `CPU vs ${baselineName}`,
    "RSS MB",
    "wrk core",
    "errors",
    "note",
  ];
  const notes: string[] = [];
  if (scenario.pipelineDepth !== undefined) {
    notes.push(`Latency is per batch of ${scenario.pipelineDepth} pipelined requests.`);
  }
  if (scenario.tls === true) {
    notes.push(
      "Over TLS 1.3 with a self-signed ECDSA P-256 certificate; node-http is node:https here.",
    );
  }
  if (scenario.fetchApp === true) {
    notes.push(
      "One Hono app (bench/peers/hono-app.ts) on each host: hono is @hono/node-server, hono-slow-serv slow-serv's serve(), hono-srvx srvx (which sends these answers chunked), hono-bun Bun.serve.",
    );
  }
  if (scenario.closeEachRequest === true) {
    notes.push(
      "Every request opens a new connection (Connection: close), so the handshake dominates.",
    );
  }
  if (scenario.feature === "session") {
    notes.push(
      "Peers other than slow-serv use the same hand-rolled AES-256-GCM cookie (bench/peers/session-cookie.ts).",
    );
  }
  return [title, "", table(header, rows), ...(notes.length > 0 ? ["", notes.join(" ")] : [])].join(
    "\n",
  );
}

export function renderMemoryTable(result: MemoryScenarioResult): string {
  const rows = result.peers.map((peer) => {
    const pick = (select: (round: (typeof peer.rounds)[number]) => number): number =>
      median(peer.rounds.map(select));
    const last = peer.rounds[peer.rounds.length - 1];
    const notes: string[] = [];
    if (peer.rounds.some((round) => !round.gc)) notes.push("no gc(): heap figures are noisy");
    const lost = peer.rounds.some((round) => round.alive < round.connections);
    if (lost) notes.push("server closed some idle connections");
    if (peer.firstError !== undefined) notes.push(`open failures: ${peer.firstError}`);
    return [
      peer.peer,
      last === undefined
        ? "—"
        : `${integer.format(last.connections)} (${integer.format(last.alive)})`,
      fixed(
        pick((round) => round.heapKbPerConnection),
        2,
      ),
      fixed(
        pick((round) => round.externalKbPerConnection),
        2,
      ),
      fixed(
        pick((round) => round.rssKbPerConnection),
        2,
      ),
      last === undefined
        ? "—"
        : `${fixed(last.rssBeforeKb / 1024, 1)} → ${fixed(last.rssAfterKb / 1024, 1)}`,
      last === undefined ? "—" : `${fixed(last.openMs / 1000, 1)} s`,
      notes.join("; "),
    ];
  });
  const header = [
    "Peer",
    "connections (alive)",
    "heap KB/conn",
    "external KB/conn",
    "RSS KB/conn",
    "RSS MB before → after",
    "open time",
    "note",
  ];
  return [
    `### ${result.scenario.id}. ${result.scenario.title} — ${integer.format(result.connections)} connections`,
    "",
    table(header, rows),
    "",
    "Heap and external are process.memoryUsage() after gc(), before and after the connections were opened.",
  ].join("\n");
}

export function renderHeader(meta: RunMeta): string {
  const { machine, settings } = meta;
  const pinning =
    settings.cores.server === undefined
      ? "not pinned (fewer than 2 cores)"
      : `server on core ${settings.cores.server}, load on core ${settings.cores.load} (taskset)`;
  const busy =
    meta.loadAverage > 0.5
      ? [
          `- ⚠ Load average ${meta.loadAverage.toFixed(2)} at start: other work was running, so absolute ` +
            "req/s is unreliable; compare the same-round ratios and CPU µs/req.",
        ]
      : [];
  return [
    "# slow-serv benchmark results",
    "",
    `- Date: ${meta.date}`,
    `- Command: \`${meta.command}\``,
    `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB RAM, Linux ${machine.kernel}`,
    `- Node ${machine.node}; ${meta.wrk}`,
    `- ${settings.rounds} round(s) × ${settings.durationS} s per peer, warm-up ${settings.warmupS} s; ${pinning}`,
    "- Ratios are to node:http measured in the same round (median over rounds); " +
      `rounds whose req/s spread exceeds ${NOISE_THRESHOLD * 100}% are flagged noisy.`,
    "- CPU µs/req is the server's utime+stime (/proc/PID/stat) per request: noise moves it less than req/s. " +
      "CPU vs node:http is its same-round ratio (lower is better).",
    "- wrk core is wrk's own CPU time over its run (cutime+cstime of the harness around it): " +
      `at ${LOAD_BOUND_SHARE * 100}% or more wrk is the bottleneck, so req/s measures wrk, not the ` +
      "server, and servers faster than that all show the same req/s (flagged load-bound). It can " +
      "read above 100%: CPU time comes from the scheduler's clock and wrk's duration from the wall " +
      "clock, and on a VM the two can drift apart for a while.",
    "- bare-net is a reference, not a competitor: a node:net server that only finds where each " +
      "request ends and writes prebuilt answers, reading through the same shared buffer as slow-serv " +
      "(bench/peers/bare-net.ts). It marks the ceiling node:net (node:tls at 11–13) leaves for any " +
      "HTTP server, except at 6, where it copies the 64 KB body into every answer, and at 7, where " +
      "it keeps one accept handle and slow-serv adds more under load.",
    "- uWebSockets.js (uws, C++ through uws-pack) and Bun are optional references, measured when " +
      "installed (npm install --no-save uws-pack bun); nginx (`ssl`, answering from its " +
      "configuration) is the reference for the TLS scenarios 11–13 only.",
    ...busy,
  ].join("\n");
}

/**
 * slow-serv's CPU per request as a same-round ratio to uWebSockets.js's, per scenario: how far the
 * fastest server a Node user can pick is ahead. Empty when uWebSockets.js was not measured.
 */
export function renderReference(loads: readonly LoadScenarioResult[]): string {
  const rows: string[][] = [];
  for (const result of loads) {
    const subject = measuredPeer(result, "slow-serv");
    const reference = measuredPeer(result, "uws");
    if (subject === undefined || reference === undefined) continue;
    const cpu = (peer: PeerLoadResult): number =>
      median(peer.rounds.map((round) => round.cpuUsPerRequest));
    rows.push([
      `${result.scenario.id}. ${result.scenario.title}`,
      fixed(cpu(subject), 2),
      fixed(cpu(reference), 2),
      ratioText(sameRoundRatio(subject, reference, (round) => round.cpuUsPerRequest)),
    ]);
  }
  if (rows.length === 0) return "";
  return [
    "## slow-serv against uWebSockets.js (CPU per request)",
    "",
    table(
      ["scenario", "slow-serv µs/req", "uWebSockets.js µs/req", "slow-serv / uWS (same round)"],
      rows,
    ),
  ].join("\n");
}

/** Scenarios 14-16: messages per second and CPU per message, or memory per idle WebSocket. */
export function renderWebSocketTable(result: WebSocketScenarioResult): string {
  const { scenario } = result;
  const baseline = result.peers.find(
    (peer) => peer.peer === WEBSOCKET_BASELINE && peer.rounds.length > 0,
  );
  const ratioTo = (peer: PeerWebSocketResult, select: (round: WebSocketRound) => number): string =>
    baseline === undefined
      ? "—"
      : ratioText(medianRatio(peer.rounds.map(select), baseline.rounds.map(select)));
  const idle = scenario.mode === "idle";
  const header = idle
    ? ["Peer", "sockets (alive)", "heap KB/socket", "heap vs ws", "RSS KB/socket", "errors", "note"]
    : [
        "Peer",
        "messages/s (median)",
        "vs ws",
        "CPU µs/msg",
        "CPU vs ws",
        "client core",
        "errors",
        "note",
      ];
  const rows = result.peers.map((peer) => {
    if (peer.notApplicable !== undefined) {
      return [peer.peer, "n/a", ...header.slice(2, -1).map(() => "—"), peer.notApplicable];
    }
    const pick = (select: (round: WebSocketRound) => number): number =>
      median(peer.rounds.map(select));
    const errors = peer.rounds.reduce((sum, round) => sum + round.errors, 0);
    if (idle) {
      const last = peer.rounds[peer.rounds.length - 1];
      return [
        peer.peer,
        last === undefined
          ? "—"
          : `${integer.format(last.sockets)} (${integer.format(last.alive)})`,
        fixed(
          pick((round) => round.heapKbPerSocket),
          2,
        ),
        ratioTo(peer, (round) => round.heapKbPerSocket),
        fixed(
          pick((round) => round.rssKbPerSocket),
          2,
        ),
        String(errors),
        "",
      ];
    }
    const share = pick((round) => round.loadCoreShare);
    return [
      peer.peer,
      integer.format(pick((round) => round.messagesPerSecond)),
      ratioTo(peer, (round) => round.messagesPerSecond),
      fixed(
        pick((round) => round.cpuUsPerMessage),
        2,
      ),
      ratioTo(peer, (round) => round.cpuUsPerMessage),
      percent(share),
      String(errors),
      share >= LOAD_BOUND_SHARE ? "⚠ load-bound: msg/s measures the client" : "",
    ];
  });
  const count = idle ? "" : ` — ${integer.format(scenario.connections)} connections`;
  const notes = idle
    ? "Heap is process.memoryUsage() after gc(), before and after the sockets were opened; a fresh server each round."
    : `${scenario.window} message(s) in flight ${scenario.mode === "echo" ? "per connection" : "from the publisher"}; ` +
      "the client is bench/ws-client.ts on the load core; client core is its CPU over the measured window.";
  return [`### ${scenario.id}. ${scenario.title}${count}`, "", table(header, rows), "", notes].join(
    "\n",
  );
}
