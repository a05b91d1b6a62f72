import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { describe, it } from "node:test";
import { Connection } from "../../src/wire/connection.js";
import { HttpError } from "../../src/wire/http-error.js";
import { RawClient } from "./client.js";
import { GET, withEngine } from "./connection-engine.js";
import { deferred, tlsFixture, waitUntil, withServer } from "./harness.js";

/**
 * What a request sees of its connection and of its client leaving, pinned where the broader TCP
 * files leave it open (found by mutation testing, docs/mutation/connection.md): peer facts (also
 * from a PROXY header and after the client left), TLS and plain reads, abort listeners, and bodies
 * cut by a FIN, a reset or broken framing.
 */

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
        // The error the handler got says so too: the connection closes after its answer.
        assert.ok(errors[0] instanceof HttpError);
        assert.equal(errors[0].status, 400);
        assert.equal(errors[0].close, true);
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
});
