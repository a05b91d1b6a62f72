import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { deferred, waitUntil, withServer } from "./harness.js";

/** Failures inside handlers and streams: what reaches the client, and that the server lives on. */

const GET = (path: string): string =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: text/plain\r\n\r\n`;
const SECRET = "db password is hunter2";

function routes(app: Server): void {
  app.get("/", () => "ok");
  app.get("/throw", () => {
    throw new Error(SECRET);
  });
  app.get("/reject", async () => {
    await Promise.resolve();
    throw new Error(SECRET);
  });
  app.get("/bad-header", (_request, response) => {
    response.headers.set("x-evil", "a\r\nSet-Cookie: injected=1");
    response.body = "never";
  });
  app.get("/bad-status", (_request, response) => {
    response.status = 1000;
    response.body = "never";
  });
  app.get("/bad-body", (_request, response) => {
    // @ts-expect-error refused by the types too; this checks the run time for JavaScript callers
    response.body = new Map([["secret", SECRET]]);
  });
  app.get("/broken-stream", (_request, response) => {
    response.body = (async function* () {
      yield "partial ";
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error(SECRET);
    })();
  });
  app.get("/broken-readable", (_request, response) => {
    const stream = new Readable({ read() {} });
    stream.push("partial ");
    setImmediate(() => stream.destroy(new Error(SECRET)));
    response.body = stream;
  });
  app.get("/short", (_request, response) => {
    response.headers.set("content-length", "100");
    response.body = Readable.from([Buffer.from("only ten b")]);
  });
  app.get("/long", (_request, response) => {
    response.headers.set("content-length", "3");
    response.body = Readable.from([Buffer.from("too long")]);
  });
}

describe("handler failures", { timeout: 10_000 }, () => {
  for (const path of ["/throw", "/reject", "/bad-header", "/bad-status", "/bad-body"]) {
    it(`${path} → 500 without internals, and the connection stays usable`, async () => {
      await withServer(routes, async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET(path) + GET("/"));
        const [failed, next] = await client.responses(2);
        assert.equal(failed!.status, 500);
        assert.equal(failed!.body.toString(), "500 Internal Server Error\n");
        assert.equal(failed!.headers.connection, undefined);
        assert.equal(next!.body.toString(), "ok");
        const wire = client.received.toString("latin1");
        assert.doesNotMatch(wire, /hunter2|injected|x-evil|never/i);
        client.destroy();
      });
    });
  }
});

describe("stream failures", { timeout: 10_000 }, () => {
  for (const path of ["/broken-stream", "/broken-readable", "/short"]) {
    it(`${path}: cuts the connection so the body is visibly truncated`, async () => {
      await withServer(routes, async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET(path) + GET("/"));
        const raw = await client.untilClosed();
        const text = raw.toString("latin1");
        assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
        assert.doesNotMatch(text, /0\r\n\r\n$/);
        assert.doesNotMatch(text, /hunter2/);
        // Truncated: no complete response parses out of it, and the pipelined GET got nothing.
        assert.equal(parseResponses(raw, [], false).responses.length, 0);
        assert.equal(text.match(/HTTP\/1\.1/g)?.length, 1);

        const again = await RawClient.connect(port);
        again.write(GET("/"));
        assert.equal((await again.response()).body.toString(), "ok");
        again.destroy();
      });
    });
  }

  it("never sends more bytes than the declared Content-Length", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(GET("/long"));
      const raw = (await client.untilClosed()).toString("latin1");
      assert.match(raw, /\r\nContent-Length: 3\r\n\r\n$/);
    });
  });
});

describe("client going away", { timeout: 10_000 }, () => {
  for (const how of ["FIN", "RST"] as const) {
    it(`aborts request.signal when the client disconnects mid-handler (${how})`, async () => {
      const aborted = deferred<unknown>();
      const started = deferred();
      await withServer(
        (app) => {
          app.get("/wait", async (request) => {
            request.signal.addEventListener("abort", () => aborted.resolve(request.signal.reason));
            started.resolve();
            await aborted.promise;
            return "too late";
          });
          app.get("/", () => "ok");
        },
        async ({ port }) => {
          const client = await RawClient.connect(port);
          client.write(GET("/wait"));
          await started.promise;
          if (how === "FIN") client.destroy();
          else client.socket.resetAndDestroy();
          const reason = await aborted.promise;
          assert.ok(reason instanceof Error);
          const again = await RawClient.connect(port);
          again.write(GET("/"));
          assert.equal((await again.response()).body.toString(), "ok");
          again.destroy();
        },
      );
    });
  }

  it("stops an endless streamed body and runs its cleanup when the client disconnects", async () => {
    const cleaned = deferred();
    const signalled = deferred();
    await withServer(
      (app) => {
        app.get("/endless", (request, response) => {
          request.signal.addEventListener("abort", () => signalled.resolve());
          response.body = (async function* () {
            try {
              for (;;) {
                yield "tick\n";
                await new Promise((resolve) => setTimeout(resolve, 5));
              }
            } finally {
              cleaned.resolve();
            }
          })();
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET("/endless"));
        await client.waitFor(() => client.received.includes("tick\n"), "the first tick");
        client.destroy();
        await signalled.promise;
        await cleaned.promise;
      },
    );
  });

  for (const how of ["FIN", "RST"] as const) {
    it(`ends a Readable body that waits for data when the client leaves (${how})`, async () => {
      const destroyed = deferred();
      const errors: unknown[] = [];
      await withServer(
        (app) => {
          app.get("/idle-stream", (request, response) => {
            // One chunk, then a wait for data that never comes (like a quiet event stream).
            const stream = new Readable({ read() {} });
            stream.push("first\n");
            stream.on("close", () => destroyed.resolve());
            // A FIN may be a half-close, so the engine keeps writing: the handler stops on the
            // signal. A reset leaves no doubt, and the engine destroys the stream itself.
            if (how === "FIN") request.signal.addEventListener("abort", () => stream.destroy());
            response.body = stream;
          });
        },
        async ({ port, app }) => {
          const client = await RawClient.connect(port);
          client.write(GET("/idle-stream"));
          await client.waitFor(() => client.received.includes("first\n"), "the first chunk");
          if (how === "FIN") client.destroy();
          else client.socket.resetAndDestroy();
          await destroyed.promise;
          await waitUntil(() => app.engine.connectionCount === 0);
        },
        {
          logger: { info: () => {}, warn: () => {}, error: (message) => errors.push(message) },
        },
      );
      // A client leaving is not a server error.
      assert.deepEqual(errors, []);
    });
  }

  it("does not abort request.signal of a request that was answered", async () => {
    let signal: AbortSignal | undefined;
    await withServer(
      (app) => {
        app.get("/quick", (request) => {
          signal = request.signal;
          return "quick";
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET("/quick"));
        await client.response();
        client.destroy();
        await client.whenClosed;
      },
    );
    assert.equal(signal?.aborted, false);
  });
});
