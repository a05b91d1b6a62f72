// Settings shared by the scenario runners, derived from the command line and the machine.
import { cpus } from "node:os";
import type { PeerName } from "./peers.js";

export interface Cores {
  /** Core for wrk and the idle-connection helper. */
  load: number | undefined;
  /** Core for the server under test. */
  server: number | undefined;
}

export interface RunSettings {
  quick: boolean;
  scenarios: number[];
  peers: PeerName[];
  rounds: number;
  durationS: number;
  warmupS: number;
  /** Scenario 10's connection count; undefined means the scenario's default (quick or full). */
  idleConnections: number | undefined;
  cores: Cores;
}

/** wrk on core 0 and the server on core 1; with a single core nothing can be separated. */
export function chooseCores(): Cores {
  return cpus().length >= 2 ? { load: 0, server: 1 } : { load: undefined, server: undefined };
}
