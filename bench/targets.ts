// The performance targets of issue 6, checked against one run's results, so RESULTS.md says
// which hold instead of leaving the reader to compute ratios from the tables.
import { isLoadBound, measuredPeer, sameRoundRatio } from "./load-summary.js";
import type { LoadRound, LoadScenarioResult } from "./measure-load.js";
import type { MemoryScenarioResult } from "./measure-memory.js";
import { BASELINE_PEER, type PeerName } from "./peers.js";
import { median } from "./stats.js";

const SUBJECT: PeerName = "slow-serv";

export interface Target {
  scenario: number;
  /** Same-round req/s ratio at least, CPU-per-request ratio at most, or heap KB per connection. */
  measure: "throughput" | "cpu" | "heap";
  bound: number;
  /** Also require that wrk counted no timeouts for slow-serv in any round. */
  noTimeouts?: boolean;
}

export const TARGETS: readonly Target[] = [
  { scenario: 1, measure: "throughput", bound: 1.6 },
  { scenario: 2, measure: "throughput", bound: 1.5 },
  { scenario: 3, measure: "throughput", bound: 1.5 },
  { scenario: 4, measure: "throughput", bound: 6 },
  { scenario: 5, measure: "throughput", bound: 1.5 },
  { scenario: 6, measure: "throughput", bound: 1 },
  { scenario: 7, measure: "throughput", bound: 1.6, noTimeouts: true },
  { scenario: 8, measure: "cpu", bound: 0.75 },
  { scenario: 10, measure: "heap", bound: 1.5 },
];

export interface TargetOutcome {
  target: Target;
  /** NaN when the run did not measure what the target needs. */
  value: number;
  timeouts: number;
  met: boolean | undefined;
  /** wrk was the bottleneck for both servers: the req/s ratio says little about either. */
  loadBound: boolean;
}

function evaluateLoad(target: Target, result: LoadScenarioResult): TargetOutcome {
  const subject = measuredPeer(result, SUBJECT);
  const baseline = measuredPeer(result, BASELINE_PEER);
  if (subject === undefined || baseline === undefined) {
    return { target, value: Number.NaN, timeouts: 0, met: undefined, loadBound: false };
  }
  const select =
    target.measure === "cpu"
      ? (round: LoadRound) => round.cpuUsPerRequest
      : (round: LoadRound) => round.wrk.requestsPerSecond;
  const value = sameRoundRatio(subject, baseline, select);
  const timeouts = subject.rounds.reduce((sum, round) => sum + round.wrk.errors.timeout, 0);
  const withinBound = target.measure === "cpu" ? value <= target.bound : value >= target.bound;
  return {
    target,
    value,
    timeouts,
    met: withinBound && !(target.noTimeouts === true && timeouts > 0),
    loadBound: target.measure === "throughput" && isLoadBound(subject) && isLoadBound(baseline),
  };
}

function evaluateHeap(target: Target, result: MemoryScenarioResult): TargetOutcome {
  const subject = measuredPeer(result, SUBJECT);
  const value =
    subject === undefined
      ? Number.NaN
      : median(subject.rounds.map((round) => round.heapKbPerConnection));
  const met = Number.isFinite(value) ? value <= target.bound : undefined;
  return { target, value, timeouts: 0, met, loadBound: false };
}

/** One outcome per target whose scenario was run. */
export function evaluateTargets(
  loads: readonly LoadScenarioResult[],
  memories: readonly MemoryScenarioResult[],
): TargetOutcome[] {
  const outcomes: TargetOutcome[] = [];
  for (const target of TARGETS) {
    const load = loads.find((result) => result.scenario.id === target.scenario);
    const memory = memories.find((result) => result.scenario.id === target.scenario);
    if (load !== undefined) outcomes.push(evaluateLoad(target, load));
    else if (memory !== undefined) outcomes.push(evaluateHeap(target, memory));
  }
  return outcomes;
}

function targetText(target: Target): string {
  if (target.measure === "heap") return `≤ ${target.bound} KB heap per connection`;
  if (target.measure === "cpu") return `≤ ${target.bound}× node:http's CPU per request`;
  return `≥ ${target.bound}× node:http's req/s${target.noTimeouts === true ? ", no timeouts" : ""}`;
}

function valueText(outcome: TargetOutcome): string {
  if (!Number.isFinite(outcome.value)) return "not measured";
  if (outcome.target.measure === "heap") return `${outcome.value.toFixed(2)} KB`;
  // Two decimals, or three where two would round onto the bound and hide which side it is on.
  const digits = Number(outcome.value.toFixed(2)) === outcome.target.bound ? 3 : 2;
  const ratio = `${outcome.value.toFixed(digits)}×`;
  return outcome.target.noTimeouts === true ? `${ratio}, ${outcome.timeouts} timeouts` : ratio;
}

export function renderTargets(outcomes: readonly TargetOutcome[]): string {
  if (outcomes.length === 0) return "";
  const rows = outcomes.map((outcome) => {
    const verdict = outcome.met === undefined ? "—" : outcome.met ? "met" : "**short**";
    const note = outcome.loadBound
      ? "load-bound: wrk used its whole core for both servers, so req/s measures wrk"
      : "";
    return `| ${outcome.target.scenario} | ${targetText(outcome.target)} | ${valueText(outcome)} | ${verdict} | ${note} |`;
  });
  return [
    "## Targets (slow-serv, this run)",
    "",
    "| scenario | target | measured | verdict | note |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
  ].join("\n");
}
