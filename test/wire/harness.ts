import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ListenOptions, Server, type ServerOptions } from "../../src/index.js";

/** Shared set-up for the over-TCP engine tests: a started server, curl, timing and write counts. */

export interface Served {
  readonly app: Server;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a server with `routes` registered on 127.0.0.1 (or as `listen` says) on a free port. */
export async function serve(
  routes: (app: Server) => void,
  options: ServerOptions = {},
  listen: Partial<ListenOptions> = {},
): Promise<Served> {
  // A short shutdown grace, so a failed assertion with a handler still waiting cannot stall close().
  const app = new Server({
    logger: false,
    ...options,
    timeouts: { shutdown: 1_000, ...options.timeouts },
  });
  routes(app);
  const { port, url } = await app.run({ port: 0, host: "127.0.0.1", ...listen });
  return { app, port, url, close: () => app.close() };
}

/** Runs `fn` against a fresh server and always closes it. */
export async function withServer(
  routes: (app: Server) => void,
  fn: (served: Served) => Promise<void>,
  options: ServerOptions = {},
  listen: Partial<ListenOptions> = {},
): Promise<void> {
  const served = await serve(routes, options, listen);
  try {
    await fn(served);
  } finally {
    await served.close();
  }
}

export interface CurlResult {
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs curl with a hard time limit; rejects with its stderr when it fails. */
export function curl(args: readonly string[], timeoutMs = 5_000): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "curl",
      ["--silent", "--show-error", "--max-time", String(timeoutMs / 1000), ...args],
      { timeout: timeoutMs + 1_000, encoding: "utf8" },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`curl ${args.join(" ")} failed: ${stderr || error.message}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** A promise with its resolver outside, for handlers that must wait on the test. */
export function deferred<T = void>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * Counts `socket.write` calls the server makes on connections to `port` (the engine's own writes,
 * not the test client's), to check that one read batch becomes one write.
 */
export function countServerWrites(port: number): { readonly count: number; restore(): void } {
  const prototype = net.Socket.prototype as unknown as {
    write: (...args: unknown[]) => boolean;
  };
  const original = prototype.write;
  const counter = {
    count: 0,
    restore(): void {
      prototype.write = original;
    },
  };
  prototype.write = function (this: net.Socket, ...args: unknown[]): boolean {
    if (this.localPort === port) counter.count++;
    return original.apply(this, args);
  };
  return counter;
}

/** Milliseconds since `start` (from performance.now()). */
export function since(start: number): number {
  return performance.now() - start;
}

const besideBuild = fileURLToPath(new URL("../../../test/fixtures/tls/", import.meta.url));
// Compiled into build/ the fixtures are three levels up; compiled elsewhere, use the repo root.
const fixtures = existsSync(besideBuild) ? besideBuild : join(process.cwd(), "test/fixtures/tls/");

/** The self-signed certificate committed under test/fixtures/tls (CN=localhost). */
export function tlsFixture(): { key: Buffer; cert: Buffer } {
  return {
    key: readFileSync(`${fixtures}key.pem`),
    cert: readFileSync(`${fixtures}cert.pem`),
  };
}

/** A string body of `bytes` ASCII characters. */
export function text(bytes: number, fill = "x"): string {
  return fill.repeat(bytes);
}

/** Polls a server-side condition that has no event to wait on (the server seeing a close). */
export async function waitUntil(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  // performance.now(): tests that freeze Date (mock timers) wait here too.
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * The engine's own error response (protocolErrorResponse) for `status` and `message`, byte for
 * byte apart from the Date value.
 */
export function engineErrorPattern(status: number, reason: string, message: string): RegExp {
  const body = `${message}\n`;
  const escaped = body.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(
    `^HTTP/1\\.1 ${status} ${reason}\\r\\nDate: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} ` +
      "\\d{2}:\\d{2}:\\d{2} GMT\\r\\nContent-Type: text/plain; charset=utf-8\\r\\n" +
      `Content-Length: ${Buffer.byteLength(body)}\\r\\nConnection: close\\r\\n\\r\\n${escaped}$`,
  );
}
