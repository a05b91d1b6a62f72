import assert from "node:assert/strict";
import { once } from "node:events";
import { connect, createServer, Socket } from "node:net";
import { describe, it } from "node:test";
import { readIntoSharedBuffer } from "../../src/wire/shared-reads.js";
import {
  detachSocket,
  type EngineSession,
  type SessionHost,
  startSession,
} from "../../src/wire/upgrade.js";

/**
 * The hand-off itself (src/wire/upgrade.ts) without a server: which session the host adopts,
 * what happens when the protocol's function throws or closes the socket, and what detaching
 * leaves on the socket. upgrade-seam.test.ts drives the same code over TCP and TLS.
 */

class Host implements SessionHost {
  adopted: Array<[Socket, EngineSession]> = [];
  errors: unknown[] = [];
  adoptSession(socket: Socket, session: EngineSession): void {
    this.adopted.push([socket, session]);
  }
  reportError(error: unknown): void {
    this.errors.push(error);
  }
}

const noop: EngineSession = { sweep() {}, shutdown() {}, destroy() {} };

describe("startSession", () => {
  it("adopts the session the protocol returns, with the held bytes passed on", () => {
    const socket = new Socket();
    const host = new Host();
    const heads: Buffer[] = [];
    startSession(
      socket,
      Buffer.from("early"),
      (given, head) => {
        assert.equal(given, socket);
        heads.push(head);
        return noop;
      },
      host,
    );
    assert.deepEqual(heads, [Buffer.from("early")]);
    assert.deepEqual(host.adopted, [[socket, noop]]);
    assert.deepEqual(host.errors, []);
    socket.destroy();
  });

  it("adopts a raw session that only the shutdown's end destroys when the protocol returns none", () => {
    const socket = new Socket();
    const host = new Host();
    startSession(socket, Buffer.alloc(0), () => undefined, host);
    assert.equal(host.adopted.length, 1);
    const [adoptedSocket, session] = host.adopted[0]!;
    assert.equal(adoptedSocket, socket);
    assert.notEqual(session, undefined);
    session.sweep(Date.now());
    session.shutdown();
    assert.equal(socket.destroyed, false, "sweep and shutdown leave the socket alone");
    session.destroy();
    assert.equal(socket.destroyed, true);
  });

  it("reports a throwing protocol and destroys the socket, adopting nothing", () => {
    const socket = new Socket();
    const host = new Host();
    const failure = new Error("protocol broke");
    startSession(
      socket,
      Buffer.alloc(0),
      () => {
        throw failure;
      },
      host,
    );
    assert.deepEqual(host.errors, [failure]);
    assert.deepEqual(host.adopted, []);
    assert.equal(socket.destroyed, true);
  });

  it("adopts nothing when the protocol destroyed the socket itself", () => {
    const socket = new Socket();
    const host = new Host();
    startSession(
      socket,
      Buffer.alloc(0),
      (given) => {
        given.destroy();
        return noop;
      },
      host,
    );
    assert.deepEqual(host.adopted, []);
    assert.deepEqual(host.errors, []);
  });
});

describe("detachSocket", () => {
  it("removes exactly the given listeners and leaves reads neither flowing nor paused", () => {
    const socket = new Socket();
    const mine = (): void => {};
    const theirs = (): void => {};
    const ownEnd = socket.listeners("end");
    socket.on("data", mine);
    socket.on("end", mine);
    socket.on("data", theirs);
    socket.pause();
    assert.equal(socket.readableFlowing, false);
    detachSocket(socket, [
      ["data", mine],
      ["end", mine],
    ]);
    assert.deepEqual(socket.listeners("data"), [theirs]);
    assert.deepEqual(socket.listeners("end"), ownEnd);
    assert.equal(socket.readableFlowing, null);
    socket.destroy();
  });

  it("gives a socket on the shared read buffer its reads back as 'data' events", {
    timeout: 5000,
  }, async (t) => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    const client = connect(port, "127.0.0.1");
    try {
      const [socket] = (await once(server, "connection")) as [Socket];
      const early: string[] = [];
      if (
        !readIntoSharedBuffer(socket, (bytes, buffer) =>
          early.push(buffer.toString("latin1", 0, bytes)),
        )
      ) {
        socket.destroy();
        t.skip("no user-buffer reads on this Node (or SLOW_SERV_SHARED_READS=0)");
        return;
      }
      detachSocket(socket, []);
      const data = once(socket, "data");
      client.write("after the hand-off");
      const [chunk] = (await data) as [Buffer];
      assert.equal(chunk.toString(), "after the hand-off");
      assert.deepEqual(early, []);
      socket.destroy();
    } finally {
      client.destroy();
      server.close();
    }
  });
});
