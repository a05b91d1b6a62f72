import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import net from "node:net";
import { Readable } from "node:stream";
import { describe, it, type TestContext } from "node:test";
import type { Server } from "../../src/index.js";
import { Connection, type ExchangeHandler } from "../../src/wire/connection.js";
import { HttpError } from "../../src/wire/http-error.js";
import { HttpEngine } from "../../src/wire/listener.js";
import { type HttpLimits, resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";
import { parseResponses, RawClient } from "./client.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, tlsFixture, waitUntil, withServer } from "./harness.js";

/**
 * Behaviour of the connection's request cycle that the broader TCP files do not pin, found by
 * mutation testing (docs/mutation/connection.md): handlers that throw or reject, invalid responses,
 * the connection facts a request sees, abort after a FIN, backpressure and the send timeout on a
 * fake clock, and how a response's own `Connection` field and latin1 headers go out.
 */

type Handle = (request: WireRequest, response: WireResponse<unknown>) => void | Promise<void>;

/** A wire-level engine (no framework) whose handler is `handle`; errors become their message. */
async function withEngine(
  handle: Handle,
  fn: (port: number, errors: unknown[], engine: HttpEngine) => Promise<void>,
  limits: Partial<HttpLimits> = {},
): Promise<void> {
  const errors: unknown[] = [];
  const handler: ExchangeHandler = {
    createRequest: (head, body, connection) => new WireRequest(head, body, connection),
    createResponse: () => new WireResponse(),
    handle,
    handleError(error, _request, response) {
      errors.push(error);
      response.status = error instanceof HttpError ? error.status : 500;
      response.body = error instanceof Error ? error.message : "error";
    },
    reportError(error) {
      errors.push(error);
    },
  };
  const engine = new HttpEngine(
    handler,
    resolveLimits(limits),
    resolveTimeouts({ shutdown: 1_000 }),
  );
  const { port } = await engine.listen({ port: 0, host: "127.0.0.1" });
  try {
    await fn(port, errors, engine);
  } finally {
    await engine.close();
  }
}

const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

describe("connection: handler failures and invalid responses", { timeout: 15_000 }, () => {
  it("turns a synchronous throw into the error response and keeps the connection", async () => {
    let calls = 0;
    await withEngine(
      (_request, response) => {
        if (++calls === 1) throw new Error("sync failure");
        response.body = "second";
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.status, 500);
        assert.equal(first!.body.toString(), "sync failure");
        assert.equal(first!.headers.connection, undefined);
        assert.equal(second!.body.toString(), "second");
        assert.equal((errors[0] as Error).message, "sync failure");
        client.destroy();
      },
    );
  });

  it("closes after the response when a synchronous throw is an HttpError that says so", async () => {
    await withEngine(
      () => {
        throw new HttpError(400, "bad and closing", { close: true });
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const raw = (await client.untilClosed()).toString("latin1");
        const responses = raw.match(/HTTP\/1\.1 /g) ?? [];
        assert.equal(responses.length, 1, raw);
        assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
        assert.ok(raw.endsWith("\r\n\r\nbad and closing"), raw);
      },
    );
  });

  it("keeps the connection after a thrown HttpError that does not ask to close", async () => {
    await withEngine(
      () => {
        throw new HttpError(404, "nothing here");
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.status, 404);
        assert.equal(first!.headers.connection, undefined);
        assert.equal(second!.status, 404);
        client.destroy();
      },
    );
  });

  it("turns a rejected handler promise into the error response", async () => {
    await withEngine(
      () => Promise.reject(new Error("async failure")),
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.equal(response.status, 500);
        assert.equal(response.body.toString(), "async failure");
        assert.deepEqual(
          errors.map((error) => (error as Error).message),
          ["async failure"],
        );
        client.destroy();
      },
    );
  });

  it("answers a body that is not a sendable type with the handler's error response", async () => {
    await withEngine(
      (_request, response) => {
        response.body = 42;
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        const message =
          "response.body must be a string, a Uint8Array, a stream, an async iterable or null";
        assert.equal(response.status, 500);
        assert.equal(response.body.toString(), message);
        assert.ok(errors[0] instanceof TypeError);
        client.destroy();
      },
    );
  });

  for (const status of [199, 600, 200.5, Number.NaN]) {
    it(`refuses status ${status} as a programming error`, async () => {
      await withEngine(
        (_request, response) => {
          response.status = status;
          response.body = "unseen";
        },
        async (port) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.status, 500);
          assert.equal(
            response.body.toString(),
            `Invalid response status ${status}: use an integer from 200 to 599`,
          );
          client.destroy();
        },
      );
    });
  }

  for (const status of [200, 599]) {
    it(`sends status ${status}, the ends of the valid range`, async () => {
      await withEngine(
        (_request, response) => {
          response.status = status;
          response.body = "ok";
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.status, status);
          assert.equal(response.body.toString(), "ok");
          assert.deepEqual(errors, []);
          client.destroy();
        },
      );
    });
  }
});

