// Runs wrk (pinned to the load core) and turns its text report into numbers.
import { execFileSync } from "node:child_process";
import { spawnPinned } from "./children.js";

export interface WrkResult {
  requests: number;
  seconds: number;
  requestsPerSecond: number;
  p50Us: number;
  p99Us: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  non2xx: number;
}

const TIME_UNITS_US: Record<string, number> = { us: 1, ms: 1e3, s: 1e6, m: 60e6, h: 3600e6 };

function parseTimeUs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (match === null) throw new Error(`unrecognised wrk time "${text}"`);
  return Number(match[1]) * TIME_UNITS_US[match[2]!]!;
}

export function parseWrkOutput(output: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)/.exec(output);
  const rate = /Requests\/sec:\s+([\d.]+)/.exec(output);
  if (total === null || rate === null) {
    throw new Error(`wrk printed no totals (did it connect?):\n${output}`);
  }
  // wrk 4.1 sometimes prints "99%    0.00us" when the rank lands past its last bucket: unknown.
  const percentile = (label: string): number => {
    const match = new RegExp(`^\\s*${label}%\\s+(\\S+)`, "m").exec(output);
    const value = match === null ? Number.NaN : parseTimeUs(match[1]!);
    return value > 0 ? value : Number.NaN;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  return {
    requests: Number(total[1]),
    seconds: parseTimeUs(`${total[2]}${total[3]}`) / 1e6,
    requestsPerSecond: Number(rate[1]),
    p50Us: percentile("50"),
    p99Us: percentile("99"),
    errors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
  };
}

export interface WrkRun {
  url: string;
  connections: number;
  durationS: number;
  core: number | undefined;
  script?: string;
  scriptArgs?: readonly string[];
  headers?: readonly string[];
  /** Per-request timeout inside wrk; slow responses past it count as timeouts. */
  timeoutS?: number;
}

export function wrkArgv(run: WrkRun): string[] {
  const argv = ["wrk", "-t", "1", "-c", String(run.connections), "-d", `${run.durationS}s`];
  argv.push("--latency", "--timeout", `${run.timeoutS ?? 2}s`);
  if (run.script !== undefined) argv.push("-s", run.script);
  for (const header of run.headers ?? []) argv.push("-H", header);
  argv.push(run.url);
  if (run.scriptArgs !== undefined && run.scriptArgs.length > 0) argv.push("--", ...run.scriptArgs);
  return argv;
}

export async function runWrk(run: WrkRun): Promise<WrkResult> {
  const child = spawnPinned({ core: run.core, argv: wrkArgv(run), label: "wrk" });
  const { code, stdout } = await child.finished((run.durationS + 20) * 1000);
  if (code !== 0) throw new Error(`wrk exited with ${code}:\n${child.output()}`);
  return parseWrkOutput(stdout);
}

export function wrkVersion(): string | undefined {
  try {
    // wrk has no --version; it prints its banner with usage on -v and exits non-zero.
    execFileSync("wrk", ["-v"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const output = `${(error as { stdout?: string }).stdout ?? ""}`;
    const line = output.split("\n").find((text) => text.startsWith("wrk "));
    if (line !== undefined) return line.replace(/\s+Copyright.*$/, "").trim();
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    return "wrk (version unknown)";
  }
  return "wrk (version unknown)";
}
