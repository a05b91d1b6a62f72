// Scenarios 1-9: fresh peers, verification, warm-up, then rounds that alternate the peers.
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { notMeasuredReason, type PeerName, type RunningPeer, startPeer } from "./peers.js";
import {
  coreShare,
  cpuMicrosPerRequest,
  readCpuTicks,
  readReapedChildTicks,
  readRssKb,
} from "./proc-stats.js";
import type { LoadScenario } from "./scenarios.js";
import type { RunSettings } from "./settings.js";
import { roundOrder } from "./stats.js";
import { comparedPeers } from "./targets.js";
import { checkPipelining, diffResponse, fetchOnce } from "./verify.js";
import { runWrk, type WrkResult } from "./wrk.js";

export interface LoadRound {
  wrk: WrkResult;
  cpuUsPerRequest: number;
  rssKb: number;
  /**
   * wrk's CPU time over its run time (1 = its whole core). Near 1, req/s measures wrk rather than
   * the server, and a faster server cannot show it.
   */
  loadCoreShare: number;
}

export interface PeerLoadResult {
  peer: PeerName;
  /** Set when the peer was not measured (e.g. it has no session support). */
  notApplicable?: string;
  rounds: LoadRound[];
}

export interface LoadScenarioResult {
  scenario: LoadScenario;
  peers: PeerLoadResult[];
}

export class VerificationError extends Error {}

const benchSourceDir = fileURLToPath(new URL("../../bench/", import.meta.url));

interface Prepared {
  peer: RunningPeer;
  headers: string[];
}

function describe(scenario: LoadScenario): string {
  return `scenario ${scenario.id} (${scenario.method} ${scenario.path})`;
}

/** Checks the peer's answer and returns the headers wrk must send (the session cookie for 9). */
export async function verifyPeer(scenario: LoadScenario, peer: RunningPeer): Promise<string[]> {
  const request = {
    port: peer.port,
    method: scenario.method,
    path: scenario.path,
    tls: scenario.tls,
    close: scenario.closeEachRequest,
  };
  let cookie: string | undefined;
  if (scenario.feature === "session") {
    const first = await fetchOnce(request);
    cookie = first.setCookie?.split("\n")[0]?.split(";")[0];
    if (first.status !== 200 || cookie === undefined || !cookie.includes("=")) {
      throw new VerificationError(
        `peer ${peer.name} gives no session cookie for ${describe(scenario)}: status ${first.status}, ` +
          `set-cookie ${JSON.stringify(first.setCookie)}`,
      );
    }
  }
  const observed = await fetchOnce({ ...request, body: scenario.requestBody, cookie });
  const problems = diffResponse(scenario.expect, observed, scenario.fetchApp === true);
  if (problems.length > 0) {
    throw new VerificationError(
      `peer ${peer.name} answers ${describe(scenario)} differently from the expected response:\n` +
        problems.map((line) => `  - ${line}`).join("\n"),
    );
  }
  if (scenario.pipelineDepth !== undefined) {
    await checkPipelining(peer.port, scenario.path, scenario.pipelineDepth).catch(
      (error: Error) => {
        throw new VerificationError(`peer ${peer.name}, ${describe(scenario)}: ${error.message}`);
      },
    );
  }
  const headers = cookie === undefined ? [] : [`Cookie: ${cookie}`];
  // wrk opens a new connection after every response that says Connection: close.
  if (scenario.closeEachRequest === true) headers.push("Connection: close");
  return headers;
}

function scriptOptions(scenario: LoadScenario, bodyFile: string | undefined) {
  if (scenario.script === undefined) return {};
  const script = join(benchSourceDir, scenario.script);
  if (scenario.script === "pipeline.lua") {
    return { script, scriptArgs: [String(scenario.pipelineDepth)] };
  }
  return { script, scriptArgs: bodyFile === undefined ? [] : [bodyFile] };
}

