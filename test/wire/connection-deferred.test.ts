import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { Connection, type ExchangeHandler } from "../../src/wire/connection.js";
import { type DeferredWriter, writeNowOrDefer } from "../../src/wire/deferred-writes.js";
import { HttpEngine } from "../../src/wire/listener.js";
import { resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";

/**
 * Output written outside a read while earlier output of the same connection is held back to the
 * end of the loop iteration (deferred-writes.ts), pinned where deferred-writes.test.ts leaves it
 * open (found by mutation testing, docs/mutation/connection.md): a `100 Continue` asked for from a
 * handler, and an upgrade's hand-off. Recording sockets make "before" and "after" exact.
 */

const nextIteration = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Leaves no connection marked as having written at once in this iteration. */
async function startClean(): Promise<void> {
  const noop: DeferredWriter = { writeDeferred() {} };
  writeNowOrDefer(noop);
  writeNowOrDefer({ writeDeferred() {} });
  await nextIteration();
}

/** Just enough of a socket for a connection and a hand-off; records what is written, in order. */
class RecordingSocket {
  text = "";
  destroyed = false;
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 50_000;
  readonly localPort = 80;
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  off(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  write(data: string | Uint8Array): boolean {
    this.text += Buffer.from(data).toString("latin1");
    return true;
  }
  end(): this {
    return this;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
}

const handler: ExchangeHandler = {
  createRequest: (head, body, connection) => new WireRequest(head, body, connection),
  createResponse: () => new WireResponse(),
  handle(request, response) {
    if (request.url === "/up") {
      response.upgrade = (socket) => {
        socket.write("switched");
      };
      return undefined;
    }
    if (request.url === "/upload") {
      // Asks for the body a microtask later: outside the read, inside the same iteration.
      return (async () => {
        await Promise.resolve();
        response.body = `got ${(await request.bytes()).length}`;
      })();
    }
    response.body = "hello";
    return undefined;
  },
  handleError(error, _request, response) {
    response.status = 500;
    response.body = String(error);
  },
  reportError() {},
};
const engine = new HttpEngine(handler, resolveLimits({}), resolveTimeouts({}));

function open(): { socket: RecordingSocket; connection: Connection } {
  const socket = new RecordingSocket();
  const connection = new Connection(socket as unknown as Socket, engine, handler, Date.now());
  return { socket, connection };
}

const get = (path: string, extra = ""): Buffer =>
  Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`);
const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];

/** Two connections read in one iteration: the second one's answers are held back. */
async function secondConnection(second: Buffer) {
  await startClean();
  const one = open();
  const two = open();
  one.connection.receive(get("/"), false);
  two.connection.receive(second, false);
  return two;
}

describe("connection: writes outside a read while output is held back", { timeout: 10_000 }, () => {
  it("sends 100 Continue after the answers held back before it", async () => {
    const upload =
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
    const two = await secondConnection(Buffer.concat([get("/"), Buffer.from(upload)]));
    await nextIteration();
    assert.deepEqual(statusLines(two.socket.text), ["HTTP/1.1 200", "HTTP/1.1 100"]);
    two.connection.receive(Buffer.from("abc"), false);
    await nextIteration();
    assert.deepEqual(statusLines(two.socket.text), [
      "HTTP/1.1 200",
      "HTTP/1.1 100",
      "HTTP/1.1 200",
    ]);
    assert.ok(two.socket.text.endsWith("\r\n\r\ngot 3"), two.socket.text);
  });

  it("sends the answers held back before an upgrade, then hands the socket over", async () => {
    const upgrade = get("/up", "Connection: Upgrade\r\nUpgrade: echo\r\n");
    const two = await secondConnection(Buffer.concat([get("/"), upgrade]));
    await nextIteration();
    assert.deepEqual(statusLines(two.socket.text), ["HTTP/1.1 200"]);
    assert.ok(two.socket.text.endsWith("\r\n\r\nhelloswitched"), two.socket.text);
  });
});
