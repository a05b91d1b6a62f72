// Linux /proc readings: a process's CPU time and RSS, and a description of the machine.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** utime + stime in clock ticks; the comm field may contain spaces and parens, so split after ")". */
export function parseCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After the comm, field 3 (state) is index 0, so utime (14) is 11 and stime (15) is 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error(`unexpected /proc/PID/stat format: ${stat.slice(0, 120)}`);
  }
  return utime + stime;
}

export function parseRssKb(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error("no VmRSS in /proc/PID/status");
  return Number(match[1]);
}

export function readCpuTicks(pid: number): number {
  return parseCpuTicks(readFileSync(`/proc/${pid}/stat`, "latin1"));
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
