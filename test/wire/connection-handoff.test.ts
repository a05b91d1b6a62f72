import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { Connection, type ConnectionOwner } from "../../src/wire/connection.js";
import { resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";
import { RawClient } from "./client.js";
import { GET, withEngine } from "./connection-engine.js";
import { waitUntil } from "./harness.js";

/**
 * The upgrade hand-off as the connection sees it, pinned where test/websocket/upgrade-seam leaves
 * it open (found by mutation testing, docs/mutation/connection.md): what the response says after
 * the socket left, and the two refusals with their messages.
 */

const UPGRADE = "GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n";

describe("connection: the upgrade hand-off", { timeout: 15_000 }, () => {
  it("marks the response sent and finished once the socket is handed over", async () => {
    const seen: string[] = [];
    await withEngine(
      (_request, response) => {
        response.upgrade = (socket) => {
          seen.push(`sent=${response.headersSent} finished=${response.finished}`);
          socket.end("switched");
        };
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(UPGRADE);
        const raw = (await client.untilClosed()).toString("latin1");
        assert.equal(raw, "switched");
        assert.deepEqual(seen, ["sent=true finished=true"]);
      },
    );
  });

  it("leaves every event of the handed-over socket to the new protocol, 'drain' too", async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    await withEngine(
      (_request, response) => {
        response.upgrade = (socket) => {
          // Writes until the socket is full (the client is paused), so it emits 'drain' later.
          while (sent < 1024 * chunk.length) {
            sent += chunk.length;
            if (!socket.write(chunk)) break;
          }
          socket.once("drain", () => socket.end("drained"));
        };
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.socket.pause();
        client.write(UPGRADE);
        await waitUntil(() => sent > 0);
        client.socket.resume();
        const raw = await client.untilClosed();
        assert.ok(sent < 1024 * chunk.length, "the socket never filled");
        assert.equal(raw.length, sent + "drained".length);
        assert.equal(raw.subarray(sent).toString(), "drained");
      },
    );
  });

  it("refuses response.upgrade on a request that did not ask, with the reason", async () => {
    await withEngine(
      (_request, response) => {
        response.upgrade = () => assert.fail("must not be called");
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        const message = "response.upgrade was set for a request that did not ask to upgrade";
        assert.equal(response.status, 500);
        assert.equal(response.body.toString(), message);
        assert.equal((errors[0] as Error).message, message);
        client.destroy();
      },
    );
  });

  it("refuses an upgrade on a connection whose owner cannot take sockets", async () => {
    const errors: unknown[] = [];
    // A connection with no engine behind it: its owner has no connectionUpgraded.
    const owner: ConnectionOwner = {
      limits: resolveLimits({}),
      timeouts: resolveTimeouts({}),
      closing: false,
      connectionClosed: () => {},
    };
    const server = net.createServer((socket) => {
      new Connection(
        socket,
        owner,
        {
          createRequest: (head, body, connection) => new WireRequest(head, body, connection),
          createResponse: () => new WireResponse(),
          handle(_request, response) {
            response.upgrade = () => assert.fail("must not be called");
          },
          handleError(error, _request, response) {
            errors.push(error);
            response.status = 500;
            response.body = (error as Error).message;
          },
          reportError: (error) => errors.push(error),
        },
        Date.now(),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const client = await RawClient.connect((server.address() as net.AddressInfo).port);
      client.write(UPGRADE);
      const response = await client.response();
      const message = "This connection cannot be upgraded (no engine behind it)";
      assert.equal(response.status, 500);
      assert.equal(response.body.toString(), message);
      assert.equal(errors.length, 1);
      client.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
