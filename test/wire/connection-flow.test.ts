import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import type { WireResponse } from "../../src/wire/response.js";
import { parseResponses, RawClient } from "./client.js";
import { freezeClock, GET, watchServerSockets, withEngine } from "./connection-engine.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, waitUntil, withServer } from "./harness.js";

/**
 * The connection's flow control and timeouts, pinned where the broader TCP files leave them open
 * (found by mutation testing, docs/mutation/connection.md): 'drain' and the send timeout, the
 * sweep's destroys, maxDiscardBytes at its boundary, pipelining without a limit and close() while
 * a head arrives. Time is a frozen clock and `engine.sweep(now)`.
 */

const SEND = 500;
const CHUNK = 64 * 1024;

describe("connection: backpressure and the send timeout", { timeout: 15_000 }, () => {
  it("waits for 'drain' and sends a large stream whole once the client reads", async () => {
    const chunks = 64;
    await withServer(
      (app) => {
        app.get("/big", (_request, response) => {
          response.body = (async function* () {
            for (let i = 0; i < chunks; i++) yield Buffer.alloc(CHUNK, 0x61 + (i % 26));
          })();
        });
      },
      async ({ port }) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          client.socket.pause();
          client.write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitUntil(() => watch.full);
          client.socket.resume();
          const response = await client.response();
          assert.equal(response.body.length, chunks * CHUNK);
          assert.equal(response.body[CHUNK * 27], 0x62);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
    );
  });

  it("cuts a stream its client takes nothing of at timeouts.send, not a millisecond before", async (t) => {
    const start = freezeClock(t);
    let producerEnded = false;
    await withServer(
      (app) => {
        app.get("/endless", (_request, response) => {
          response.body = (async function* () {
            try {
              for (;;) yield Buffer.alloc(CHUNK, 0x61);
            } finally {
              producerEnded = true;
            }
          })();
        });
      },
      async ({ port, app }) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port, { timeoutMs: 10_000 });
          client.socket.pause();
          client.write("GET /endless HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitUntil(() => watch.full);
          app.engine.sweep(start + SEND - 1);
          assert.equal(watch.destroyed, 0, "cut before timeouts.send");
          app.engine.sweep(start + SEND);
          assert.equal(watch.destroyed, 1);
          await waitUntil(() => app.engine.connectionCount === 0 && producerEnded);
          client.socket.resume();
          await client.untilClosed();
        } finally {
          watch.restore();
        }
      },
      { timeouts: { send: SEND, sweepInterval: 3_600_000 } },
    );
  });
});

describe("connection: what counts as progress for the send timeout", { timeout: 15_000 }, () => {
  it("restarts timeouts.send whenever some of the waiting output reaches the kernel", async (t) => {
    const start = freezeClock(t);
    await withEngine(
      (_request, response) => {
        response.body = (async function* () {
          for (;;) yield Buffer.alloc(CHUNK, 0x61);
        })();
      },
      async (port, _errors, engine) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port, { timeoutMs: 10_000 });
          client.socket.pause();
          client.write(GET);
          await waitUntil(() => watch.full);
          // Loopback TCP moves a paused client's window in steps far larger than what waits here,
          // so the kernel taking only part of it is shown through the count the sweep reads.
          const socket = watch.socket!;
          const waiting = socket.writableLength;
          Object.defineProperty(socket, "writableLength", { get: () => waiting - 1 });
          engine.sweep(start + SEND);
          assert.equal(watch.destroyed, 0, "cut although output moved");
          engine.sweep(start + 2 * SEND - 1);
          assert.equal(watch.destroyed, 0, "cut before timeouts.send from the progress");
          engine.sweep(start + 2 * SEND);
          assert.equal(watch.destroyed, 1);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
      {},
      { send: SEND, sweepInterval: 3_600_000 },
    );
  });
});

