import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { describe, it } from "node:test";
import {
  DEFAULT_WEBSOCKET_LIMITS,
  type WebSocketLimits,
} from "../../src/wire/websocket/options.js";
import { Topics } from "../../src/wire/websocket/topics.js";
import { WebSocket, type WebSocketHandler } from "../../src/wire/websocket/websocket.js";
import { waitUntil, withServer } from "../wire/harness.js";
import { clientFrame, RawWebSocket, readServerFrames } from "./frames.js";

/**
 * Published frames go out once per loop iteration and subscriber, joined (publish-queue.ts):
 * counted in writes on a socket that records each write the kernel would get, with ordering,
 * backpressure and closing around them.
 */

/** A socket that records every write the kernel would see: a corked run of writes is one. */
class RecordingSocket extends EventEmitter {
  /** Each entry is one write to the kernel. */
  readonly writes: Buffer[] = [];
  /** Bytes the "kernel" would not take: they stay in writableLength while `stuck`. */
  stuck = false;
  writableLength = 0;
  writable = true;
  destroyed = false;
  ended = false;
  #corked = 0;
  #held: Buffer[] = [];

  write(data: Buffer): boolean {
    if (!this.writable) throw new Error("write to a socket that cannot be written");
    if (this.#corked > 0) this.#held.push(data);
    else this.#take([data]);
    return !this.stuck;
  }
  #take(chunks: Buffer[]): void {
    const bytes = Buffer.concat(chunks);
    this.writes.push(bytes);
    if (this.stuck) this.writableLength += bytes.length;
  }
  cork(): void {
    this.#corked++;
  }
  uncork(): void {
    if (--this.#corked === 0 && this.#held.length > 0) {
      this.#take(this.#held);
      this.#held = [];
    }
  }
  end(): void {
    this.writable = false;
    this.ended = true;
  }
  destroy(): void {
    this.writable = false;
    this.destroyed = true;
    setImmediate(() => this.emit("close"));
  }
  resume(): void {}
  pause(): void {}
  /** The frames written so far, as the client reads them. */
  frames(): { opcode: number; text: string; code?: number }[] {
    return readServerFrames(Buffer.concat(this.writes)).frames.map((frame) => ({
      opcode: frame.opcode,
      text: frame.opcode === 8 ? "" : frame.payload.toString(),
      ...(frame.code === undefined ? {} : { code: frame.code }),
    }));
  }
}

function sockets(
  count: number,
  limits: Partial<WebSocketLimits> = {},
  handler: WebSocketHandler = {},
): { topics: Topics; raw: RecordingSocket[]; ws: WebSocket[] } {
  const topics = new Topics();
  const context = {
    limits: { ...DEFAULT_WEBSOCKET_LIMITS, ...limits },
    topics,
    reportError: (error: unknown) => {
      throw error;
    },
  };
  const raw: RecordingSocket[] = [];
  const ws: WebSocket[] = [];
  for (let index = 0; index < count; index++) {
    const socket = new RecordingSocket();
    const websocket = new WebSocket(
      socket as unknown as Socket,
      handler,
      context,
      undefined,
      "",
      undefined,
    );
    websocket.subscribe("t");
    raw.push(socket);
    ws.push(websocket);
  }
  return { topics, raw, ws };
}

