import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { Server } from "../../src/index.js";
import { Connection } from "../../src/wire/connection.js";
import { type DeferredWriter, writeNowOrDefer } from "../../src/wire/deferred-writes.js";
import {
  getRequest,
  nextIteration,
  RecordingSocket,
  startClean,
  statusLines,
} from "./recording-socket.js";

/**
 * Output of connections answered in the same event-loop iteration: the first writes at once, the
 * others at the end of the iteration, each in its own order, ends after data, nothing for a
 * connection destroyed meanwhile. Fake sockets record every call, so "not yet" is exact.
 */

const app = new Server({ logger: false });
app.get("/", () => "hello");
app.get("/slow", async () => {
  await Promise.resolve();
  return "later";
});
app.get("/stream", () => Readable.from(["chunk-1", "chunk-2"]));

function open(): { socket: RecordingSocket; connection: Connection } {
  const socket = new RecordingSocket();
  const connection = new Connection(socket as unknown as Socket, app.engine, app, Date.now());
  return { socket, connection };
}

/** Two connections answered in one iteration, from a clean start: the second one's is held back. */
async function secondConnectionDeferred() {
  await startClean();
  const one = open();
  const two = open();
  one.connection.receive(getRequest("/"), false);
  two.connection.receive(getRequest("/"), false);
  return { one, two };
}

describe("deferred writes", { timeout: 10_000 }, () => {
  it("queues every writer after the first of an iteration and runs them in order at its end", async () => {
    await startClean();
    const ran: string[] = [];
    const writer = (name: string): DeferredWriter => ({ writeDeferred: () => ran.push(name) });
    const first = writer("first");
    const second = writer("second");
    const third = writer("third");
    assert.equal(writeNowOrDefer(first), true);
    assert.equal(writeNowOrDefer(first), true, "the same writer again writes at once");
    assert.equal(writeNowOrDefer(second), false);
    assert.equal(writeNowOrDefer(third), false);
    assert.deepEqual(ran, []);
    await nextIteration();
    assert.deepEqual(ran, ["second", "third"]);
    assert.equal(writeNowOrDefer(third), true, "after the deferred ones went out, at once again");
  });

  it("answers the first connection at once and the second at the end of the iteration", async () => {
    const { one, two } = await secondConnectionDeferred();
    assert.deepEqual(statusLines(one.socket.text), ["HTTP/1.1 200"]);
    assert.equal(two.socket.calls.length, 0);
    // A lone connection answering again in the same iteration still writes at once.
    one.connection.receive(getRequest("/"), false);
    assert.equal(statusLines(one.socket.text).length, 2);
    await nextIteration();
    assert.match(two.socket.text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello$/);
    assert.equal(two.socket.calls.length, 1, "one write for the deferred answer");
  });

  it("keeps a deferred connection's answers in order and ends it after them", async () => {
    const { two } = await secondConnectionDeferred();
    // An async handler settles in a microtask; its answer joins the deferred output, then close.
    two.connection.receive(getRequest("/slow", "Connection: close\r\n"), false);
    await Promise.resolve();
    assert.equal(two.socket.calls.length, 0);
    await nextIteration();
    const { calls } = two.socket;
    assert.deepEqual(
      calls.map((call) => call[0]),
      ["write", "end"],
    );
    assert.match(calls[0]![1]!, /^HTTP\/1\.1 200 OK[\s\S]*hello(HTTP\/1\.1 200 OK[\s\S]*later)$/);
    assert.match(calls[0]![1]!, /Connection: close\r\n[\s\S]*later$/);
  });

  it("writes nothing for a connection destroyed before the iteration ends", async () => {
    const { two } = await secondConnectionDeferred();
    two.socket.destroy();
    await nextIteration();
    assert.deepEqual(two.socket.calls, []);
  });

  it("sends held-back output and a streamed body's head before the body's chunks", async () => {
    const { two } = await secondConnectionDeferred();
    two.connection.receive(getRequest("/stream"), false);
    // The stream's chunks come after a few microtasks; its head and the earlier answer must
    // already be on the socket, in that order, before any chunk.
    const text = await two.socket.written("chunk-2");
    const hello = text.indexOf("hello");
    const head = text.indexOf("Transfer-Encoding: chunked");
    const chunk = text.indexOf("chunk-1");
    assert.ok(hello > 0 && hello < head && head < chunk, text);
  });
});