describe("connection: what a request sees of its connection", { timeout: 15_000 }, () => {
  it("reports the peer's address and port and the local port", async () => {
    await withEngine(
      (request, response) => {
        const { remoteAddress, remotePort, localPort, encrypted } = request.connection;
        response.body = `${remoteAddress} ${remotePort} ${localPort} ${encrypted}`;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.equal(
          response.body.toString(),
          `127.0.0.1 ${client.socket.localPort} ${port} false`,
        );
        client.destroy();
      },
    );
  });

  it("keeps to its types once the client is gone: an empty address and port 0", async () => {
    const seen = deferred<string>();
    const registered = deferred();
    await withEngine(
      (request) => {
        const { connection } = request;
        connection.onAbort(() => {
          const facts = [connection.remoteAddress, connection.remotePort, connection.localPort];
          seen.resolve(JSON.stringify(facts));
        });
        registered.resolve();
        return new Promise<void>(() => {});
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await registered.promise;
        client.socket.resetAndDestroy();
        assert.equal(await seen.promise, JSON.stringify(["", 0, 0]));
      },
    );
  });

  it("aborts request.signal at once when it is first read after the client's FIN", async () => {
    const peerEnded = Connection.prototype.peerEnded;
    const finSeen = deferred();
    Connection.prototype.peerEnded = function (this: Connection): void {
      peerEnded.call(this);
      finSeen.resolve();
    };
    try {
      await withEngine(
        async (request, response) => {
          await finSeen.promise;
          response.body = `aborted=${request.signal.aborted}`;
        },
        async (port) => {
          const client = await RawClient.connect(port);
          client.end(GET);
          // A half-closed client still gets its answer.
          const raw = (await client.untilClosed()).toString("latin1");
          assert.match(raw, /^HTTP\/1\.1 200 OK\r\n/);
          assert.ok(raw.endsWith("\r\n\r\naborted=true"), raw);
        },
      );
    } finally {
      Connection.prototype.peerEnded = peerEnded;
    }
  });
});

describe("connection: the response's own framing choices", { timeout: 15_000 }, () => {
  it("closes when the response's Connection field lists close, and only then", async () => {
    await withEngine(
      (request, response) => {
        response.headers.set("Connection", decodeURIComponent(request.url.slice(2)));
        response.body = "x";
      },
      async (port) => {
        const cases: Array<[string, boolean]> = [
          ["foo, Close", true],
          ["close ,bar", true],
          ["closed", false],
          ["no-close", false],
        ];
        for (const [value, closes] of cases) {
          const client = await RawClient.connect(port);
          const request = `GET /?${encodeURIComponent(value)} HTTP/1.1\r\nHost: x\r\n\r\n`;
          client.write(request + request);
          if (closes) {
            const raw = (await client.untilClosed()).toString("latin1");
            assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, `${value}: ${raw}`);
          } else {
            await client.responses(2);
            client.destroy();
          }
        }
      },
    );
  });

  it("sends a latin1 head and a UTF-8 string body as the bytes each encoding gives", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("X-Name", "caf\u00e9");
        response.body = "\u00fc";
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.ok(response.raw.includes(Buffer.from("X-Name: caf\u00e9\r\n", "latin1")));
        assert.equal(response.headers["content-length"], "2");
        assert.deepEqual(response.body, Buffer.from("\u00fc", "utf8"));
        client.destroy();
      },
    );
  });

  it("sends exactly the bytes of a Uint8Array view that does not start its buffer", async () => {
    await withEngine(
      (_request, response) => {
        const backing = new Uint8Array([0x30, 0x31, 0x32, 0x33, 0x34, 0x35]);
        response.body = backing.subarray(2, 5);
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.equal(response.headers["content-length"], "3");
        assert.equal(response.body.toString("latin1"), "234");
        client.destroy();
      },
    );
  });
});

