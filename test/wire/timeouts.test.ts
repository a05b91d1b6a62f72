import assert from "node:assert/strict";
import { describe, it, type TestContext } from "node:test";
import type { HttpTimeouts, Logger, Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, waitUntil, withServer } from "./harness.js";

/**
 * Header, body and keep-alive timeouts, with time driven by the test: `Date` is frozen (the engine
 * stamps connections with Date.now()), the timer sweep is out of the way, and each test calls
 * `engine.sweep(now)` itself, one millisecond before a timeout runs out and at the moment it does,
 * after waiting for the server to have read what was sent (engine-probe.ts). No test depends on
 * how fast the machine is, and none waits for a timeout in real time.
 */

const TIMEOUT = 300;
const TIMEOUTS: Partial<HttpTimeouts> = {
  headers: TIMEOUT,
  body: TIMEOUT,
  keepAlive: TIMEOUT,
  sweepInterval: 3_600_000,
};

/** Freezes `Date` for this test (put back when it ends); returns the frozen time. */
function freezeClock(t: TestContext): number {
  const start = Date.UTC(2026, 0, 1);
  t.mock.timers.enable({ apis: ["Date"], now: start });
  return start;
}

/** Moves the frozen clock to `at`. */
function setClock(t: TestContext, at: number): void {
  t.mock.timers.tick(at - Date.now());
}

function capturingLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger = {
    info: () => {},
    warn: (message) => warnings.push(message),
    error: () => {},
  };
  return { logger, warnings };
}

function routes(app: Server): void {
  app.get("/", () => "ok");
  app.post("/read", async (request) => `read ${(await request.bytes()).length}`);
}

