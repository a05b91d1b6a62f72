// The WebSocket load generator: a separate process (pinned to the load core like wrk) that speaks
// just enough RFC 6455 over raw node:net sockets to load a server without becoming the bottleneck
// itself: frames are built once (client frames must be masked; a zero masking key leaves the
// payload as it is, which the server cannot tell from any other key), and server frames are only
// delimited and counted, never copied or decoded.
//
// Modes:
//   echo       every connection keeps `--window` messages in flight to /ws/echo and sends the next
//              one as each echo arrives; counts echoes.
//   broadcast  every connection joins /ws/broadcast (the server subscribes it to one topic); the
//              first one also publishes, keeping `--window` messages in flight; counts deliveries.
//   idle       opens the connections and holds them (heap per idle WebSocket).
// Protocol: `MEASURING` when the measured window starts, `RESULT {json}` at its end (load modes),
// `OPENED {json}` once every connection is open (idle); `status` on stdin → `STATUS {json}`;
// exits when stdin closes.
// Usage: node build/bench/ws-client.js --port N --mode echo|broadcast|idle --connections C
//        [--duration S] [--warmup S] [--window W] [--bytes B]
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { FrameCounter, frameBatches, textFrame } from "./ws-frames.js";

type Mode = "echo" | "broadcast" | "idle";

function argument(name: string, fallback?: string): string {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? process.argv[index + 1] : fallback;
  if (value === undefined) throw new Error(`ws-client needs --${name}`);
  return value;
}

const port = Number(argument("port"));
const mode = argument("mode") as Mode;
const total = Number(argument("connections"));
const durationS = Number(argument("duration", "5"));
const warmupS = Number(argument("warmup", "1"));
const window = Number(argument("window", "1"));
const messageBytes = Number(argument("bytes", "16"));
if (!["echo", "broadcast", "idle"].includes(mode)) throw new Error(`unknown --mode ${mode}`);
if (messageBytes > 125) throw new Error("--bytes: up to 125 (one-byte length frames)");

const OPEN_CONCURRENCY = 200;
const OPEN_TIMEOUT_MS = 15_000;
const path = mode === "echo" ? "/ws/echo" : mode === "broadcast" ? "/ws/broadcast" : "/ws/echo";
// Any 16 bytes in base64 will do; the server's Sec-WebSocket-Accept is checked by status only.
const key = Buffer.from("slow-serv-bench!").toString("base64");
const handshake = Buffer.from(
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  "latin1",
);

const frame = textFrame(Buffer.alloc(messageBytes, "x"));
const framesFor = frameBatches(frame);

let counting = false;
let counted = 0;
let closedAfterOpen = 0;
let protocolErrors = 0;
const onClose = (): void => {
  protocolErrors++;
};

interface Opened {
  socket: Socket;
  counter: FrameCounter;
}

/** Connects and completes the handshake; bytes after the 101's head are counted as frames. */
function openOne(): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.setNoDelay(true);
    const counter = new FrameCounter(socket, onClose);
    let head = Buffer.alloc(0);
    const timer = setTimeout(() => fail(new Error("handshake timeout")), OPEN_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("error", fail);
      clearTimeout(timer);
      const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
      if (!status.startsWith("HTTP/1.1 101")) {
        fail(new Error(`handshake refused: ${status}`));
        return;
      }
      socket.on("error", () => {});
      socket.on("close", () => closedAfterOpen++);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) counter.receive(rest);
      resolve({ socket, counter });
    };
    socket.on("error", fail);
    socket.on("data", onData);
    socket.on("connect", () => socket.write(handshake));
  });
}

async function openAll(
  count: number,
): Promise<{ opened: Opened[]; failed: number; firstError?: string }> {
  const opened: Opened[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        opened.push(await openOne());
      } catch (error) {
        failed++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, count) }, worker));
  return { opened, failed, firstError };
}

function startEcho(opened: readonly Opened[]): void {
  for (const { socket, counter } of opened) {
    socket.on("data", (chunk: Buffer) => {
      const messages = counter.receive(chunk);
      if (messages === 0) return;
      if (counting) counted += messages;
      socket.write(framesFor(messages));
    });
    socket.write(framesFor(window));
  }
}

function startBroadcast(opened: readonly Opened[]): void {
  // Every connection (the publisher too) receives every published message.
  const perMessage = opened.length;
  const publisher = opened[0]!;
  let published = 0;
  let delivered = 0;
  const publish = (): void => {
    // Keep `window` messages in flight: publish while fewer than that are not yet fully delivered.
    let count = 0;
    while (published + count - Math.floor(delivered / perMessage) < window) count++;
    if (count === 0) return;
    published += count;
    publisher.socket.write(framesFor(count));
  };
  for (const { socket, counter } of opened) {
    socket.on("data", (chunk: Buffer) => {
      const messages = counter.receive(chunk);
      if (messages === 0) return;
      delivered += messages;
      if (counting) counted += messages;
      publish();
    });
  }
  publish();
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

const { opened, failed, firstError } = await openAll(total);
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  if (line.trim() === "status") {
    const alive = opened.length - closedAfterOpen;
    report(`STATUS ${JSON.stringify({ alive })}`);
  }
});
lines.on("close", () => process.exit(0));

if (mode === "idle") {
  report(`OPENED ${JSON.stringify({ opened: opened.length, failed, firstError })}`);
} else {
  if (opened.length === 0) {
    report(`RESULT ${JSON.stringify({ error: firstError ?? "no connection opened" })}`);
    process.exit(1);
  }
  if (mode === "echo") startEcho(opened);
  else startBroadcast(opened);
  setTimeout(() => {
    counting = true;
    const started = process.hrtime.bigint();
    report("MEASURING");
    setTimeout(() => {
      counting = false;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      report(
        `RESULT ${JSON.stringify({
          messages: counted,
          seconds,
          connections: opened.length,
          failed,
          firstError,
          closed: closedAfterOpen,
          protocolErrors,
        })}`,
      );
      process.exit(0);
    }, durationS * 1000);
  }, warmupS * 1000);
}
