import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpTimeouts, Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { deferred, since, withServer } from "./harness.js";

/**
 * Header, body and keep-alive timeouts with short settings. Each test waits for the close event and
 * then checks the elapsed time lies between the timeout and the timeout plus a sweep and some slack.
 */

const SWEEP = 50;
/** Scheduling slack for a loaded machine running test files in parallel. */
const SLACK = 400;
const TIMEOUTS: Partial<HttpTimeouts> = {
  headers: 300,
  body: 300,
  keepAlive: 300,
  sweepInterval: SWEEP,
};

function routes(app: Server): void {
  app.get("/", () => "ok");
  app.post("/read", async (request) => `read ${(await request.bytes()).length}`);
}

function assertElapsed(elapsed: number, timeout: number): void {
  assert.ok(elapsed >= timeout - 5, `closed after ${elapsed} ms, before the ${timeout} ms timeout`);
  assert.ok(elapsed <= timeout + SWEEP + SLACK, `closed only after ${elapsed} ms (${timeout} ms)`);
}

describe("timeouts", { timeout: 15_000 }, () => {
  it("answers 408 and closes when a head is not complete within timeouts.headers", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const start = performance.now();
        client.write("GET / HTTP/1.1\r\nHost: x\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assertElapsed(since(start), 300);
        assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n/);
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("times out a slowloris head that keeps trickling bytes", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const start = performance.now();
        const head = "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1234567890\r\n\r\n";
        let sent = 0;
        const trickle = setInterval(() => {
          if (!client.closed && sent < head.length) client.write(head[sent++]!);
        }, 20);
        try {
          const raw = (await client.untilClosed()).toString("latin1");
          assertElapsed(since(start), 300);
          assert.match(raw, /^HTTP\/1\.1 408 /);
          assert.ok(sent < head.length);
        } finally {
          clearInterval(trickle);
        }
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("answers 408 and closes when body bytes stop arriving for timeouts.body", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
        const start = performance.now();
        const raw = (await client.untilClosed()).toString("latin1");
        assertElapsed(since(start), 300);
        assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n[\s\S]*Connection: close\r\n/);
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("does not time out a body that keeps making progress", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n");
        // 8 bytes, 100 ms apart: 800 ms in all, far beyond the 300 ms timeout.
        for (let index = 0; index < 8; index++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          client.write("b");
        }
        const response = await client.response("POST");
        assert.equal(response.body.toString(), "read 8");
        client.destroy();
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("does not count the wait for 100 Continue against timeouts.body", async () => {
    const handlerWaited = deferred();
    await withServer(
      (app) => {
        app.post("/late", async (request) => {
          // The handler takes longer than the body timeout before it asks for the body.
          await new Promise((resolve) => setTimeout(resolve, 600));
          handlerWaited.resolve();
          return `read ${(await request.bytes()).length}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        );
        await client.responses(1);
        assert.equal(parseResponses(client.received).responses[0]!.status, 100);
        client.write("data");
        const [, final] = await client.responses(2, ["POST"]);
        assert.equal(final!.status, 200);
        assert.equal(final!.body.toString(), "read 4");
        client.destroy();
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("closes an idle keep-alive connection after timeouts.keepAlive", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.response();
        const start = performance.now();
        await client.untilClosed();
        assertElapsed(since(start), 300);
        assert.equal(parseResponses(client.received).responses.length, 1);

        const silent = await RawClient.connect(port);
        const silentStart = performance.now();
        await silent.untilClosed();
        assertElapsed(since(silentStart), 300);
        assert.equal(silent.received.length, 0);
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("keeps a connection whose handler runs longer than the keep-alive timeout", async () => {
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          await new Promise((resolve) => setTimeout(resolve, 600));
          return "slow";
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        const response = await client.response();
        assert.equal(response.body.toString(), "slow");
        assert.equal(response.headers.connection, undefined);
        client.destroy();
      },
      { timeouts: TIMEOUTS },
    );
  });

  it("does not time out a body while the handler holds it back, nor right after it resumes", async () => {
    const gate = deferred();
    const served = deferred<{ sweep: (now: number) => void }>();
    let readToTheEnd = false;
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
        // Longer than the body timeout, with the socket paused for the slow reader.
        await new Promise((resolve) => setTimeout(resolve, 450));
        app.engine.sweep(Date.now());
        gate.resolve();
        const response = await client.response("POST");
        assert.equal(response.body.toString(), `read ${size}`);
        assert.ok(readToTheEnd);
        client.destroy();
      },
      {
        timeouts: { body: 300, sweepInterval: 60_000 },
        limits: { bodyHighWaterMark: 16 * 1024, maxBodyBytes: 1024 * 1024 },
      },
    );
  });
});
