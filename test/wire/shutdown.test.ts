import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, serve } from "./harness.js";

/** Graceful shutdown: finish what is in flight, close what is idle, refuse what is new. */

const IN_FLIGHT = 50;

describe("graceful shutdown", { timeout: 15_000 }, () => {
  it("finishes in-flight requests with Connection: close, closes idle ones, refuses new ones", async () => {
    const release = deferred();
    let started = 0;
    const allStarted = deferred();
    const served = await serve((app: Server) => {
      app.get("/", () => "idle one");
      app.get("/slow/:id", async (request) => {
        if (++started === IN_FLIGHT) allStarted.resolve();
        await release.promise;
        return `done ${request.params.id}`;
      });
      app.get("/stream", (_request, response) => {
        response.body = (async function* () {
          yield "first ";
          await release.promise;
          yield "last";
        })();
      });
    });
    const { app, port } = served;

    const idle = await Promise.all([1, 2, 3].map(() => RawClient.connect(port)));
    for (const client of idle) client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await Promise.all(idle.map((client) => client.response()));

    const busy = await Promise.all(
      Array.from({ length: IN_FLIGHT }, () => RawClient.connect(port, { timeoutMs: 10_000 })),
    );
    busy.forEach((client, index) => {
      client.write(`GET /slow/${index} HTTP/1.1\r\nHost: x\r\n\r\n`);
    });
    const streaming = await RawClient.connect(port);
    streaming.write("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
    await streaming.waitFor(() => streaming.received.includes("first "), "the first chunk");
    await allStarted.promise;

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });

    // Idle keep-alive connections are closed at once, with nothing sent.
    await Promise.all(idle.map((client) => client.untilClosed()));
    for (const client of idle) assert.equal(parseResponses(client.received).responses.length, 1);

    // Nobody new gets in.
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
    assert.equal(closed, false);

    release.resolve();
    const raws = await Promise.all(busy.map((client) => client.untilClosed()));
    raws.forEach((raw, index) => {
      const { responses, rest } = parseResponses(raw, [], true);
      assert.equal(responses.length, 1);
      assert.equal(responses[0]!.status, 200);
      assert.equal(responses[0]!.headers.connection, "close");
      assert.equal(responses[0]!.body.toString(), `done ${index}`);
      assert.equal(rest.length, 0);
    });
    const streamed = (await streaming.untilClosed()).toString("latin1");
    assert.match(streamed, /0\r\n\r\n$/);
    assert.equal(
      parseResponses(streaming.received, [], true).responses[0]!.body.toString(),
      "first last",
    );

    await closing;
    assert.equal(app.engine.connectionCount, 0);
  });

  it("cuts connections still busy after timeouts.shutdown", async (t) => {
    const never = deferred();
    const started = deferred();
    const served = await serve(
      (app: Server) => {
        app.get("/hang", async () => {
          started.resolve();
          await never.promise;
          return "never";
        });
      },
      { timeouts: { shutdown: 300 } },
    );
    const probe = probeEngine();
    try {
      const client = await RawClient.connect(served.port);
      client.write("GET /hang HTTP/1.1\r\nHost: x\r\n\r\n");
      await started.promise;
      // The shutdown deadline is a timer: fake timers let the test say when it runs out.
      t.mock.timers.enable({ apis: ["setTimeout"] });
      const closing = served.close();
      await probe.shutdown;
      t.mock.timers.tick(299);
      assert.equal(probe.destroyed, 0, "cut before timeouts.shutdown");
      t.mock.timers.tick(1);
      assert.equal(probe.destroyed, 1, "not cut at timeouts.shutdown");
      await closing;
      await client.untilClosed();
      assert.equal(client.received.length, 0);
      assert.equal(served.app.engine.connectionCount, 0);
    } finally {
      probe.restore();
    }
  });

  it("resolves every concurrent close() call, and close() on an idle server at once", async () => {
    // Deadlines an hour away: close() resolving at all shows it waited for neither.
    const served = await serve(
      (app: Server) => {
        app.get("/", () => "ok");
      },
      { timeouts: { shutdown: 3_600_000, keepAlive: 3_600_000 } },
    );
    const client = await RawClient.connect(served.port);
    client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    await client.response();
    await Promise.all([served.close(), served.close(), served.close()]);
    await client.untilClosed();
  });
});
