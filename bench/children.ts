// Every process the harness starts goes through here, so that all of them are pinned, get a high
// file-descriptor limit, and are killed on any way out (normal exit, error, Ctrl-C).
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

const live = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Soft limit up to the hard limit (capped at 65536): 1000 and 10,000 connections need the fds. */
const RAISE_NOFILE =
  'h=$(ulimit -Hn); if [ "$h" = unlimited ] || [ "$h" -gt 65536 ]; then h=65536; fi; ' +
  'ulimit -n "$h" 2>/dev/null; exec "$@"';

export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
}

export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.stderr.write(`\nbench: interrupted by ${signal}, all child processes killed\n`);
      process.exit(130);
    });
  }
}

export interface PinnedChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves with the first stdout line that starts with `prefix`, or rejects on exit/timeout. */
  waitForLine(prefix: string, timeoutMs: number): Promise<string>;
  /** Everything written so far, for error messages. */
  output(): string;
  send(line: string): void;
  /** Waits for the process to exit by itself; kills it and rejects after `timeoutMs`. */
  finished(timeoutMs: number): Promise<{ code: number | null; stdout: string }>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnPinnedOptions {
  /** CPU core for `taskset -c`, or undefined to run unpinned. */
  core: number | undefined;
  argv: readonly string[];
  label: string;
}

export function spawnPinned(options: SpawnPinnedOptions): PinnedChild {
  installCleanup();
  const pinned = options.core === undefined ? [] : ["taskset", "-c", String(options.core)];
  // `exec` all the way down keeps the PID equal to the program's, so /proc/PID is the server's.
  const child = spawn("bash", ["-c", RAISE_NOFILE, "bash", ...pinned, ...options.argv], {
    stdio: ["pipe", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`could not start ${options.label}`);
  live.add(child);
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let transcript = "";
  const remember = (text: string): void => {
    transcript = (transcript + text).slice(-8000);
  };
  createInterface({ input: child.stdout! }).on("line", (line) => {
    lines.push(line);
    remember(`${line}\n`);
    for (const wake of waiters) wake();
  });
  child.stderr!.on("data", (chunk: Buffer) => remember(chunk.toString("utf8")));
  child.stdin!.on("error", () => {});
  let closed = false;
  child.once("close", () => {
    closed = true;
  });
  child.once("exit", () => {
    live.delete(child);
    for (const wake of waiters) wake();
  });

  return {
    process: child,
    pid: child.pid,
    output: () => transcript,
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    waitForLine(prefix, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const index = lines.findIndex((line) => line.startsWith(prefix));
          if (index >= 0) {
            finish();
            resolve(lines.splice(index, 1)[0]!);
            return true;
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            finish();
            reject(
              new Error(
                `${options.label} exited (${child.exitCode ?? child.signalCode}) before "${prefix}"\n` +
                  indent(transcript),
              ),
            );
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          finish();
          reject(
            new Error(
              `${options.label}: no "${prefix}" within ${timeoutMs} ms\n${indent(transcript)}`,
            ),
          );
        }, timeoutMs);
        const wake = (): void => void check();
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        waiters.add(wake);
        check();
      });
    },
    finished(timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(new Error(`${options.label} did not finish within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          resolve({ code: child.exitCode, stdout: lines.join("\n") });
        };
        // "close", not "exit": only then has all of stdout been read into `lines`.
        if (closed) done();
        else child.once("close", done);
      });
    },
    async stop(timeoutMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

function indent(text: string): string {
  const trimmed = text.trimEnd();
  return trimmed === "" ? "  (no output)" : trimmed.replace(/^/gm, "  | ");
}
