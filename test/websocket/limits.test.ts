import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { WebSocket as WsClient } from "ws";
import type { SendStatus, Server } from "../../src/index.js";
import { tlsFixture, waitUntil, withServer } from "../wire/harness.js";
import { clientFrame, RawWebSocket, readServerFrames } from "./frames.js";

/** Limits, timeouts through the engine's sweep, backpressure, shutdown, pub/sub, isolation. */

describe("WebSocket limits", { timeout: 20_000 }, () => {
  it("closes with 1009 when a frame announces more than maxMessageBytes, before it arrives", async () => {
    await withServer(
      (app) =>
        app.ws("/ws", { message: (ws, message) => ws.send(message) }, { maxMessageBytes: 1000 }),
      async ({ port }) => {
        const client = await RawWebSocket.open(port);
        // Only the header of a 2,000-byte frame: the limit applies to the announced length.
        client.send(clientFrame(2, Buffer.alloc(2000)).subarray(0, 8));
        assert.equal((await client.closed()).code, 1009);
        const fragmented = await RawWebSocket.open(port);
        fragmented.send(
          Buffer.concat([
            clientFrame(2, Buffer.alloc(600), { fin: false }),
            clientFrame(0, Buffer.alloc(600)),
          ]),
        );
        assert.equal((await fragmented.closed()).code, 1009);
        const exact = await RawWebSocket.open(port);
        exact.send(clientFrame(2, Buffer.alloc(1000)));
        assert.equal((await exact.frames(1))[0]!.payload.length, 1000);
        exact.raw.destroy();
      },
    );
  });

  it("closes with 1009 past maxFragments", async () => {
    await withServer(
      (app) => app.ws("/ws", { message: (ws, message) => ws.send(message) }, { maxFragments: 3 }),
      async ({ port }) => {
        const frames = (count: number) =>
          Buffer.concat(
            Array.from({ length: count }, (_, i) =>
              clientFrame(i === 0 ? 1 : 0, "x", { fin: i === count - 1 }),
            ),
          );
        const ok = await RawWebSocket.open(port);
        ok.send(frames(3));
        assert.equal((await ok.frames(1))[0]!.payload.toString(), "xxx");
        ok.raw.destroy();
        const over = await RawWebSocket.open(port);
        over.send(frames(4));
        assert.equal((await over.closed()).code, 1009);
      },
    );
  });

  it("drops messages past maxBackpressure for a client that does not read, then drains", async () => {
    const statuses: SendStatus[] = [];
    let drained = 0;
    let bufferedAtDrop = 0;
    await withServer(
      (app: Server) =>
        app.ws(
          "/ws",
          {
            message(ws) {
              const chunk = Buffer.alloc(64 * 1024, 0x61);
              for (let i = 0; i < 2000 && statuses.at(-1) !== "dropped"; i++)
                statuses.push(ws.send(chunk));
              bufferedAtDrop = ws.getBufferedAmount();
            },
            drain() {
              drained++;
            },
          },
          { maxBackpressure: 256 * 1024 },
        ),
      async ({ port }) => {
        const client = await RawWebSocket.open(port);
        client.raw.socket.pause();
        client.send(clientFrame(1, "go"));
        await waitUntil(() => statuses.at(-1) === "dropped", 5_000);
        // Everything before the drop was queued (64 KiB is over the socket's high-water mark).
        assert.deepEqual(new Set(statuses.slice(0, -1)), new Set(["buffered"]));
        // Queued up to the limit, never past it.
        assert.ok(
          bufferedAtDrop <= 256 * 1024 && bufferedAtDrop > 192 * 1024,
          String(bufferedAtDrop),
        );
        client.raw.socket.resume();
        await waitUntil(() => drained === 1, 5_000);
        client.raw.destroy();
      },
    );
  });

  // Regression: the answers to one read are held by a cork until the read is parsed, and they
  // used to count against maxBackpressure although nothing was waiting for the client: the echo
  // of the second of two messages arriving together was dropped.
  it("does not count output only held until the end of a read against maxBackpressure", async () => {
    const statuses: SendStatus[] = [];
    await withServer(
      (app: Server) =>
        app.ws(
          "/ws",
          { message: (ws, message) => void statuses.push(ws.send(message)) },
          { maxBackpressure: 1024 },
        ),
      async ({ port }) => {
        const client = await RawWebSocket.open(port);
        const messages = ["a", "b", "c"].map((letter) => Buffer.alloc(800, letter));
        client.send(Buffer.concat(messages.map((message) => clientFrame(2, message))));
        const frames = await client.frames(3);
        assert.deepEqual(
          frames.map((frame) => frame.payload.toString("latin1")),
          messages.map((message) => message.toString("latin1")),
        );
        assert.deepEqual(statuses, ["sent", "sent", "sent"]);
        client.raw.destroy();
      },
    );
  });

  it("closes with 1008 past maxBackpressure when the policy is close", async () => {
    await withServer(
      (app: Server) =>
        app.ws(
          "/ws",
          {
            message(ws) {
              const chunk = Buffer.alloc(64 * 1024);
              for (let i = 0; i < 2000 && ws.isOpen; i++) ws.send(chunk);
            },
          },
          { maxBackpressure: 256 * 1024, backpressurePolicy: "close" },
        ),
      async ({ port }) => {
        const client = await RawWebSocket.open(port);
        client.send(clientFrame(1, "go"));
        const close = await client.closed(10_000);
        assert.equal(close.code, 1008);
        assert.ok(close.before.length > 0);
      },
    );
  });

  it("pings a quiet client halfway through idleTimeout and cuts one that never answers (engine sweep)", async () => {
    await withServer(
      (app) => app.ws("/ws", { message: () => {} }, { idleTimeout: 1000 }),
      async ({ port, app }) => {
        const silent = await RawWebSocket.open(port);
        const alive = await RawWebSocket.open(port);
        const t0 = Date.now() + 1_000_000;
        app.engine.sweep(t0);
        app.engine.sweep(t0 + 499);
        assert.equal(readServerFrames(silent.raw.received).frames.length, 0);
        app.engine.sweep(t0 + 500);
        const [ping] = await silent.frames(1);
        assert.equal(ping!.opcode, 9);
        await alive.frames(1);
        alive.send(clientFrame(10, ""));
        await waitUntil(() => alive.raw.received.length === 0);
        // The pong is activity: the next sweep restarts the live client's quiet time.
        await new Promise((resolve) => setImmediate(resolve));
        app.engine.sweep(t0 + 900);
        app.engine.sweep(t0 + 1000);
        await silent.raw.closed;
        assert.equal(alive.raw.ended, false);
        alive.raw.destroy();
      },
      { timeouts: { sweepInterval: 3_600_000 } },
    );
  });

  it("closes every WebSocket with 1001 on graceful shutdown and waits for the clients", async () => {
    const codes: number[] = [];
    await withServer(
      (app) => app.ws("/ws", { close: (_ws, code) => codes.push(code) }),
      async ({ port, app }) => {
        const clients = [
          new WsClient(`ws://127.0.0.1:${port}/ws`),
          new WsClient(`ws://127.0.0.1:${port}/ws`),
        ];
        await Promise.all(clients.map((client) => once(client, "open")));
        const closed = clients.map((client) => once(client, "close"));
        await app.close();
        const results = (await Promise.all(closed)) as Array<[number, Buffer]>;
        assert.deepEqual(
          results.map(([code]) => code),
          [1001, 1001],
        );
        assert.deepEqual(codes, [1001, 1001]);
        assert.equal(app.engine.sessionCount, 0);
      },
    );
  });

  it("a failing handler closes only its own socket, with 1011", async () => {
    const errors: unknown[] = [];
    await withServer(
      (app) =>
        app.ws("/ws", {
          message(ws, message) {
            if (message === "boom") throw new Error("handler bug");
            ws.send(message);
          },
        }),
      async ({ port }) => {
        const bad = await RawWebSocket.open(port);
        const good = await RawWebSocket.open(port);
        bad.send(clientFrame(1, "boom"));
        assert.equal((await bad.closed()).code, 1011);
        good.send(clientFrame(1, "still here"));
        assert.equal((await good.frames(1))[0]!.payload.toString(), "still here");
        assert.equal(errors.length, 1);
        good.raw.destroy();
      },
      {
        logger: {
          info: () => {},
          warn: () => {},
          error: (_m, fields) => errors.push(fields?.error),
        },
      },
    );
  });
});