describe("connection: a stream cut while it waits for 'drain'", { timeout: 15_000 }, () => {
  it("asks its producer for nothing more, and its response never counts as finished", async (t) => {
    const start = freezeClock(t);
    let produced = 0;
    let producerEnded = false;
    const responses: WireResponse<unknown>[] = [];
    await withEngine(
      (_request, response) => {
        responses.push(response);
        response.body = (async function* () {
          try {
            for (;;) {
              produced++;
              yield Buffer.alloc(CHUNK, 0x61);
            }
          } finally {
            producerEnded = true;
          }
        })();
      },
      async (port, errors, engine) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port, { timeoutMs: 10_000 });
          client.socket.pause();
          client.write(GET);
          await waitUntil(() => watch.full);
          // The pump waits for 'drain' with the last chunk it asked for written.
          const asked = produced;
          engine.sweep(start + SEND);
          assert.equal(watch.destroyed, 1);
          await waitUntil(() => producerEnded);
          assert.equal(produced, asked);
          assert.equal(responses[0]!.finished, false);
          assert.deepEqual(errors, []);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
      {},
      { send: SEND, sweepInterval: 3_600_000 },
    );
  });
});

describe("connection: the sweep's last resorts", { timeout: 15_000 }, () => {
  const TIMEOUT = 300;

  it("destroys a connection whose client ignores the FIN for another timeouts.keepAlive", async (t) => {
    const start = freezeClock(t);
    await withServer(
      () => {},
      async ({ port, app }) => {
        const watch = watchServerSockets(port);
        // allowHalfOpen: this client reads the server's FIN but never closes its own side.
        const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
        try {
          let ended = false;
          socket.on("end", () => {
            ended = true;
          });
          await waitUntil(() => app.engine.connectionCount === 1);
          t.mock.timers.tick(TIMEOUT);
          app.engine.sweep(start + TIMEOUT);
          await waitUntil(() => ended);
          assert.equal(watch.destroyed, 0, "the FIN first, the cut only later");
          app.engine.sweep(start + 2 * TIMEOUT - 1);
          assert.equal(watch.destroyed, 0, "cut before the FIN's own timeouts.keepAlive");
          app.engine.sweep(start + 2 * TIMEOUT);
          assert.equal(watch.destroyed, 1);
          await waitUntil(() => app.engine.connectionCount === 0);
        } finally {
          socket.destroy();
          watch.restore();
        }
      },
      { timeouts: { keepAlive: TIMEOUT, sweepInterval: 3_600_000 } },
    );
  });

  it("destroys a connection whose unread body, being discarded, stops arriving", async (t) => {
    const start = freezeClock(t);
    await withServer(
      (app) => {
        app.post("/", () => "ignored the body");
      },
      async ({ port, app }) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
          const response = await client.response();
          assert.equal(response.body.toString(), "ignored the body");
          assert.equal(response.headers.connection, undefined, "kept while discarding");
          app.engine.sweep(start + TIMEOUT - 1);
          assert.equal(watch.destroyed, 0, "cut before timeouts.body");
          app.engine.sweep(start + TIMEOUT);
          assert.equal(watch.destroyed, 1);
          await client.untilClosed();
          assert.equal(parseResponses(client.received).responses.length, 1);
        } finally {
          watch.restore();
        }
      },
      { timeouts: { body: TIMEOUT, keepAlive: 0, sweepInterval: 3_600_000 } },
    );
  });
});

