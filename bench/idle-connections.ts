// Scenario 10's helper process: opens N keep-alive connections, sends one GET on each, reads the
// whole response, then leaves the sockets idle. It generates no load; it only holds sockets.
// Protocol: prints `OPENED {json}` when done; answers `status` on stdin with `STATUS {json}`;
// exits (closing every socket) when stdin closes.
// Usage: node build/bench/idle-connections.js --port N --connections C [--path /]
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";

const CONCURRENCY = 200;
const PER_CONNECTION_TIMEOUT_MS = 15_000;

function argument(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : fallback;
  if (value === undefined) throw new Error(`idle-connections needs --${name}`);
  return value;
}

const port = Number(argument("port"));
const total = Number(argument("connections"));
const path = argument("path", "/");
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`, "latin1");

const sockets: Socket[] = [];
let opened = 0;
let failed = 0;
let closedAfterOpen = 0;
let firstError: string | undefined;

/** Resolves once a full Content-Length-framed response has arrived on a fresh connection. */
function openOne(): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    let buffered = Buffer.alloc(0);
    let done = false;
    const finish = (ok: boolean, reason?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      if (ok) {
        opened++;
        sockets.push(socket);
        socket.on("close", () => closedAfterOpen++);
      } else {
        failed++;
        firstError ??= reason;
        socket.destroy();
      }
      resolve();
    };
    const timer = setTimeout(() => finish(false, "timeout"), PER_CONNECTION_TIMEOUT_MS);
    socket.on("error", (error) => finish(false, error.message));
    socket.on("close", () => finish(false, "closed before the response"));
    socket.on("connect", () => socket.write(request));
    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const headEnd = buffered.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(
        buffered.subarray(0, headEnd).toString("latin1"),
      );
      if (length === null) return finish(false, "response without content-length");
      if (buffered.length >= headEnd + 4 + Number(length[1])) finish(true);
    });
  });
}

async function openAll(): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      next++;
      await openOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));
}

const started = Date.now();
createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() === "status") {
      const alive = opened - closedAfterOpen;
      process.stdout.write(`STATUS ${JSON.stringify({ opened, alive, failed })}\n`);
    }
  })
  .on("close", () => {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  });

await openAll();
process.stdout.write(
  `OPENED ${JSON.stringify({ opened, failed, firstError, ms: Date.now() - started })}\n`,
);