describe("wss over TLS", { timeout: 10_000 }, () => {
  it("speaks the same protocol over TLS, raw and with the ws client", async () => {
    await withServer(
      (app) =>
        app.ws(
          "/ws",
          { message: (ws, message, binary) => ws.send(message, { binary }) },
          { compression: true },
        ),
      async ({ port }) => {
        const raw = await RawWebSocket.open(port, "/ws", {}, true);
        raw.send(
          Buffer.concat([
            clientFrame(1, "sec", { fin: false }),
            clientFrame(9, "p"),
            clientFrame(0, "ure"),
          ]),
        );
        const frames = await raw.frames(2);
        assert.deepEqual(
          frames.map((f) => f.payload.toString()),
          ["p", "secure"],
        );
        raw.raw.destroy();
        const client = new WsClient(`wss://127.0.0.1:${port}/ws`, {
          rejectUnauthorized: false,
          perMessageDeflate: true,
        });
        await once(client, "open");
        client.send("z".repeat(10_000));
        const [reply] = (await once(client, "message")) as [Buffer];
        assert.equal(reply.toString(), "z".repeat(10_000));
        client.close();
        await once(client, "close");
      },
      {},
      { tls: tlsFixture() },
    );
  });
});

describe("pub/sub", { timeout: 10_000 }, () => {
  it("publishes to every subscriber (ws.publish skips the sender) and forgets closed sockets", async () => {
    await withServer(
      (app) =>
        app.ws("/rooms/:room", {
          upgrade: (request) => ({ room: request.params.room }),
          open(ws) {
            ws.subscribe(ws.data.room);
          },
          message(ws, message) {
            ws.publish(ws.data.room, message);
          },
        }),
      async ({ port, app }) => {
        const [a, b, c, other] = await Promise.all([
          RawWebSocket.open(port, "/rooms/red"),
          RawWebSocket.open(port, "/rooms/red"),
          RawWebSocket.open(port, "/rooms/red"),
          RawWebSocket.open(port, "/rooms/blue"),
        ]);
        await waitUntil(() => app.subscriberCount("red") === 3);
        a!.send(clientFrame(1, "from a"));
        for (const client of [b!, c!])
          assert.equal((await client.frames(1))[0]!.payload.toString(), "from a");
        assert.equal(app.publish("red", "to all"), 3);
        for (const client of [a!, b!, c!])
          assert.equal((await client.frames(1))[0]!.payload.toString(), "to all");
        assert.equal(app.publish("red", Buffer.from([1, 2])), 3);
        assert.equal((await a!.frames(1))[0]!.opcode, 2);
        assert.equal(other!.raw.received.length, 0);
        for (const client of [a!, b!, c!, other!]) client.raw.destroy();
        await waitUntil(
          () => app.subscriberCount("red") === 0 && app.subscriberCount("blue") === 0,
        );
      },
    );
  });
});
