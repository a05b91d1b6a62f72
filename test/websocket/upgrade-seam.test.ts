import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import type { RequestHead } from "../../src/wire/head.js";
import { parseHead } from "../../src/wire/head.js";
import type { HttpError } from "../../src/wire/http-error.js";
import { type ParserSink, RequestParser } from "../../src/wire/parser.js";
import { deferred, tlsFixture, waitUntil, withServer } from "../wire/harness.js";
import { RawSocket } from "./raw-socket.js";

/**
 * The engine's protocol switch (RFC 9110 §7.8, src/wire/upgrade.ts): which requests ask to
 * upgrade, that nothing after one is parsed as HTTP until it is answered, and the hand-off of the
 * socket with the bytes already read, over TCP and TLS.
 */

const SWITCHED = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";

function upgradeRequest(path = "/echo", extra = ""): string {
  return `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n${extra}\r\n`;
}

/** An "echo" protocol: answers 101, reports the head it got, then echoes every byte. */
function echoProtocol(heads: Buffer[]) {
  return (socket: Socket, head: Buffer): void => {
    heads.push(head);
    socket.write(SWITCHED);
    if (head.length > 0) socket.write(head);
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
    socket.on("end", () => socket.end());
  };
}

function head(text: string): RequestHead {
  const bytes = Buffer.from(text, "latin1");
  const result = parseHead(bytes, 0, bytes.length);
  if (!("method" in result)) throw result;
  return result;
}

describe("RequestHead.upgrade", () => {
  it("is the Upgrade value when Connection has the upgrade token in HTTP/1.1", () => {
    assert.equal(head(upgradeRequest()).upgrade, "echo");
    assert.equal(
      head(
        "GET / HTTP/1.1\r\nHost: x\r\nconnection: keep-alive, UPGRADE\r\nupgrade: websocket\r\n\r\n",
      ).upgrade,
      "websocket",
    );
  });

  it("joins an Upgrade list sent on several lines", () => {
    const text =
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: a\r\nUpgrade: b\r\n\r\n";
    assert.equal(head(text).upgrade, "a, b");
  });

  it("is undefined without the Connection token, in HTTP/1.0, or without Upgrade", () => {
    assert.equal(head("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\n\r\n").upgrade, undefined);
    assert.equal(
      head("GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: echo\r\n\r\n").upgrade,
      undefined,
    );
    assert.equal(
      head("GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n").upgrade,
      undefined,
    );
    assert.equal(head("GET / HTTP/1.1\r\nHost: x\r\n\r\n").upgrade, undefined);
  });
});

class Recorder implements ParserSink {
  heads: string[] = [];
  bodies: Buffer[] = [];
  errors: HttpError[] = [];
  onHead(head: RequestHead): void {
    this.heads.push(head.target);
  }
  onBody(bytes: Buffer): void {
    this.bodies.push(Buffer.from(bytes));
  }
  onComplete(): void {}
  onError(error: HttpError): void {
    this.errors.push(error);
  }
}

describe("RequestParser after an upgrade request", () => {
  const upgradeWithBody = `POST /up HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: echo\r\nContent-Length: 3\r\n\r\nabc`;
  const next = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

  it("holds every byte after the message, in any split, until told whose they are", () => {
    const input = Buffer.from(upgradeWithBody + next, "latin1");
    for (let split = 1; split < input.length; split++) {
      const sink = new Recorder();
      const parser = new RequestParser(sink);
      parser.execute(input.subarray(0, split));
      parser.execute(input.subarray(split));
      assert.deepEqual(sink.heads, ["/up"], `split at ${split}`);
      assert.equal(Buffer.concat(sink.bodies).toString(), "abc");
      assert.equal(parser.held, true);
      assert.equal(parser.takeHeld().toString("latin1"), next, `split at ${split}`);
      assert.equal(parser.done, true);
    }
  });

  it("parses the held bytes as the next requests when the upgrade is declined", () => {
    const sink = new Recorder();
    const parser = new RequestParser(sink);
    parser.execute(Buffer.from(upgradeWithBody + next + next.slice(0, 10), "latin1"));
    assert.deepEqual(sink.heads, ["/up"]);
    parser.resume();
    assert.deepEqual(sink.heads, ["/up", "/next"]);
    parser.execute(Buffer.from(next.slice(10), "latin1"));
    assert.deepEqual(sink.heads, ["/up", "/next", "/next"]);
    assert.equal(parser.held, false);
  });

  it("copies held bytes, so a reused input buffer cannot change them", () => {
    const sink = new Recorder();
    const parser = new RequestParser(sink);
    const input = Buffer.from(`${upgradeRequest()}DATA`, "latin1");
    parser.execute(input);
    input.fill(0);
    assert.equal(parser.takeHeld().toString(), "DATA");
  });
});

function upgradeRoutes(heads: Buffer[], seen: string[]) {
  return (app: Server): void => {
    app.get("/echo", (request, response) => {
      seen.push(request.path);
      response.upgrade = echoProtocol(heads);
    });
    app.get("/plain", (request) => {
      seen.push(request.path);
      return `plain upgrade=${request.head.upgrade ?? "none"}`;
    });
    app.get("/", (request) => {
      seen.push(request.path);
      return "root";
    });
  };
}

