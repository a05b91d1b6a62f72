// Shared by every peer server: the fixed responses, the route table, and the small control
// protocol the harness speaks over stdin/stdout (so no extra HTTP route skews the router).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";

export const HOST = "127.0.0.1";
export const TEXT_TYPE = "text/plain; charset=utf-8";
export const JSON_TYPE = "application/json; charset=utf-8";
export const OCTET_TYPE = "application/octet-stream";

export const HELLO = "Hello, World!";
export const HELLO_JSON = { message: "Hello, World!" };
export const BODY_64K: Buffer = makePatternBody(64 * 1024);

/** Idle keep-alive connections must outlive the memory scenario, which takes seconds to fill. */
export const KEEP_ALIVE_MS = 120_000;

/** 99 decoy parameter routes plus `/users/:id`: the router has 100 candidates to choose from. */
export const DECOY_ROUTE_COUNT = 99;
export const PARAM_ROUTE_PREFIXES: readonly string[] = [
  ...Array.from({ length: DECOY_ROUTE_COUNT }, (_, index) => `/r${index}`),
  "/users",
];

export function userBody(id: string): string {
  return `user ${id}`;
}

export function echoReply(data: unknown): { ok: true; n: number } {
  const keys = data !== null && typeof data === "object" ? Object.keys(data).length : 0;
  return { ok: true, n: keys };
}

function makePatternBody(size: number): Buffer {
  const pattern = Buffer.from("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_");
  const body = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += pattern.length) pattern.copy(body, offset);
  return body;
}

export interface PeerStartResult {
  close(): Promise<void>;
}

/** Certificate and key (PEM) for the TLS scenarios, made by the harness for each run. */
export interface PeerTls {
  cert: Buffer;
  key: Buffer;
  /** The directory of cert.pem and key.pem, for servers that take file names. */
  dir: string;
}

export interface PeerDefinition {
  name: string;
  /** Scenario features this peer cannot serve (reported to the harness, shown as "n/a"). */
  unsupported?: readonly string[];
  /** `tls` is given for the TLS scenarios; a peer without "tls" in `unsupported` must serve HTTPS. */
  start(port: number, tls: PeerTls | undefined): Promise<PeerStartResult>;
}

/** `--tls DIR`: DIR holds cert.pem and key.pem (see bench/tls-files.ts). */
export function parseTls(argv: readonly string[]): PeerTls | undefined {
  const index = argv.indexOf("--tls");
  if (index < 0) return undefined;
  const dir = argv[index + 1];
  if (dir === undefined)
    throw new Error("peer: --tls needs a directory holding cert.pem and key.pem");
  return {
    cert: readFileSync(join(dir, "cert.pem")),
    key: readFileSync(join(dir, "key.pem")),
    dir,
  };
}

export function parsePort(argv: readonly string[]): number {
  const index = argv.indexOf("--port");
  const port = index >= 0 ? Number(argv[index + 1]) : Number.NaN;
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(
      "peer needs --port <1-65535>, e.g. node build/bench/peers/node-http.js --port 3000",
    );
  }
  return port;
}

type GcFunction = () => void;

function findGc(): GcFunction | undefined {
  const scope = globalThis as { gc?: GcFunction; Bun?: { gc(force: boolean): void } };
  if (typeof scope.gc === "function") return scope.gc;
  const bun = scope.Bun;
  if (bun !== undefined) return () => bun.gc(true);
  return undefined;
}

function memorySnapshot(): Record<string, number | boolean> {
  const gc = findGc();
  // Twice: the first pass can leave weak/finalizable objects for the second.
  gc?.();
  gc?.();
  const usage = process.memoryUsage();
  return {
    gc: gc !== undefined,
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    heapTotal: usage.heapTotal,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}

/**
 * Starts the peer, prints `READY {json}` and answers `mem` lines on stdin with `MEM {json}`.
 * Exits when stdin closes, so an orphaned peer never outlives a crashed harness.
 */
export async function runPeer(definition: PeerDefinition): Promise<void> {
  const argv = process.argv.slice(2);
  const port = parsePort(argv);
  const tls = parseTls(argv);
  if (tls !== undefined && definition.unsupported?.includes("tls") === true) {
    throw new Error(`peer ${definition.name} does not serve TLS`);
  }
  const started = await definition.start(port, tls);
  let closing = false;
  const shutdown = async (code: number): Promise<void> => {
    if (closing) return;
    closing = true;
    const forced = setTimeout(() => process.exit(code), 2000);
    forced.unref();
    try {
      await started.close();
    } finally {
      process.exit(code);
    }
  };
  process.on("SIGTERM", () => void shutdown(0));
  process.on("SIGINT", () => void shutdown(0));

  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    if (line.trim() === "mem") process.stdout.write(`MEM ${JSON.stringify(memorySnapshot())}\n`);
  });
  lines.on("close", () => void shutdown(0));

  const ready = {
    name: definition.name,
    pid: process.pid,
    port,
    unsupported: definition.unsupported ?? [],
  };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
}
