// Linux /proc readings: a process's CPU time and RSS, and a description of the machine.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** The numeric fields after the comm, which may contain spaces and parens: split after ")". */
function statFields(stat: string, ...indexes: number[]): number[] {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const values = indexes.map((index) => Number(fields[index]));
  if (!values.every(Number.isFinite)) {
    throw new Error(`unexpected /proc/PID/stat format: ${stat.slice(0, 120)}`);
  }
  return values;
}

// After the comm, field 3 (state) is index 0, so utime (14) is 11, stime 12, cutime 13, cstime 14.

/** utime + stime in clock ticks. */
export function parseCpuTicks(stat: string): number {
  const [utime, stime] = statFields(stat, 11, 12);
  return utime! + stime!;
}

/**
 * cutime + cstime in clock ticks: the CPU of children that have exited and been waited for. Read
 * from /proc/self/stat around one wrk run, their difference is wrk's own CPU time, since no other
 * child of the harness exits meanwhile.
 */
export function parseReapedChildTicks(stat: string): number {
  const [cutime, cstime] = statFields(stat, 13, 14);
  return cutime! + cstime!;
}

export function parseRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error("no VmRSS in /proc/PID/status");
  return Number(match[1]);
}

export function readCpuTicks(pid: number): number {
  return parseCpuTicks(readFileSync(`/proc/${pid}/stat`, "latin1"));
}

export function readReapedChildTicks(): number {
  return parseReapedChildTicks(readFileSync("/proc/self/stat", "latin1"));
}

export function readRssKb(pid: number): number {
  return parseRssKb(readFileSync(`/proc/${pid}/status`, "latin1"));
}

let ticksPerSecond: number | undefined;

export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    } catch {
      ticksPerSecond = Number.NaN;
    }
    if (!Number.isFinite(ticksPerSecond) || ticksPerSecond <= 0) ticksPerSecond = 100;
  }
  return ticksPerSecond;
}

/** The share of `seconds` that `ticks` of CPU time fill: 1 is a whole core. */
export function coreShare(ticks: number, seconds: number): number {
  if (seconds <= 0) return Number.NaN;
  return ticks / clockTicksPerSecond() / seconds;
}

/** Microseconds of server CPU per request over a measurement window. */
export function cpuMicrosPerRequest(ticksBefore: number, ticksAfter: number, requests: number) {
  if (requests <= 0) return Number.NaN;
  return (((ticksAfter - ticksBefore) / clockTicksPerSecond()) * 1e6) / requests;
}

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match !== null) cpuModel = match[1]!.trim();
  } catch {
    // Not Linux or no /proc: os.cpus() is the best there is.
  }
  let kernel = "unknown";
  try {
    kernel = readFileSync("/proc/sys/kernel/osrelease", "utf8").trim();
  } catch {
    // Leave "unknown".
  }
  return {
    cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel,
  };
}
