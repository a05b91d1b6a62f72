import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

/** Runs the compiled CLI as a program, as users do, and reads what it prints. */

export const CLI = fileURLToPath(new URL("../../src/edges/cli.js", import.meta.url));

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export interface RunningCli {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM (unless already gone) and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(child: ChildProcess): { out: () => string; err: () => string } {
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    out += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    err += text;
  });
  return { out: () => out, err: () => err };
}

/** Runs the CLI to completion (for commands that fail or print and exit). */
export async function runCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Finished> {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  try {
    const [code] = (await once(child, "exit")) as [number | null];
    return { code, stdout: output.out(), stderr: output.err() };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

/** Starts the CLI and resolves once it printed the address it listens on. */
export function startCli(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningCli> {
  return startScript(CLI, args, env);
}

/** Starts a Node script and resolves once it printed "listening on URL". */
export async function startScript(
  script: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RunningCli> {
  const child = spawn(process.execPath, [script, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = collect(child);
  const exited = once(child, "exit");
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout?.on("data", () => {
        const match = /listening on (https?:\/\/[^\s,]+)/.exec(output.out());
        if (match) resolve(match[1]!);
      });
      child.once("exit", (code) =>
        reject(
          new Error(`the CLI exited (${code}) before listening:\n${output.out()}${output.err()}`),
        ),
      );
    });
    return {
      child,
      url,
      stdout: output.out,
      stderr: output.err,
      async stop(signal = "SIGTERM") {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        const [code] = (await exited) as [number | null];
        return code;
      },
    };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}
