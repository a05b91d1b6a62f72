import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { RawClient } from "./client.js";
import { deferred, waitUntil, withServer } from "./harness.js";

/** Connection reuse: keep-alive by version and Connection header, closing from either side. */

function routes(app: Server): void {
  app.get("/", (request) => `hello ${request.httpVersion}`);
  app.get("/close", (_request, response) => {
    response.headers.set("connection", "close");
    response.body = "bye";
  });
  app.get("/stream", (_request, response) => {
    response.body = (async function* () {
      yield "a";
      yield "b";
    })();
  });
}

describe("keep-alive", { timeout: 10_000 }, () => {
  it("reuses one socket for several HTTP/1.1 requests", async () => {
    await withServer(routes, async ({ port, app }) => {
      const client = await RawClient.connect(port);
      for (let round = 1; round <= 5; round++) {
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const responses = await client.responses(round);
        const last = responses[round - 1]!;
        assert.equal(last.body.toString(), "hello 1.1");
        assert.equal(last.headers.connection, undefined);
      }
      assert.equal(app.engine.connectionCount, 1);
      assert.equal(client.closed, false);
      client.destroy();
    });
  });

  it("fetch reuses its pooled connection", async () => {
    await withServer(routes, async ({ url, app }) => {
      // undici opens a second connection after its very first request (node:http sees the same),
      // then reuses its pool: the count must stop growing.
      for (let index = 0; index < 2; index++) await (await fetch(url)).text();
      const warm = app.engine.connectionCount;
      for (let index = 0; index < 8; index++) await (await fetch(url)).text();
      assert.ok(warm <= 2);
      assert.equal(app.engine.connectionCount, warm);
    });
  });

  it("closes after an HTTP/1.0 request without keep-alive", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET / HTTP/1.0\r\n\r\n");
      const raw = await client.untilClosed();
      const text = raw.toString("latin1");
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(text, /\r\nConnection: close\r\n/);
      assert.match(text, /\r\n\r\nhello 1\.0$/);
    });
  });

  it("keeps an HTTP/1.0 connection that asks for keep-alive, and says so", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const [first] = await client.responses(1);
      assert.equal(first!.headers.connection, "keep-alive");
      assert.equal(first!.body.toString(), "hello 1.0");
      client.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      await client.responses(2);
      // A stream of unknown length can only be delimited by closing, even if keep-alive was asked.
      client.write("GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      const raw = (await client.untilClosed()).toString("latin1");
      const third = raw.slice(raw.lastIndexOf("HTTP/1.1"));
      assert.match(third, /\r\nConnection: close\r\n\r\nab$/);
      assert.doesNotMatch(third, /Transfer-Encoding|Content-Length/i);
    });
  });

  it("honours Connection: close from the client", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const raw = (await client.untilClosed()).toString("latin1");
      assert.match(raw, /\r\nConnection: close\r\n\r\nhello 1\.1$/);
    });
  });

  it("closes after a handler sets Connection: close, ignoring pipelined requests after it", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /close HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const raw = await client.untilClosed();
      const text = raw.toString("latin1");
      assert.equal(text.match(/HTTP\/1\.1 200/g)?.length, 2);
      assert.match(text, /\r\nConnection: close\r\n\r\nbye$/);
      assert.equal(text.match(/Connection: close/gi)?.length, 1);
    });
  });

  it("closes after maxRequestsPerConnection, saying so on the last response", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(4));
        const raw = (await client.untilClosed()).toString("latin1");
        assert.equal(raw.match(/HTTP\/1\.1 200/g)?.length, 3);
        assert.equal(raw.match(/Connection: close/g)?.length, 1);
        assert.match(raw, /Connection: close\r\n\r\nhello 1\.1$/);
      },
      { limits: { maxRequestsPerConnection: 3 } },
    );
  });
});

describe("half-close", { timeout: 10_000 }, () => {
  it("answers a request followed by FIN in full, then closes", async () => {
    const gate = deferred();
    const started = deferred();
    await withServer(
      (app) => {
        routes(app);
        app.get("/slow", async () => {
          started.resolve();
          await gate.promise;
          return "slow answer";
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.end("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
        // The server has read the first request (and the FIN behind it) before it may answer.
        await started.promise;
        gate.resolve();
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nslow answer/);
        assert.match(raw, /\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n$/);
        assert.equal(client.error, undefined);
      },
    );
  });

  it("ends its side once when the client's FIN follows a Connection: close answer", async () => {
    // Node answers end() on an ended socket by building an error with a stack trace: a cost that
    // every closing connection paid when the FIN led to a second end().
    const clients = new Set<net.Socket>();
    let serverEnds = 0;
    type End = (this: net.Socket, ...args: unknown[]) => net.Socket;
    const prototype = net.Socket.prototype as unknown as { end: End };
    const { end } = prototype;
    prototype.end = function (...args) {
      if (!clients.has(this)) serverEnds++;
      return end.apply(this, args);
    };
    try {
      await withServer(routes, async ({ port, app }) => {
        const client = await RawClient.connect(port);
        clients.add(client.socket);
        client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assert.equal((await client.response()).body.toString(), "hello 1.1");
        client.end();
        await client.untilClosed();
        await waitUntil(() => app.engine.connectionCount === 0);
        assert.equal(client.ended, true);
      });
    } finally {
      prototype.end = end;
    }
    assert.equal(serverEnds, 1);
  });

  it("answers a synchronous request whose FIN comes in the same packet", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.end("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const raw = (await client.untilClosed()).toString("latin1");
      assert.match(raw, /\r\n\r\nhello 1\.1$/);
    });
  });
});
