// Summaries over rounds: medians, same-round ratios to the baseline, and a noise flag.
export const NOISE_THRESHOLD = 0.1;
/** wrk's share of its core above which a round measures wrk more than the server. */
export const LOAD_BOUND_SHARE = 0.9;

export function median(values: readonly number[]): number {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** (max - min) / median; 0 for a single round. */
export function spread(values: readonly number[]): number {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length < 2) return 0;
  const middle = median(finite);
  return middle > 0 ? (Math.max(...finite) - Math.min(...finite)) / middle : Number.NaN;
}

/** Ratio per round (the peer and the baseline measured in the same round), then the median. */
export function medianRatio(peer: readonly number[], baseline: readonly number[]): number {
  const ratios: number[] = [];
  for (let round = 0; round < Math.min(peer.length, baseline.length); round++) {
    if (baseline[round]! > 0) ratios.push(peer[round]! / baseline[round]!);
  }
  return median(ratios);
}

function rotate<T>(items: readonly T[], round: number): T[] {
  if (items.length === 0) return [];
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/**
 * Round `round` visits the peers starting at a different one each time, so no peer is always
 * first. The peers `together` picks (those a target compares) run back to back, first one then
 * another leading: a round of every peer lasts over a minute, and this VM's speed drifts within
 * that (the same server's CPU per request moved by a third between neighbouring rounds), so a
 * same-round ratio of two measurements a minute apart carried the drift into the verdict.
 */
export function roundOrder<T>(
  items: readonly T[],
  round: number,
  together: (item: T) => boolean = () => false,
): T[] {
  const block = items.filter(together);
  if (block.length < 2) return rotate(items, round);
  const units: T[][] = [];
  for (const item of items) {
    if (!together(item)) units.push([item]);
    else if (item === block[0]) units.push(rotate(block, round));
  }
  return rotate(units, round).flat();
}