/** The end of the current loop iteration: where held frames are written. */
const nextIteration = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe("publish batching", () => {
  it("sends every subscriber one write per iteration with all the messages, shared", async () => {
    const { topics, raw } = sockets(3);
    assert.equal(topics.publish("t", "one"), 3);
    topics.publish("t", "two");
    topics.publish("t", Buffer.from("three"));
    for (const socket of raw)
      assert.equal(socket.writes.length, 0, "held until the iteration ends");
    await nextIteration();
    for (const socket of raw) {
      assert.equal(socket.writes.length, 1);
      assert.deepEqual(socket.frames(), [
        { opcode: 1, text: "one" },
        { opcode: 1, text: "two" },
        { opcode: 2, text: "three" },
      ]);
    }
    // Exact bytes: three unmasked frames back to back.
    assert.deepEqual(
      raw[0]!.writes[0],
      Buffer.from([
        0x81,
        3,
        ...Buffer.from("one"),
        0x81,
        3,
        ...Buffer.from("two"),
        0x82,
        5,
        ...Buffer.from("three"),
      ]),
    );
    topics.publish("t", "next");
    await nextIteration();
    for (const socket of raw) assert.deepEqual(socket.frames().at(-1), { opcode: 1, text: "next" });
    assert.equal(raw[2]!.writes.length, 2, "one more write for the next iteration's message");
  });

  it("joins each distinct sequence once: a subscriber that was skipped gets its own", async () => {
    const { topics, raw, ws } = sockets(3);
    ws[2]!.subscribe("other");
    topics.publish("t", "a");
    topics.publish("t", "b", {}, ws[1]);
    topics.publish("other", "c");
    await nextIteration();
    assert.deepEqual(
      raw[0]!.frames().map((frame) => frame.text),
      ["a", "b"],
    );
    assert.deepEqual(
      raw[1]!.frames().map((frame) => frame.text),
      ["a"],
    );
    assert.deepEqual(
      raw[2]!.frames().map((frame) => frame.text),
      ["a", "b", "c"],
    );
    for (const socket of raw) assert.equal(socket.writes.length, 1);
  });

  it("keeps the order of a socket's own sends, pings and its Close frame around published ones", async () => {
    const { topics, raw, ws } = sockets(1);
    topics.publish("t", "published first");
    ws[0]!.send("sent second");
    topics.publish("t", "published third");
    ws[0]!.ping("p");
    topics.publish("t", "published fifth");
    ws[0]!.close(1000);
    topics.publish("t", "after close");
    await nextIteration();
    assert.deepEqual(raw[0]!.frames(), [
      { opcode: 1, text: "published first" },
      { opcode: 1, text: "sent second" },
      { opcode: 1, text: "published third" },
      { opcode: 9, text: "p" },
      { opcode: 1, text: "published fifth" },
      { opcode: 8, text: "", code: 1000 },
    ]);
  });

  it("writes nothing to a socket that closed or was destroyed before the iteration ended", async () => {
    const { topics, raw, ws } = sockets(3);
    topics.publish("t", "lost");
    ws[0]!.terminate();
    raw[1]!.destroy();
    raw[2]!.emit("close");
    await nextIteration();
    for (const socket of raw) assert.equal(socket.writes.length, 0);
    assert.equal(topics.subscriberCount("t"), 0, "closed sockets left the topic");
  });

  it("delivers what was published before the client's FIN, then ends", async () => {
    const { topics, raw } = sockets(1);
    topics.publish("t", "before FIN");
    raw[0]!.emit("end");
    assert.equal(raw[0]!.ended, true);
    assert.deepEqual(raw[0]!.frames(), [{ opcode: 1, text: "before FIN" }]);
    await nextIteration();
    assert.equal(raw[0]!.writes.length, 1);
  });

  it("counts held frames in getBufferedAmount and against maxBackpressure", async () => {
    const { topics, raw, ws } = sockets(1, { maxBackpressure: 100 });
    raw[0]!.writableLength = 60;
    raw[0]!.stuck = true;
    topics.publish("t", "x".repeat(30));
    assert.equal(ws[0]!.getBufferedAmount(), 60 + 32);
    // 92 waiting: a further 12-byte frame is over 100 and dropped; the socket's own send too
    // (it writes the held frame first, which the kernel does not take).
    topics.publish("t", "y".repeat(10));
    assert.equal(ws[0]!.send("z".repeat(10)), "dropped");
    await nextIteration();
    assert.deepEqual(
      raw[0]!.frames().map((frame) => frame.text),
      ["x".repeat(30)],
    );
  });

  it("writes the held frames early when only they are over the limit, as unbatched writes would", async () => {
    const { topics, raw, ws } = sockets(1, { maxBackpressure: 100 });
    for (let index = 0; index < 3; index++) topics.publish("t", String(index).repeat(40));
    // The kernel took the first two at the third publish; nothing was dropped.
    assert.deepEqual(
      raw[0]!.frames().map((frame) => frame.text),
      ["0".repeat(40), "1".repeat(40)],
    );
    assert.equal(ws[0]!.getBufferedAmount(), 42);
    await nextIteration();
    assert.deepEqual(
      raw[0]!.frames().map((frame) => frame.text),
      ["0", "1", "2"].map((digit) => digit.repeat(40)),
    );
    assert.equal(raw[0]!.writes.length, 2);
  });

  it("closes with 1008 under the close policy, after what was already published", async () => {
    const { topics, raw } = sockets(1, { maxBackpressure: 100, backpressurePolicy: "close" });
    raw[0]!.stuck = true;
    for (let index = 0; index < 3; index++) topics.publish("t", String(index).repeat(40));
    await nextIteration();
    assert.deepEqual(raw[0]!.frames(), [
      { opcode: 1, text: "0".repeat(40) },
      { opcode: 1, text: "1".repeat(40) },
      { opcode: 8, text: "", code: 1008 },
    ]);
    assert.equal(raw[0]!.ended, true);
  });

  it("calls drain after a batch the socket could not take at once", async () => {
    let drained = 0;
    const { topics, raw } = sockets(1, {}, { drain: () => drained++ });
    raw[0]!.stuck = true;
    topics.publish("t", "a");
    topics.publish("t", "b");
    await nextIteration();
    assert.equal(raw[0]!.writes.length, 1);
    raw[0]!.emit("drain");
    assert.equal(drained, 1);
  });
});

