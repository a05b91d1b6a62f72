import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { describe, it } from "node:test";
import { Connection, type ExchangeHandler } from "../../src/wire/connection.js";
import { HttpEngine } from "../../src/wire/listener.js";
import { resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";
import {
  getRequest,
  nextIteration,
  RecordingSocket,
  startClean,
  statusLines,
} from "./recording-socket.js";

/**
 * Output written outside a read while earlier output of the same connection is held back to the
 * end of the loop iteration (deferred-writes.ts), pinned where deferred-writes.test.ts leaves it
 * open (found by mutation testing, docs/mutation/connection.md): a `100 Continue` asked for from a
 * handler, and an upgrade's hand-off. Recording sockets make "before" and "after" exact.
 */

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

/** Two connections read in one iteration: the second one's answers are held back. */
async function secondConnection(second: Buffer) {
  await startClean();
  const one = open();
  const two = open();
  one.connection.receive(getRequest("/"), false);
  two.connection.receive(second, false);
  return two;
}

describe("connection: writes outside a read while output is held back", { timeout: 10_000 }, () => {
  it("sends 100 Continue after the answers held back before it", async () => {
    const upload =
      "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n";
    const two = await secondConnection(Buffer.concat([getRequest("/"), Buffer.from(upload)]));
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
    const upgrade = getRequest("/up", "Connection: Upgrade\r\nUpgrade: echo\r\n");
    const two = await secondConnection(Buffer.concat([getRequest("/"), upgrade]));
    await nextIteration();
    assert.deepEqual(statusLines(two.socket.text), ["HTTP/1.1 200"]);
    assert.ok(two.socket.text.endsWith("\r\n\r\nhelloswitched"), two.socket.text);
  });
});