async function measure(
  scenario: LoadScenario,
  prepared: Prepared,
  durationS: number,
  settings: RunSettings,
  bodyFile: string | undefined,
): Promise<LoadRound> {
  const { peer } = prepared;
  const ticksBefore = readCpuTicks(peer.pid);
  const loadTicksBefore = readReapedChildTicks();
  const wrk = await runWrk({
    url: `${scenario.tls === true ? "https" : "http"}://127.0.0.1:${peer.port}${scenario.path}`,
    connections: scenario.connections,
    durationS,
    core: settings.cores.load,
    headers: prepared.headers,
    ...scriptOptions(scenario, bodyFile),
  });
  const loadTicks = readReapedChildTicks() - loadTicksBefore;
  const { exitCode, signalCode } = peer.child.process;
  if (exitCode !== null || signalCode !== null) {
    throw new Error(
      `peer ${peer.name} died under load (${exitCode ?? signalCode}):\n${peer.child.output()}`,
    );
  }
  const ticksAfter = readCpuTicks(peer.pid);
  const rssKb = readRssKb(peer.pid);
  return {
    wrk,
    cpuUsPerRequest: cpuMicrosPerRequest(ticksBefore, ticksAfter, wrk.requests),
    rssKb,
    loadCoreShare: coreShare(loadTicks, wrk.seconds),
  };
}

/** `tlsDir`: the run's certificate, needed when the scenario is over TLS. */
export async function runLoadScenario(
  scenario: LoadScenario,
  settings: RunSettings,
  log: (message: string) => void,
  tlsDir?: string,
): Promise<LoadScenarioResult> {
  const running: RunningPeer[] = [];
  const results = new Map<PeerName, PeerLoadResult>();
  let bodyFile: string | undefined;
  if (scenario.tls === true && tlsDir === undefined) {
    throw new Error(`scenario ${scenario.id} is over TLS but no certificate was made`);
  }
  try {
    for (const name of settings.peers) {
      const reason = notMeasuredReason(name, scenario);
      if (reason !== undefined) {
        results.set(name, { peer: name, notApplicable: reason, rounds: [] });
        continue;
      }
      running.push(
        await startPeer(name, settings.cores.server, scenario.tls === true ? tlsDir : undefined),
      );
    }
    const prepared: Prepared[] = [];
    for (const peer of running) {
      results.set(peer.name, { peer: peer.name, rounds: [] });
      if (scenario.feature !== undefined && peer.unsupported.includes(scenario.feature)) {
        results.get(peer.name)!.notApplicable = `no ${scenario.feature} support`;
        continue;
      }
      prepared.push({ peer, headers: await verifyPeer(scenario, peer) });
    }
    if (scenario.requestBody !== undefined) {
      bodyFile = join(tmpdir(), `slow-serv-bench-body-${process.pid}.json`);
      writeFileSync(bodyFile, scenario.requestBody);
    }
    log(`  verified ${prepared.map((item) => item.peer.name).join(", ")}; warming up`);
    for (const item of prepared)
      await measure(scenario, item, settings.warmupS, settings, bodyFile);
    const compared = comparedPeers(scenario.id, scenario.fetchApp === true);
    const judged = (item: Prepared): boolean => compared.has(item.peer.name);
    for (let round = 0; round < settings.rounds; round++) {
      for (const item of roundOrder(prepared, round, judged)) {
        const result = await measure(scenario, item, settings.durationS, settings, bodyFile);
        results.get(item.peer.name)!.rounds.push(result);
        log(
          `  round ${round + 1}/${settings.rounds} ${item.peer.name.padEnd(9)} ` +
            `${Math.round(result.wrk.requestsPerSecond).toLocaleString("en-US")} req/s, ` +
            `${result.cpuUsPerRequest.toFixed(2)} µs CPU/req, ` +
            `wrk ${(result.loadCoreShare * 100).toFixed(0)}% of its core`,
        );
      }
    }
  } finally {
    await Promise.all(running.map((peer) => peer.stop()));
    if (bodyFile !== undefined) rmSync(bodyFile, { force: true });
  }
  return { scenario, peers: settings.peers.map((name) => results.get(name)!) };
}