describe("publish batching over TCP", { timeout: 10_000 }, () => {
  it("delivers published and sent messages in the order of the calls", async () => {
    await withServer(
      (app) =>
        app.ws("/ws", {
          open: (ws) => ws.subscribe("room"),
          message(ws) {
            app.publish("room", "1 published");
            ws.send("2 sent");
            app.publish("room", "3 published");
            app.publish("room", "4 published");
          },
        }),
      async ({ port, app }) => {
        const [sender, other] = await Promise.all([
          RawWebSocket.open(port),
          RawWebSocket.open(port),
        ]);
        await waitUntil(() => app.subscriberCount("room") === 2);
        sender!.send(clientFrame(1, "go"));
        const texts = (await sender!.frames(4)).map((frame) => frame.payload.toString());
        assert.deepEqual(texts, ["1 published", "2 sent", "3 published", "4 published"]);
        const others = (await other!.frames(3)).map((frame) => frame.payload.toString());
        assert.deepEqual(others, ["1 published", "3 published", "4 published"]);
        sender!.raw.destroy();
        other!.raw.destroy();
      },
    );
  });

  it("writes three messages published in one iteration to each subscriber's socket once", async () => {
    // Every write on the server's side of the connections, seen through net.Socket itself.
    const writes = new Map<Socket, Buffer[]>();
    let serverPort = 0;
    const write = Socket.prototype.write;
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      if (this.localPort === serverPort && Buffer.isBuffer(args[0])) {
        writes.set(this, [...(writes.get(this) ?? []), args[0]]);
      }
      return (write as (...rest: unknown[]) => boolean).apply(this, args);
    } as typeof write;
    try {
      await withServer(
        (app) =>
          app.ws("/ws", {
            open: (ws) => ws.subscribe("room"),
            message() {
              for (const text of ["a", "b", "c"]) app.publish("room", text);
            },
          }),
        async ({ port, app }) => {
          const clients = await Promise.all([RawWebSocket.open(port), RawWebSocket.open(port)]);
          await waitUntil(() => app.subscriberCount("room") === 2);
          serverPort = port;
          clients[0]!.send(clientFrame(1, "go"));
          for (const client of clients) {
            const texts = (await client.frames(3)).map((frame) => frame.payload.toString());
            assert.deepEqual(texts, ["a", "b", "c"]);
          }
          assert.equal(writes.size, 2);
          for (const chunks of writes.values()) {
            assert.deepEqual(chunks, [Buffer.from([0x81, 1, 0x61, 0x81, 1, 0x62, 0x81, 1, 0x63])]);
          }
          for (const client of clients) client.raw.destroy();
        },
      );
    } finally {
      Socket.prototype.write = write;
    }
  });
});