/** Freezes `Date` for this test (put back when it ends); returns the frozen time. */
function freezeClock(t: TestContext): number {
  const start = Date.UTC(2026, 0, 1);
  t.mock.timers.enable({ apis: ["Date"], now: start });
  return start;
}

/**
 * Watches the server side of connections to `port`: whether a write first found the socket full,
 * and how many sockets the server destroyed (at the call, not at the 'close' that follows later).
 */
function watchServerSockets(port: number): {
  readonly full: boolean;
  readonly destroyed: number;
  restore(): void;
} {
  const prototype = net.Socket.prototype as unknown as {
    write: (...args: unknown[]) => boolean;
    destroy: (...args: unknown[]) => net.Socket;
  };
  const { write, destroy } = prototype;
  const watch = {
    full: false,
    destroyed: 0,
    restore(): void {
      prototype.write = write;
      prototype.destroy = destroy;
    },
  };
  prototype.write = function (this: net.Socket, ...args: unknown[]): boolean {
    const writable = write.apply(this, args);
    if (!writable && this.localPort === port) watch.full = true;
    return writable;
  };
  prototype.destroy = function (this: net.Socket, ...args: unknown[]): net.Socket {
    if (this.localPort === port && !this.destroyed) watch.destroyed++;
    return destroy.apply(this, args);
  };
  return watch;
}

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

/** An async iterable of `parts`, as a handler's streamed body. */
async function* parts(...chunks: Array<string | Uint8Array>): AsyncGenerator<string | Uint8Array> {
  for (const chunk of chunks) yield chunk;
}

describe("connection: streamed bodies against their framing", { timeout: 15_000 }, () => {
  it("skips empty chunks instead of framing them as the last chunk", async () => {
    await withEngine(
      (_request, response) => {
        response.body = parts("ab", "", Buffer.alloc(0), "c");
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(
          first!.raw.subarray(first!.head.length).toString("latin1"),
          "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
        );
        assert.equal(second!.body.toString(), "abc");
        client.destroy();
      },
    );
  });

  it("sends a stream of exactly its declared Content-Length and keeps the connection", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("Content-Length", "5");
        response.body = parts("abc", "de");
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.framing, "length");
        assert.equal(first!.body.toString(), "abcde");
        assert.equal(second!.body.toString(), "abcde");
        assert.deepEqual(errors, []);
        client.destroy();
      },
    );
  });

  for (const [declared, chunks, message] of [
    ["5", ["abc", "def"], "The response stream produced more than its Content-Length of 5 bytes"],
    ["5", ["ab"], "The response stream ended after 2 of its 5 bytes (Content-Length)"],
  ] as const) {
    it(`cuts the connection when a stream does not match its Content-Length (${chunks.join("+")})`, async () => {
      await withEngine(
        (_request, response) => {
          response.headers.set("Content-Length", declared);
          response.body = parts(...chunks);
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(GET + GET);
          const raw = (await client.untilClosed()).toString("latin1");
          assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, raw);
          assert.ok(!raw.includes("abcdef"), raw);
          assert.deepEqual(
            errors.map((error) => (error as Error).message),
            [message],
          );
        },
      );
    });
  }

  for (const declared of ["-1", "abc", "1.5"]) {
    it(`frames a stream chunked when its Content-Length is ${declared}`, async () => {
      await withEngine(
        (_request, response) => {
          response.headers.set("Content-Length", declared);
          response.body = parts("xyz");
        },
        async (port) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.framing, "chunked");
          assert.equal(response.body.toString(), "xyz");
          client.destroy();
        },
      );
    });
  }

  it("frames a stream with a Content-Length of 0 by length", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("Content-Length", "0");
        response.body = parts();
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first] = await client.responses(2);
        assert.equal(first!.framing, "length");
        assert.equal(first!.headers["transfer-encoding"], undefined);
        client.destroy();
      },
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

