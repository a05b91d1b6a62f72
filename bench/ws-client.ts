// The WebSocket load generator: a separate process (pinned to the load core like wrk) that speaks
// just enough RFC 6455 over raw node:net sockets to load a server without becoming the bottleneck
// itself: frames are built once (client frames must be masked; a zero masking key leaves the
// payload as it is, which the server cannot tell from any other key); reads land in one buffer
// shared by every connection (net.connect's documented `onread`: no allocation, no stream push or
// 'data' event per read); and server frames are never copied or decoded, only compared with the
// one reply expected (a read of whole expected frames in one comparison) and counted. A reply
// that is not the message sent is counted as an error, not as a message.
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
import { FrameCounter, frameBatches, serverTextFrame, textFrame } from "./ws-frames.js";

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

const message = Buffer.alloc(messageBytes, "x");
const frame = textFrame(message);
const framesFor = frameBatches(frame);
/** What the server must send back for every message: the same text, unmasked. */
const reply = serverTextFrame(message);
/** Every connection reads into this buffer; each read is consumed before the next. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

let counting = false;
let counted = 0;
let closedAfterOpen = 0;
let protocolErrors = 0;
const onClose = (): void => {
  protocolErrors++;
};

/** One connection: its handshake, then what each read of frames does (set by the mode). */
class Opened {
  readonly socket: Socket;
  readonly counter: FrameCounter;
  /** The handshake response until its head is complete; undefined once open. */
  head: Buffer | undefined = Buffer.alloc(0);
  onHead: ((error: Error | undefined) => void) | undefined = undefined;
  /** Called with the number of messages a read completed (not called for 0). */
  onMessages: (messages: number) => void = () => {};

  constructor() {
    this.socket = connect({
      host: "127.0.0.1",
      port,
      onread: { buffer: readBuffer, callback: (bytes, buffer) => this.read(bytes, buffer) },
    });
    this.socket.setNoDelay(true);
    this.counter = new FrameCounter(this.socket, onClose, reply);
  }

  /** onread's callback: true keeps reading. */
  read(bytes: number, buffer: Uint8Array): boolean {
    const chunk = buffer as Buffer;
    if (this.head !== undefined) {
      this.handshake(Buffer.from(chunk.subarray(0, bytes)));
      return true;
    }
    const messages = this.counter.receive(chunk.subarray(0, bytes));
    if (messages > 0) this.onMessages(messages);
    return true;
  }

  handshake(chunk: Buffer): void {
    const head = Buffer.concat([this.head!, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) {
      this.head = head;
      return;
    }
    this.head = undefined;
    const status = head.subarray(0, head.indexOf("\r\n")).toString("latin1");
    if (!status.startsWith("HTTP/1.1 101")) {
      this.onHead?.(new Error(`handshake refused: ${status}`));
      return;
    }
    // Frames that came with the head: counted (before any round measures).
    const rest = head.subarray(end + 4);
    if (rest.length > 0) this.counter.receive(rest);
    this.onHead?.(undefined);
  }
}

/** Connects and completes the handshake. */
function openOne(): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const opened = new Opened();
    const socket = opened.socket;
    const timer = setTimeout(() => fail(new Error("handshake timeout")), OPEN_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    opened.onHead = (error) => {
      opened.onHead = undefined;
      if (error !== undefined) {
        fail(error);
        return;
      }
      clearTimeout(timer);
      socket.off("error", fail);
      socket.on("error", () => {});
      socket.on("close", () => closedAfterOpen++);
      resolve(opened);
    };
    socket.on("error", fail);
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
  for (const connection of opened) {
    const socket = connection.socket;
    connection.onMessages = (messages) => {
      if (counting) counted += messages;
      socket.write(framesFor(messages));
    };
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
  for (const connection of opened) {
    connection.onMessages = (messages) => {
      delivered += messages;
      if (counting) counted += messages;
      publish();
    };
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
          unexpected: opened.reduce((sum, { counter }) => sum + counter.unexpected, 0),
        })}`,
      );
      process.exit(0);
    }, durationS * 1000);
  }, warmupS * 1000);
}
