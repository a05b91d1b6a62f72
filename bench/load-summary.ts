// Per-peer summaries of one load scenario that both the tables (report.ts) and the target
// verdicts (targets.ts) read, so the two can never compute them differently.
import type { LoadRound, PeerLoadResult } from "./measure-load.js";
import type { PeerName } from "./peers.js";
import { LOAD_BOUND_SHARE, median, medianRatio } from "./stats.js";

/** The peer's results, if it was measured in this scenario (load or memory). */
export function measuredPeer<Peer extends { peer: PeerName; rounds: readonly unknown[] }>(
  result: { peers: readonly Peer[] },
  name: PeerName,
): Peer | undefined {
  return result.peers.find((peer) => peer.peer === name && peer.rounds.length > 0);
}

/** Median over rounds of `peer`'s figure divided by the baseline's from the same round. */
export function sameRoundRatio(
  peer: PeerLoadResult,
  baseline: PeerLoadResult | undefined,
  select: (round: LoadRound) => number,
): number {
  if (baseline === undefined) return Number.NaN;
  return medianRatio(peer.rounds.map(select), baseline.rounds.map(select));
}

/** The median share of its core that wrk used against this peer. */
export function loadCoreShare(peer: PeerLoadResult): number {
  return median(peer.rounds.map((round) => round.loadCoreShare));
}

/** wrk filled its core: the peer's req/s measures wrk. */
export function isLoadBound(peer: PeerLoadResult): boolean {
  return loadCoreShare(peer) >= LOAD_BOUND_SHARE;
}
