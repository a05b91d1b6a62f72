import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { waitUntil, withServer } from "./harness.js";

/**
 * Hardening of the timeout sweep, send timeout and shutdown (issue 13, items 8, 9, 12): a stalled
 * event loop must not drop requests that arrived meanwhile, a client that never reads a streamed
 * response must not hold its connection forever, and a graceful shutdown answers requests that
 * were already sent on idle connections.
 */

const KEEP_ALIVE = 300;
const CLIENTS = 20;

function routes(app: Server): void {
  app.get("/:id", (request) => `answer ${request.params.id}`);
}

/** Blocks the event loop for `ms`: what a long GC pause or a synchronous handler does. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

describe("event-loop stalls, send timeout and shutdown", { timeout: 20_000 }, () => {
  it("answers requests that arrived during a stall longer than the keep-alive timeout", async () => {
    await withServer(
      routes,
      async ({ port, app }) => {
        // Half the clients were answered once and sit idle on keep-alive, half are fresh.
        const clients = await Promise.all(
          Array.from({ length: CLIENTS }, () => RawClient.connect(port)),
        );
        const kept = clients.slice(0, CLIENTS / 2);
        kept.forEach((client, index) => {
          client.write(`GET /first-${index} HTTP/1.1\r\nHost: x\r\n\r\n`);
        });
        await Promise.all(kept.map((client) => client.response()));
        await waitUntil(() => app.engine.connectionCount === CLIENTS);

        // In the check phase: the requests reach the server's kernel buffers at once (loopback),
        // then the loop stalls past the keep-alive timeout. The next iteration's timers phase
        // finds every connection idle for too long while its request waits unread.
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            clients.forEach((client, index) => {
              client.write(`GET /stalled-${index} HTTP/1.1\r\nHost: x\r\n\r\n`);
            });
            busyWait(3 * KEEP_ALIVE);
            resolve();
          }),
        );

        await Promise.all(
          clients.map(async (client, index) => {
            const expected = index < CLIENTS / 2 ? 2 : 1;
            const responses = await client.responses(expected);
            const last = responses[expected - 1]!;
            assert.equal(last.status, 200);
            assert.equal(last.body.toString(), `answer stalled-${index}`);
            assert.equal(last.headers.connection, undefined, "the connection stays open");
          }),
        );
        for (const client of clients) client.destroy();
      },
      { timeouts: { keepAlive: KEEP_ALIVE, sweepInterval: 20 } },
    );
  });

  it("still closes idle connections after a stall when nothing arrived", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET /once HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.response();
        await new Promise<void>((resolve) =>
          setImmediate(() => {
            busyWait(2 * KEEP_ALIVE);
            resolve();
          }),
        );
        await client.untilClosed();
        assert.equal(parseResponses(client.received).responses.length, 1);
      },
      { timeouts: { keepAlive: KEEP_ALIVE, sweepInterval: 20 } },
    );
  });

  it("cuts a streamed response whose client reads nothing for timeouts.send, and stops its producer", async () => {
    let produced = 0;
    let producerEnded = false;
    await withServer(
      (app) => {
        app.get("/endless", (_request, response) => {
          response.body = (async function* () {
            try {
              for (;;) {
                produced++;
                yield Buffer.alloc(64 * 1024, 0x61);
              }
            } finally {
              producerEnded = true;
            }
          })();
        });
      },
      async ({ port, app }) => {
        const client = await RawClient.connect(port, { timeoutMs: 10_000 });
        client.socket.pause();
        client.write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
        // A sweep "timeouts.send" in the future cuts the connection as soon as the pump waits
        // for a 'drain' that cannot come; before that it has nothing to cut.
        await waitUntil(() => {
          app.engine.sweep(Date.now() + 1_000);
          return producerEnded;
        }, 10_000);
        await waitUntil(() => app.engine.connectionCount === 0);
        // Reading again, the client finds what was buffered, then the end of the connection.
        client.socket.resume();
        await client.untilClosed();
        const stopped = produced;
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(produced, stopped, "the producer is not pulled after the cut");
      },
      { timeouts: { send: 1_000, sweepInterval: 60_000 } },
    );
  });

  it("keeps a streamed response whose client is taking it, whatever the sweep says", async () => {
    const size = 8 * 1024 * 1024;
    await withServer(
      (app) => {
        app.get("/big", (_request, response) => {
          response.body = (async function* () {
            for (let sent = 0; sent < size; sent += 64 * 1024) yield Buffer.alloc(64 * 1024, 0x62);
          })();
        });
      },
      async ({ port, app }) => {
        // A client that only counts bytes, with a real-time sweep on every read: it keeps taking
        // the body, so its connection is never cut and the whole body arrives.
        const socket = net.connect({ port, host: "127.0.0.1" });
        let received = 0;
        let tail = Buffer.alloc(0);
        socket.on("data", (chunk: Buffer) => {
          received += chunk.length;
          tail = Buffer.concat([tail, chunk]).subarray(-5);
          app.engine.sweep(Date.now());
        });
        socket.write("GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const [ended] = await Promise.race([
          once(socket, "end").then(() => [true]),
          once(socket, "close").then(() => [false]),
        ]);
        socket.destroy();
        assert.ok(ended, "the server ended the response normally");
        assert.equal(tail.toString("latin1"), "0\r\n\r\n", "the last chunk arrived");
        // Head, chunk framing (about 10 bytes per 64 KiB chunk) and the last chunk.
        assert.ok(received > size && received < size + 4096, `received ${received} bytes`);
      },
      { timeouts: { send: 1_000, sweepInterval: 60_000 } },
    );
  });

  it("on close(), answers requests already sent on idle keep-alive connections, then closes", async () => {
    await withServer(routes, async ({ port, app }) => {
      const clients = await Promise.all(
        Array.from({ length: CLIENTS }, () => RawClient.connect(port)),
      );
      clients.forEach((client, index) => {
        client.write(`GET /first-${index} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      await Promise.all(clients.map((client) => client.response()));

      // The requests are in the server's kernel buffers when the shutdown begins.
      clients.forEach((client, index) => {
        client.write(`GET /late-${index} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      const closing = app.close();

      const raws = await Promise.all(clients.map((client) => client.untilClosed()));
      raws.forEach((raw, index) => {
        const { responses, rest } = parseResponses(raw, [], true);
        assert.equal(responses.length, 2, `client ${index}`);
        assert.equal(responses[1]!.status, 200);
        assert.equal(responses[1]!.body.toString(), `answer late-${index}`);
        assert.equal(responses[1]!.headers.connection, "close");
        assert.equal(rest.length, 0);
      });
      await closing;
    });
  });
});
