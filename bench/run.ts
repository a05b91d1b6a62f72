// Entry point of `npm run bench`: compares slow-serv with node:http, Fastify, Hono and Express
// (and Bun when present) under wrk, and writes the tables to stdout and bench/RESULTS.md.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { installCleanup, killAllChildren } from "./children.js";
import { parseCliOptions, USAGE } from "./cli-options.js";
import { type LoadScenarioResult, runLoadScenario, VerificationError } from "./measure-load.js";
import { type MemoryScenarioResult, runMemoryScenario } from "./measure-memory.js";
import { runWebSocketScenario, type WebSocketScenarioResult } from "./measure-ws.js";
import { defaultPeers, unavailableReason } from "./peers.js";
import { machineInfo } from "./proc-stats.js";
import {
  type RunMeta,
  renderHeader,
  renderLoadTable,
  renderMemoryTable,
  renderReference,
  renderWebSocketTable,
} from "./report.js";
import { findScenario } from "./scenarios.js";
import { chooseCores, type RunSettings } from "./settings.js";
import { evaluateTargets, renderTargets } from "./targets.js";
import { makeTlsFiles } from "./tls-files.js";
import { wrkVersion } from "./wrk.js";

const resultsFile = fileURLToPath(new URL("../../bench/RESULTS.md", import.meta.url));
const log = (message: string): void => void process.stderr.write(`${message}\n`);

function requireTools(): string {
  const wrk = wrkVersion();
  if (wrk === undefined) {
    log("bench: wrk is not installed. Install it with:\n\n  sudo apt-get install -y wrk\n");
    process.exit(2);
  }
  try {
    execFileSync("taskset", ["-V"], { stdio: "ignore" });
  } catch {
    log("bench: taskset is missing (package util-linux): sudo apt-get install -y util-linux");
    process.exit(2);
  }
  return wrk;
}

function resolveSettings(argv: readonly string[]): RunSettings {
  const options = parseCliOptions(argv);
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  let peers = options.peers;
  if (peers === undefined) {
    peers = defaultPeers(log);
  } else {
    for (const peer of peers) {
      const reason = unavailableReason(peer);
      if (reason !== undefined) throw new Error(`peer ${peer} cannot run: ${reason}`);
    }
  }
  if (peers.length === 0) throw new Error("no peer can run; see the messages above");
  return {
    quick: options.quick,
    scenarios: options.scenarios,
    peers,
    rounds: options.rounds,
    durationS: options.durationS,
    warmupS: options.warmupS,
    idleConnections: options.idleConnections,
    cores: chooseCores(),
  };
}

async function main(): Promise<void> {
  installCleanup();
  const argv = process.argv.slice(2);
  const settings = resolveSettings(argv);
  const wrk = requireTools();
  if (settings.cores.server === undefined) {
    log("bench: warning: fewer than 2 cores, so wrk and the server share one; numbers will be low");
  }
  const meta: RunMeta = {
    machine: machineInfo(),
    loadAverage: loadavg()[0] ?? 0,
    wrk,
    date: new Date().toISOString(),
    command: ["node build/bench/run.js", ...argv].join(" "),
    settings,
  };
  const header = renderHeader(meta);
  process.stdout.write(`${header}\n\n`);
  const sections: string[] = [];
  const loads: LoadScenarioResult[] = [];
  const memories: MemoryScenarioResult[] = [];
  const websockets: WebSocketScenarioResult[] = [];
  const needsTls = settings.scenarios.some((id) => {
    const scenario = findScenario(id);
    return scenario?.kind === "load" && scenario.tls === true;
  });
  const tls = needsTls ? makeTlsFiles() : undefined;
  process.on("exit", () => tls?.remove());
  for (const id of settings.scenarios) {
    const scenario = findScenario(id)!;
    log(`scenario ${id}: ${scenario.title}`);
    let section: string;
    if (scenario.kind === "load") {
      const result = await runLoadScenario(scenario, settings, log, tls?.dir);
      loads.push(result);
      section = renderLoadTable(result);
    } else if (scenario.kind === "websocket") {
      const result = await runWebSocketScenario(scenario, settings, log);
      websockets.push(result);
      section = renderWebSocketTable(result);
    } else {
      const result = await runMemoryScenario(scenario, settings, log);
      memories.push(result);
      section = renderMemoryTable(result);
    }
    sections.push(section);
    process.stdout.write(`${section}\n\n`);
  }
  // The verdicts go first in the file, where a reader looks; on the terminal they come last.
  const targets = renderTargets(evaluateTargets(loads, memories, websockets));
  if (targets !== "") process.stdout.write(`${targets}\n\n`);
  const reference = renderReference(loads);
  if (reference !== "") process.stdout.write(`${reference}\n\n`);
  const summaries = [targets, reference].filter((text) => text !== "");
  sections.unshift(header, ...summaries, "## Scenarios");
  writeFileSync(resultsFile, `${sections.join("\n\n")}\n`);
  log(`bench: results written to ${resultsFile}`);
}

main().then(
  () => {
    killAllChildren();
    process.exit(0);
  },
  (error: unknown) => {
    killAllChildren();
    const message = error instanceof Error ? error.message : String(error);
    const label = error instanceof VerificationError ? "response mismatch" : "failed";
    log(`\nbench ${label}: ${message}`);
    process.exit(1);
  },
);