describe("connection: more of what a request sees", { timeout: 15_000 }, () => {
  it("reports a TLS connection as encrypted and reads it through 'data' events", async () => {
    await withServer(
      (app) => {
        app.get("/", (request) => `encrypted=${request.connection.encrypted}`);
      },
      async ({ port }) => {
        const client = await RawClient.connect(port, { tls: true });
        client.write(GET);
        const response = await client.response();
        assert.equal(response.body.toString(), "encrypted=true");
        client.destroy();
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("calls every abort listener when the client goes away mid-request", async () => {
    const called: string[] = [];
    const registered = deferred();
    await withEngine(
      (request) => {
        request.connection.onAbort(() => called.push("first"));
        request.connection.onAbort(() => called.push("second"));
        registered.resolve();
        return new Promise<void>(() => {});
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await registered.promise;
        client.destroy();
        await waitUntil(() => called.length === 2);
        assert.deepEqual(called, ["first", "second"]);
      },
    );
  });

  it("fails a body cut short by the client's FIN with a 400 that closes", async () => {
    await withEngine(
      async (request, response) => {
        response.body = `read ${(await request.bytes()).length}`;
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.end("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
        assert.ok(raw.endsWith("\r\n\r\nConnection closed before the body was complete"), raw);
        assert.equal(errors.length, 1);
      },
    );
  });

  it("fails a body whose client disconnects with 'The client closed the connection'", async () => {
    const failure = deferred<unknown>();
    const started = deferred();
    await withEngine(
      async (request) => {
        started.resolve();
        await request.bytes().catch((error: unknown) => failure.resolve(error));
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
        await started.promise;
        // A reset, not a FIN: the connection is gone without a half-close first.
        client.socket.resetAndDestroy();
        const error = await failure.promise;
        assert.equal((error as Error).message, "The client closed the connection");
      },
    );
  });

  it("closes when the framing of a body being discarded breaks", async () => {
    await withEngine(
      (_request, response) => {
        response.body = "not reading";
      },
      async (port) => {
        const client = await RawClient.connect(port, { timeoutMs: 3_000 });
        client.write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        const response = await client.response();
        assert.equal(response.headers.connection, undefined, "kept while discarding");
        client.write("zz\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, raw);
      },
    );
  });

  it("closes after answering a request whose body's framing broke while it was read", async () => {
    await withEngine(
      async (request, response) => {
        const outcome = await request.bytes().then(
          () => "read",
          () => "caught",
        );
        response.body = outcome;
      },
      async (port) => {
        const client = await RawClient.connect(port, { timeoutMs: 3_000 });
        client.write(
          "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\nzz\r\n",
        );
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n/);
        assert.ok(raw.endsWith("\r\n\r\ncaught"), raw);
      },
    );
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

describe("connection: the peer a proxy reports, and reads without the shared buffer", {
  timeout: 15_000,
}, () => {
  it("prefers the PROXY protocol's client address and port, and its plain TCP", async () => {
    await withServer(
      (app) => {
        app.get("/", (request) => {
          const { remoteAddress, remotePort, encrypted } = request.connection;
          return `${remoteAddress} ${remotePort} ${encrypted}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(`PROXY TCP4 203.0.113.7 198.51.100.1 40000 80\r\n${GET}`);
        const response = await client.response();
        assert.equal(response.body.toString(), "203.0.113.7 40000 false");
        client.destroy();
      },
      {},
      { proxyProtocol: { trusted: "loopback" } },
    );
  });

  it("serves over 'data' events in a process started with SLOW_SERV_SHARED_READS=0", async () => {
    const module = new URL("../../src/index.js", import.meta.url).href;
    const script = `
      import net from "node:net";
import { Readable } from "node:stream";
      import { Server } from ${JSON.stringify(module)};
      const app = new Server({ logger: false });
      app.get("/", () => "served");
      const { port } = await app.run({ port: 0, host: "127.0.0.1" });
      const socket = net.connect(port, "127.0.0.1");
      let received = "";
      socket.on("data", (chunk) => { received += chunk; });
      socket.on("close", async () => { process.stdout.write(received); await app.close(); });
      socket.end("GET / HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n");`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--input-type=module", "-e", script],
        { env: { ...process.env, SLOW_SERV_SHARED_READS: "0" }, timeout: 5_000 },
        (error, stdout) => (error ? reject(error) : resolve(stdout)),
      );
    });
    assert.match(output, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nserved$/);
  });
});

describe("connection: what the engine does with less usual answers", { timeout: 15_000 }, () => {
  it("sends the response of a handler that returns a value that is not a promise", async () => {
    await withEngine(
      ((_request: WireRequest, response: WireResponse<unknown>) => {
        response.body = "plain";
        return { then: "not a function" };
      }) as unknown as Handle,
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        assert.equal((await client.response()).body.toString(), "plain");
        client.destroy();
      },
    );
  });

  for (const body of [null, undefined]) {
    it(`sends an empty body for ${body}, and only a head for HEAD of bytes`, async () => {
      await withEngine(
        (request, response) => {
          response.body = request.method === "HEAD" ? new Uint8Array([0x41, 0x42]) : body;
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(`HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${GET}`);
          const [head, get] = await client.responses(2, ["HEAD", "GET"]);
          assert.equal(head!.headers["content-length"], "2");
          assert.equal(get!.status, 200);
          assert.equal(get!.headers["content-length"], "0");
          // Nothing after the GET's head: the HEAD's two bytes were never sent.
          assert.equal(client.received.length, head!.raw.length + get!.raw.length);
          assert.deepEqual(errors, []);
          client.destroy();
        },
      );
    });
  }

  it("destroys a stream it will not send: a 204's and a HEAD's", async () => {
    const streams: Readable[] = [];
    await withEngine(
      (request, response) => {
        const stream = Readable.from(["never sent"]);
        streams.push(stream);
        response.body = stream;
        if (request.url === "/empty") response.status = 204;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(`GET /empty HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n`);
        const [empty, head] = await client.responses(2, ["GET", "HEAD"]);
        assert.equal(empty!.status, 204);
        assert.equal(head!.status, 200);
        assert.deepEqual(
          streams.map((stream) => stream.destroyed),
          [true, true],
        );
        client.destroy();
      },
    );
  });

  it("answers 204 without a body value at all", async () => {
    await withEngine(
      (_request, response) => {
        response.status = 204;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        assert.equal((await client.response()).status, 204);
        client.destroy();
      },
    );
  });

  it("marks the head sent while a stream is pulled, and the response finished after", async () => {
    const seen: string[] = [];
    const responses: WireResponse<unknown>[] = [];
    await withEngine(
      (_request, response) => {
        responses.push(response);
        response.body = (async function* () {
          seen.push(`sent=${response.headersSent} finished=${response.finished}`);
          yield "x";
        })();
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await client.response();
        assert.deepEqual(seen, ["sent=true finished=false"]);
        assert.equal(responses[0]!.finished, true);
        client.destroy();
      },
    );
  });

  it("marks a plain response sent and finished", async () => {
    const responses: WireResponse<unknown>[] = [];
    await withEngine(
      (_request, response) => {
        responses.push(response);
        response.body = "done";
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await client.response();
        assert.equal(responses[0]!.headersSent, true);
        assert.equal(responses[0]!.finished, true);
        client.destroy();
      },
    );
  });

  it("answers a malformed request with 400 for a handler without reportProtocolError", async () => {
    await withEngine(
      () => {},
      async (port) => {
        const client = await RawClient.connect(port);
        client.write("NOT HTTP\r\n\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
      },
    );
  });

  it("does not handle a failure of a handler whose client is already gone", async () => {
    const gate = deferred();
    const started = deferred();
    await withEngine(
      async () => {
        started.resolve();
        await gate.promise;
        throw new Error("too late");
      },
      async (port, errors, engine) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await started.promise;
        client.socket.resetAndDestroy();
        await waitUntil(() => engine.connectionCount === 0);
        gate.resolve();
        // The rejection settles within microtasks; a macrotask later every callback has run.
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(errors, []);
      },
    );
  });

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
});