describe("Upgrade hand-off over TCP", { timeout: 15_000 }, () => {
  it("gives the new protocol the socket and the bytes read past the head", async () => {
    const heads: Buffer[] = [];
    const seen: string[] = [];
    await withServer(upgradeRoutes(heads, seen), async ({ port, app }) => {
      const client = await RawSocket.connect(port);
      client.write(`${upgradeRequest()}HELLO`);
      await client.untilBytes(SWITCHED.length + 5);
      assert.equal(client.text(), `${SWITCHED}HELLO`);
      assert.equal(heads[0]!.toString(), "HELLO");
      assert.equal(app.engine.connectionCount, 0);
      assert.equal(app.engine.sessionCount, 1);
      client.write("more bytes");
      await client.untilText("more bytes");
      client.socket.end();
      await client.closed;
      await waitUntil(() => app.engine.sessionCount === 0);
    });
  });

  it("never parses pipelined requests after an upgrade request as HTTP", async () => {
    const heads: Buffer[] = [];
    const seen: string[] = [];
    await withServer(upgradeRoutes(heads, seen), async ({ port }) => {
      const client = await RawSocket.connect(port);
      const pipelined = "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
      client.write(`GET / HTTP/1.1\r\nHost: x\r\n\r\n${upgradeRequest()}${pipelined}`);
      await client.untilText(pipelined);
      const text = client.text();
      // The request before the upgrade is answered first, then the switch, then the echo.
      assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nroot/);
      assert.ok(text.endsWith(`${SWITCHED}${pipelined}`), text);
      assert.deepEqual(seen, ["/", "/echo"]);
      assert.equal(heads[0]!.toString("latin1"), pipelined);
      client.destroy();
    });
  });

  it("holds bytes arriving while an async handler decides, and hands them over", async () => {
    const heads: Buffer[] = [];
    const gate = deferred();
    await withServer(
      (app) => {
        app.get("/echo", async (_request, response) => {
          await gate.promise;
          response.upgrade = echoProtocol(heads);
        });
      },
      async ({ port }) => {
        const client = await RawSocket.connect(port);
        client.write(`${upgradeRequest()}first`);
        // Not a synchronisation: whichever way the reads fall, every byte must arrive once.
        await new Promise((resolve) => setImmediate(resolve));
        client.write("-second");
        gate.resolve();
        await client.untilText("first-second");
        assert.equal(client.text(), `${SWITCHED}first-second`);
        client.destroy();
      },
    );
  });

  it("answers an upgrade request normally when the route does not take it, then parses on", async () => {
    const seen: string[] = [];
    await withServer(upgradeRoutes([], seen), async ({ port }) => {
      const client = await RawSocket.connect(port);
      client.write(`${upgradeRequest("/plain")}GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
      await client.untilText("root");
      assert.equal((client.text().match(/HTTP\/1\.1 200 OK/g) ?? []).length, 2);
      assert.match(client.text(), /plain upgrade=echo/);
      assert.deepEqual(seen, ["/plain", "/"]);
      // The connection is still HTTP and keeps going.
      client.write("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
      await client.untilText("upgrade=none");
      client.destroy();
    });
  });

  it("declining after an await: bytes that arrived meanwhile are parsed as HTTP", async () => {
    const gate = deferred();
    const seen: string[] = [];
    await withServer(
      (app) => {
        app.get("/slow", async (request) => {
          seen.push(request.path);
          await gate.promise;
          return "declined";
        });
        app.get("/", (request) => {
          seen.push(request.path);
          return "root";
        });
      },
      async ({ port }) => {
        const client = await RawSocket.connect(port);
        client.write(upgradeRequest("/slow"));
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await waitUntil(() => seen.length === 1);
        gate.resolve();
        await client.untilText("root");
        assert.deepEqual(seen, ["/slow", "/"]);
        assert.match(client.text(), /declined[\s\S]*root$/);
        client.destroy();
      },
    );
  });

  it("answers 500 when a handler sets upgrade on a request that did not ask", async () => {
    const errors: unknown[] = [];
    await withServer(
      (app) => {
        app.get("/bad", (_request, response) => {
          response.upgrade = () => assert.fail("must not be called");
        });
      },
      async ({ port }) => {
        const client = await RawSocket.connect(port);
        client.write("GET /bad HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.untilText("HTTP/1.1 500");
        assert.equal(errors.length, 1);
        client.destroy();
      },
      {
        logger: {
          info: () => {},
          warn: () => {},
          error: (_message, fields) => errors.push(fields?.error),
        },
      },
    );
  });

  it("works over TLS", async () => {
    const heads: Buffer[] = [];
    await withServer(
      upgradeRoutes(heads, []),
      async ({ port }) => {
        const client = await RawSocket.connect(port, true);
        client.write(`${upgradeRequest()}over tls`);
        await client.untilText("over tls");
        assert.equal(client.text(), `${SWITCHED}over tls`);
        client.write("+more");
        await client.untilText("+more");
        client.destroy();
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("graceful shutdown waits for a raw session and cuts it at the shutdown timeout", async () => {
    const heads: Buffer[] = [];
    await withServer(
      upgradeRoutes(heads, []),
      async ({ port, app }) => {
        const client = await RawSocket.connect(port);
        client.write(upgradeRequest());
        await client.untilText(SWITCHED);
        const closing = app.close();
        client.write("still open");
        await client.untilText("still open");
        // The session stays usable during the grace period, then the engine cuts it.
        await closing;
        await client.closed;
        assert.equal(app.engine.sessionCount, 0);
      },
      { timeouts: { shutdown: 300 } },
    );
  });
});