describe("timeouts", { timeout: 15_000 }, () => {
  it("answers 408 and closes when a head is not complete within timeouts.headers", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    const { logger, warnings } = capturingLogger();
    try {
      await withServer(
        routes,
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          const partial = "GET / HTTP/1.1\r\nHost: x\r\n";
          client.write(partial);
          await probe.read(partial.length);
          app.engine.sweep(start + TIMEOUT - 1);
          assert.deepEqual(warnings, [], "timed out before timeouts.headers");
          app.engine.sweep(start + TIMEOUT);
          assert.deepEqual(warnings, ["Protocol error: Request header timeout"]);
          const raw = (await client.untilClosed()).toString("latin1");
          assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n/);
        },
        { logger, timeouts: { ...TIMEOUTS, keepAlive: 0 } },
      );
    } finally {
      probe.restore();
    }
  });

  it("times out a slowloris head that keeps trickling bytes", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    const { logger, warnings } = capturingLogger();
    try {
      await withServer(
        routes,
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          const head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890\r\n\r\n";
          // A byte every 20 ms, each read before the clock moves on: progress, but never a head.
          let sent = 0;
          for (let at = start; at < start + TIMEOUT; at += 20) {
            setClock(t, at);
            client.write(head[sent++]!);
            await probe.read(sent);
            app.engine.sweep(at);
          }
          app.engine.sweep(start + TIMEOUT - 1);
          assert.deepEqual(warnings, [], "timed out before timeouts.headers");
          app.engine.sweep(start + TIMEOUT);
          assert.deepEqual(warnings, ["Protocol error: Request header timeout"]);
          const raw = (await client.untilClosed()).toString("latin1");
          assert.match(raw, /^HTTP\/1\.1 408 /);
          assert.ok(sent < head.length);
        },
        { logger, timeouts: { ...TIMEOUTS, keepAlive: 0 } },
      );
    } finally {
      probe.restore();
    }
  });

  it("answers 408 and closes when body bytes stop arriving for timeouts.body", async (t) => {
    const start = freezeClock(t);
    const firstBytes = deferred();
    const handler: { failure?: unknown } = {};
    await withServer(
      (app) => {
        app.post("/read", async (request) => {
          let total = 0;
          try {
            for await (const chunk of request) {
              total += chunk.length;
              firstBytes.resolve();
            }
          } catch (error) {
            handler.failure = error;
            throw error;
          }
          return `read ${total}`;
        });
      },
      async ({ port, app }) => {
        const client = await RawClient.connect(port);
        client.write("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
        await firstBytes.promise;
        app.engine.sweep(start + TIMEOUT - 1);
        // An abort would reach the handler's read within microtasks.
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(handler.failure, undefined, "timed out before timeouts.body");
        app.engine.sweep(start + TIMEOUT);
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n/);
        assert.match(String(handler.failure), /Request body timeout/);
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("does not time out a body that keeps making progress", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    try {
      await withServer(
        routes,
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          const head = "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n";
          client.write(head);
          await probe.read(head.length);
          // 8 bytes, 100 ms apart: 800 ms in all, far beyond the 300 ms timeout, each followed
          // by a sweep just before the next byte.
          for (let index = 1; index <= 8; index++) {
            setClock(t, start + index * 100);
            app.engine.sweep(start + index * 100 + 99);
            client.write("b");
            await probe.read(head.length + index);
          }
          const response = await client.response("POST");
          assert.equal(response.body.toString(), "read 8");
          client.destroy();
        },
        { timeouts: TIMEOUTS },
      );
    } finally {
      probe.restore();
    }
  });

  it("does not count the wait for 100 Continue against timeouts.body", async (t) => {
    const start = freezeClock(t);
    const entered = deferred();
    const gate = deferred();
    await withServer(
      (app) => {
        app.post("/late", async (request) => {
          // The handler takes longer than the body timeout before it asks for the body.
          entered.resolve();
          await gate.promise;
          return `read ${(await request.bytes()).length}`;
        });
      },
      async ({ port, app }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        );
        await entered.promise;
        setClock(t, start + 10 * TIMEOUT);
        app.engine.sweep(start + 10 * TIMEOUT);
        gate.resolve();
        await client.responses(1);
        assert.equal(parseResponses(client.received).responses[0]!.status, 100);
        // The body timeout starts at the 100 Continue.
        app.engine.sweep(start + 11 * TIMEOUT - 1);
        client.write("data");
        const [, final] = await client.responses(2, ["POST"]);
        assert.equal(final!.status, 200);
        assert.equal(final!.body.toString(), "read 4");
        client.destroy();
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("closes an idle keep-alive connection after timeouts.keepAlive", async (t) => {
    const start = freezeClock(t);
    await withServer(
      routes,
      async ({ port, app }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.response();
        app.engine.sweep(start + TIMEOUT - 1);
        // Still open: a second request is answered.
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.responses(2);
        app.engine.sweep(start + TIMEOUT);
        await client.untilClosed();
        assert.equal(parseResponses(client.received).responses.length, 2);

        await waitUntil(() => app.engine.connectionCount === 0);
        const silent = await RawClient.connect(port);
        await waitUntil(() => app.engine.connectionCount === 1);
        app.engine.sweep(start + TIMEOUT);
        await silent.untilClosed();
        assert.equal(silent.received.length, 0);
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("keeps a connection whose handler runs longer than the keep-alive timeout", async (t) => {
    const start = freezeClock(t);
    const entered = deferred();
    const gate = deferred();
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          entered.resolve();
          await gate.promise;
          return "slow";
        });
      },
      async ({ port, app }) => {
        const client = await RawClient.connect(port);
        client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        await entered.promise;
        setClock(t, start + 10 * TIMEOUT);
        app.engine.sweep(start + 10 * TIMEOUT);
        gate.resolve();
        const response = await client.response();
        assert.equal(response.body.toString(), "slow");
        assert.equal(response.headers.connection, undefined);
        // And it stays usable.
        client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.equal((await client.responses(2))[1]!.body.toString(), "slow");
        client.destroy();
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("does not time out a body while the handler holds it back, nor right after it resumes", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    const gate = deferred();
    const served = deferred<{ sweep: (now: number) => void }>();
    let readToTheEnd = false;
    try {
      await withServer(
        (app) => {
          app.post("/slow-reader", async (request) => {
            const engine = await served.promise;
            let total = 0;
            let first = true;
            for await (const chunk of request) {
              total += chunk.length;
              if (first) {
                first = false;
                await gate.promise;
              }
              // Right after reading resumes, the wait while paused must not count as no progress.
              engine.sweep(Date.now());
            }
            readToTheEnd = true;
            return `read ${total}`;
          });
        },
        async ({ port, app }) => {
          served.resolve(app.engine);
          const client = await RawClient.connect(port);
          const size = 256 * 1024;
          client.write(`POST /slow-reader HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n`);
          client.write(Buffer.alloc(size, 0x62));
          // The handler holds the body back: reading pauses once it has more than the mark.
          await probe.paused;
          // Far longer than the body timeout, with the socket paused for the slow reader.
          setClock(t, start + 10 * TIMEOUT);
          app.engine.sweep(start + 10 * TIMEOUT);
          gate.resolve();
          const response = await client.response("POST");
          assert.equal(response.body.toString(), `read ${size}`);
          assert.ok(readToTheEnd);
          client.destroy();
        },
        {
          timeouts: { body: TIMEOUT, sweepInterval: 3_600_000 },
          limits: { bodyHighWaterMark: 16 * 1024, maxBodyBytes: 1024 * 1024 },
        },
      );
    } finally {
      probe.restore();
    }
  });
});
