// A measured load round for the report and target tests: only what each test varies is given.
import type { LoadRound } from "../../bench/measure-load.js";

export interface RoundSpec {
  rate: number;
  cpu?: number;
  timeouts?: number;
  wrkShare?: number;
}

export function loadRound({ rate, cpu = 20, timeouts = 0, wrkShare = 0.5 }: RoundSpec): LoadRound {
  return {
    wrk: {
      requests: rate * 5,
      seconds: 5,
      requestsPerSecond: rate,
      p50Us: 900,
      p99Us: 2500,
      errors: { connect: 0, read: 0, write: 0, timeout: timeouts },
      non2xx: 0,
    },
    cpuUsPerRequest: cpu,
    rssKb: 51200,
    loadCoreShare: wrkShare,
  };
}
