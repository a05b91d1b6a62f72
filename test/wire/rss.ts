import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

/** Watches another process's resident memory (from /proc) while a memory test runs. */

export function rssBytes(pid: number): number {
  const kilobytes = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kilobytes) * 1024;
}

export interface RssWatch {
  /** Stops sampling and returns the peak RSS growth over the RSS when the watch started. */
  stop(): number;
}

/** Samples `pid`'s RSS every 20 ms until stopped. */
export function watchRss(pid: number): RssWatch {
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssBytes(pid));
  }, 20);
  return {
    stop() {
      clearInterval(sampler);
      return peak - baseline;
    },
  };
}

export function assertGrowthBelow(growth: number, limitBytes: number): void {
  assert.ok(
    growth < limitBytes,
    `server RSS grew by ${Math.round(growth / 2 ** 20)} MB (limit ${limitBytes / 2 ** 20} MB)`,
  );
}