describe("connection: maxDiscardBytes at its boundary", { timeout: 15_000 }, () => {
  const MAX = 1024;
  const routes = (app: Server): void => {
    app.post("/ignore", () => "ignored");
    app.get("/", () => "ok");
  };

  it("keeps the connection through unread bodies of exactly maxDiscardBytes each", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        for (let i = 1; i <= 2; i++) {
          // Head first: the body arrives after the answer, so all of it is discarded.
          client.write(`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX}\r\n\r\n`);
          await client.responses(i);
          client.write("d".repeat(MAX));
        }
        client.write(GET);
        const answers = await client.responses(3);
        assert.deepEqual(
          answers.map((response) => response.body.toString()),
          ["ignored", "ignored", "ok"],
        );
        client.destroy();
      },
      { limits: { maxDiscardBytes: MAX } },
    );
  });

  it("closes when an unread body is one byte over maxDiscardBytes", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${MAX + 1}\r\n\r\n`);
        await client.responses(1);
        client.write("d".repeat(MAX + 1));
        client.write(GET);
        const raw = (await client.untilClosed()).toString("latin1");
        assert.equal(raw.match(/HTTP\/1\.1/g)?.length, 1, raw);
      },
      { limits: { maxDiscardBytes: MAX } },
    );
  });
});

describe("connection: pipelining and shutdown", { timeout: 15_000 }, () => {
  it("with maxPipelinedRequests 0, keeps reading however many requests wait", async () => {
    const gate = deferred();
    const started = deferred();
    await withEngine(
      async (request, response) => {
        if (request.url === "/slow") {
          started.resolve();
          await gate.promise;
        }
        response.body = request.url;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        // The second request comes in a later read, while the first is still being handled.
        await started.promise;
        client.write("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        gate.resolve();
        const answers = await client.responses(2);
        assert.deepEqual(
          answers.map((response) => response.body.toString()),
          ["/slow", "/next"],
        );
        client.destroy();
      },
      { maxPipelinedRequests: 0 },
    );
  });

  it("on close(), keeps a connection yet to send its first request, and answers it", async () => {
    const probe = probeEngine();
    try {
      await withServer(
        (app) => {
          app.get("/", () => "ok");
        },
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          await waitUntil(() => app.engine.connectionCount === 1);
          const closed = app.close();
          await probe.shutdown;
          client.write(GET);
          const raw = (await client.untilClosed()).toString("latin1");
          const answers = parseResponses(client.received).responses;
          assert.equal(answers.length, 1, raw);
          assert.equal(answers[0]!.body.toString(), "ok");
          assert.equal(answers[0]!.headers.connection, "close");
          await closed;
        },
      );
    } finally {
      probe.restore();
    }
  });

  it("on close(), hands no request that arrives after its FIN to a handler", async () => {
    const probe = probeEngine();
    let calls = 0;
    try {
      await withEngine(
        (_request, response) => {
          calls++;
          response.body = "ok";
        },
        async (port, _errors, engine) => {
          // allowHalfOpen: this client can still send after the server's FIN.
          const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
          try {
            let received = "";
            let ended = false;
            socket.on("data", (chunk: Buffer) => {
              received += chunk.toString("latin1");
            });
            socket.on("end", () => {
              ended = true;
            });
            socket.write(GET);
            await waitUntil(() => received.endsWith("\r\n\r\nok"));
            const closed = engine.close();
            await waitUntil(() => ended);
            socket.write(GET);
            await probe.read(2 * GET.length);
            assert.equal(calls, 1);
            socket.end();
            await closed;
          } finally {
            socket.destroy();
          }
        },
      );
    } finally {
      probe.restore();
    }
  });

  it("on close(), still answers a request whose head was arriving", async () => {
    const probe = probeEngine();
    try {
      await withServer(
        (app) => {
          app.get("/", () => "ok");
        },
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          await client.response();
          const partial = "GET / HTTP/1.1\r\n";
          client.write(partial);
          await probe.read(GET.length + partial.length);
          const closed = app.close();
          await probe.shutdown;
          client.write("Host: x\r\n\r\n");
          const raw = (await client.untilClosed()).toString("latin1");
          const answers = parseResponses(client.received).responses;
          assert.equal(answers.length, 2, raw);
          assert.equal(answers[1]!.headers.connection, "close");
          await closed;
        },
      );
    } finally {
      probe.restore();
    }
  });
});
