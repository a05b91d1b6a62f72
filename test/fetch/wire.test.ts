import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FetchHandler, type FetchServer, type ServeOptions, serve } from "../../src/index.js";
import { RawClient } from "../wire/client.js";
import { deferred, tlsFixture } from "../wire/harness.js";

/** What only TCP can show: framing, Set-Cookie lines, aborts, backpressure, pipelining. */

async function withFetch(
  fetch: FetchHandler,
  run: (server: FetchServer) => Promise<void>,
  options: Partial<ServeOptions> = {},
): Promise<void> {
  const server = await serve({
    fetch,
    port: 0,
    logger: false,
    ...options,
    timeouts: { shutdown: 1_000, ...options.timeouts },
  });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

async function ask(port: number, request: string, method = "GET") {
  const client = await RawClient.connect(port);
  try {
    client.write(request);
    return await client.response(method);
  } finally {
    client.destroy();
  }
}

describe("fetch handlers over TCP", () => {
  it("sends a native Response's text with Content-Length in one write", async () => {
    await withFetch(
      () => new Response("hello"),
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const response = await client.response();
        client.destroy();
        assert.equal(response.framing, "length");
        assert.equal(response.headers["content-length"], "5");
        assert.equal(response.body.toString(), "hello");
        assert.equal(client.reads.length, 1, "head and body arrived in one read");
      },
    );
  });

  it("answers HEAD with the headers and Content-Length GET would have, and no body", async () => {
    await withFetch(
      () => new Response("twelve bytes", { headers: { "x-kind": "text" } }),
      async ({ port }) => {
        const get = await ask(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const client = await RawClient.connect(port);
        client.write("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const [head, after] = await client.responses(2, ["HEAD", "GET"]);
        client.destroy();
        assert.equal(head!.headers["content-length"], "12");
        assert.equal(head!.headers["x-kind"], "text");
        assert.equal(head!.body.length, 0);
        assert.equal(after!.body.toString(), "twelve bytes", "the next answer is not misread");
        assert.equal(get.headers["content-length"], "12");
      },
    );
  });

  it("sends 204 and 304 without body or Content-Length", async () => {
    await withFetch(
      (request) =>
        new Response(null, { status: new URL(request.url).pathname === "/a" ? 204 : 304 }),
      async ({ port }) => {
        for (const path of ["/a", "/b"]) {
          const response = await ask(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          assert.equal(response.status, path === "/a" ? 204 : 304);
          assert.equal(response.headers["content-length"], undefined);
          assert.equal(response.headers["transfer-encoding"], undefined);
          assert.match(response.raw.toString("latin1"), /\r\n\r\n$/);
        }
      },
    );
  });

  it("writes every Set-Cookie on its own line", async () => {
    await withFetch(
      () => {
        const headers = new Headers();
        headers.append("set-cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2, with comma; HttpOnly");
        return new Response("ok", { headers });
      },
      async ({ port }) => {
        const response = await ask(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const cookies = response.fields.filter(([name]) => name.toLowerCase() === "set-cookie");
        assert.deepEqual(
          cookies.map(([, value]) => value),
          ["a=1; Path=/", "b=2, with comma; HttpOnly"],
        );
      },
    );
  });

  it("streams chunked to HTTP/1.1 and close-delimited to HTTP/1.0", async () => {
    const handler = () =>
      new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode("one,"));
            // The next loop iteration: later than the engine waits before it starts streaming.
            await new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
            controller.enqueue(new TextEncoder().encode("two"));
            controller.close();
          },
        }),
      );
    await withFetch(handler, async ({ port }) => {
      const chunked = await ask(port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(chunked.framing, "chunked");
      assert.equal(chunked.body.toString(), "one,two");
      const client = await RawClient.connect(port);
      client.write("GET / HTTP/1.0\r\nHost: x\r\n\r\n");
      await client.untilClosed();
      const text = client.received.toString("latin1");
      assert.doesNotMatch(text, /Transfer-Encoding|Content-Length/i);
      assert.match(text, /Connection: close\r\n\r\none,two$/);
    });
  });

  it("answers pipelined requests strictly in order", async () => {
    await withFetch(
      async (request) => {
        const n = Number(new URL(request.url).searchParams.get("n"));
        // Later requests finish first: the order on the wire must still be the request order.
        await new Promise((resolve) => setTimeout(resolve, (5 - n) * 3));
        return new Response(`answer ${n}`);
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        let requests = "";
        for (let n = 0; n < 5; n++) requests += `GET /?n=${n} HTTP/1.1\r\nHost: x\r\n\r\n`;
        client.write(requests);
        const responses = await client.responses(5);
        client.destroy();
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["answer 0", "answer 1", "answer 2", "answer 3", "answer 4"],
        );
      },
    );
  });

  it("drains a request body the handler never read, keeping the connection", async () => {
    await withFetch(
      () => new Response("ignored your body"),
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const body = "x".repeat(3000);
        client.write(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}` +
            "GET /second HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        const [first, second] = await client.responses(2, ["POST", "GET"]);
        client.destroy();
        assert.equal(first!.body.toString(), "ignored your body");
        assert.equal(second!.status, 200, "the unread body was not parsed as a request");
      },
    );
  });

  it("answers 413 for a body over the limit read with text(), 400-free for the next client", async () => {
    await withFetch(
      async (request) => new Response(`read ${(await request.text()).length}`),
      async ({ port }) => {
        const response = await ask(
          port,
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n${"y".repeat(100)}`,
          "POST",
        );
        assert.equal(response.status, 413);
        const fine = await ask(
          port,
          "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789",
          "POST",
        );
        assert.equal(fine.body.toString(), "read 10");
      },
      { limits: { maxBodyBytes: 50 } },
    );
  });

  it("turns a throw, a rejection or a non-Response into a logged 500", async () => {
    const logged: string[] = [];
    const logger = {
      info: () => {},
      warn: () => {},
      error: (message: string) => logged.push(message),
    };
    await withFetch(
      (request) => {
        const path = new URL(request.url).pathname;
        if (path === "/throw") throw new Error("sync failure");
        if (path === "/reject") return Promise.reject(new Error("async failure"));
        if (path === "/informational")
          return { status: 103, headers: new Headers(), body: null } as unknown as Response;
        return "not a response" as unknown as Response;
      },
      async ({ port }) => {
        for (const path of ["/throw", "/reject", "/string", "/informational"]) {
          const response = await ask(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          assert.equal(response.status, 500, path);
          assert.equal(response.body.toString(), "Internal Server Error\n");
        }
        assert.equal(logged.length, 4);
      },
      { logger },
    );
  });

  it("aborts request.signal when the client resets while the handler runs", async () => {
    const aborted = deferred<string>();
    const started = deferred();
    await withFetch(
      (request) => {
        started.resolve();
        return new Promise<Response>((resolve) => {
          request.signal.addEventListener("abort", () => {
            aborted.resolve(String(request.signal.reason));
            resolve(new Response("too late"));
          });
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.promise;
        client.socket.resetAndDestroy();
        assert.match(await aborted.promise, /went away/);
      },
    );
  });

  it("cancels a streaming producer when the client resets mid-stream, after one high-water mark", async () => {
    const cancelled = deferred<number>();
    const CHUNK = 64 * 1024;
    let produced = 0;
    let signalAborted = false;
    await withFetch(
      (request) =>
        new Response(
          new ReadableStream(
            {
              pull(controller) {
                produced += CHUNK;
                controller.enqueue(new Uint8Array(CHUNK));
              },
              cancel() {
                signalAborted = request.signal.aborted;
                cancelled.resolve(produced);
              },
            },
            { highWaterMark: 1 },
          ),
        ),
      async ({ port }) => {
        const client = await RawClient.connect(port, { timeoutMs: 10_000 });
        client.socket.pause();
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        // A producer that ignored backpressure would make hundreds of MB meanwhile; the bound
        // is the kernel's socket buffers plus one chunk held by the stream.
        await new Promise((resolve) => setTimeout(resolve, 300));
        const whileStalled = produced;
        assert.ok(whileStalled < 16 * 1024 * 1024, `${whileStalled} bytes produced while stalled`);
        client.socket.resetAndDestroy();
        const atCancel = await cancelled.promise;
        assert.ok(
          atCancel - whileStalled <= 2 * CHUNK,
          "nothing more was produced after the reset",
        );
        assert.ok(
          signalAborted,
          "request.signal was aborted by the time the producer was cancelled",
        );
      },
    );
  });

  it("gives Hono's getConnInfo the client's address and port", async () => {
    const { Hono } = await import("hono");
    const { getConnInfo } = await import("@hono/node-server/conninfo");
    const app = new Hono().get("/", (c) => c.json(getConnInfo(c)));
    await withFetch(app.fetch, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      const response = await client.response();
      const info = JSON.parse(response.body.toString()) as {
        remote: { address: string; port: number; addressType: string };
      };
      assert.deepEqual(info.remote, {
        address: "127.0.0.1",
        port: client.socket.localPort,
        addressType: "IPv4",
      });
      client.destroy();
    });
  });

  it("builds request.url from a trusted proxy's forwarded scheme and host", async () => {
    await withFetch(
      (request, info) => Response.json({ url: request.url, ip: info.remoteAddress }),
      async ({ port }) => {
        const response = await ask(
          port,
          "GET /p?q=1 HTTP/1.1\r\nHost: internal:8080\r\nX-Forwarded-For: 203.0.113.9\r\n" +
            "X-Forwarded-Proto: https\r\nX-Forwarded-Host: example.com\r\n\r\n",
        );
        assert.deepEqual(JSON.parse(response.body.toString()), {
          url: "https://example.com/p?q=1",
          ip: "203.0.113.9",
        });
        const direct = await ask(port, "GET /p HTTP/1.1\r\nHost: internal:8080\r\n\r\n");
        assert.deepEqual(JSON.parse(direct.body.toString()), {
          url: "http://internal:8080/p",
          ip: "127.0.0.1",
        });
      },
      { trustProxy: 1 },
    );
  });

  it("keeps graceful shutdown waiting for waitUntil work", async () => {
    const work = deferred();
    let finished = false;
    const server = await serve({
      port: 0,
      logger: false,
      fetch: (_request, info) => {
        info.waitUntil(
          work.promise.then(() => {
            finished = true;
          }),
        );
        return new Response("accepted");
      },
    });
    const response = await ask(server.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(response.body.toString(), "accepted");
    assert.equal(server.engine.pendingWork, 1);
    const closed = server.close();
    setImmediate(() => work.resolve());
    await closed;
    assert.ok(finished, "close() resolved only after the waitUntil promise");
  });

  it("serves over TLS with an https request.url, and logs each request when asked", async () => {
    const entries: Array<{ method: string; path: string; status: number; bytes?: number }> = [];
    await withFetch(
      (request, info) => Response.json({ url: request.url, encrypted: info.encrypted }),
      async ({ port }) => {
        const client = await RawClient.connect(port, { tls: true });
        client.write("GET /secure?x=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");
        const response = await client.response();
        client.destroy();
        assert.deepEqual(JSON.parse(response.body.toString()), {
          url: "https://localhost/secure?x=1",
          encrypted: true,
        });
        assert.equal(entries.length, 1);
        assert.deepEqual(
          { ...entries[0], durationMs: undefined, ip: undefined },
          {
            method: "GET",
            path: "/secure",
            status: 200,
            bytes: response.body.length,
            durationMs: undefined,
            ip: undefined,
          },
        );
      },
      { tls: tlsFixture(), accessLog: (entry) => entries.push(entry) },
    );
  });

  it("refuses a bad configuration at start-up", async () => {
    await assert.rejects(serve({ fetch: "nope" as unknown as FetchHandler }), /needs 'fetch'/);
    await assert.rejects(
      serve({ fetch: () => new Response(), port: 70_000 }),
      /'port' must be a whole number/,
    );
    await assert.rejects(
      serve({ fetch: () => new Response(), colour: "red" } as unknown as ServeOptions),
      /Unknown serve\(\) option 'colour'/,
    );
  });
});
