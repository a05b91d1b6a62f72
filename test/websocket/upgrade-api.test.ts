import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { HttpError } from "../../src/index.js";
import { tlsFixture, waitUntil, withServer } from "../wire/harness.js";
import { RawSocket } from "./raw-socket.js";

/** `app.upgrade(path, (request, socket, head) => …)`: the generic hand-off, with `ws` attached. */

describe("app.upgrade with the ws package in noServer mode", { timeout: 15_000 }, () => {
  it("lets ws take the socket and talk to a ws client, with route params and hooks", async () => {
    const wss = new WebSocketServer({ noServer: true });
    const rooms: string[] = [];
    await withServer(
      (app) => {
        app.before((request) => {
          if (request.query.token === "no") throw new HttpError(401, "No entry");
          request.state.user = "ada";
        });
        app.upgrade(
          "/rooms/:room",
          (request, socket, head, context) => {
            rooms.push(context.params.room);
            wss.handleUpgrade(request, socket, head, (ws) => {
              ws.on("message", (data, binary) => {
                ws.send(`${String(context.state.user)}@${context.params.room}: ${String(data)}`, {
                  binary,
                });
              });
            });
          },
          { protocol: "websocket" },
        );
      },
      async ({ port, app }) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/rooms/lobby`);
        await once(client, "open");
        client.send("hello");
        const [reply] = (await once(client, "message")) as [Buffer];
        assert.equal(reply.toString(), "ada@lobby: hello");
        assert.deepEqual(rooms, ["lobby"]);
        assert.equal(app.engine.sessionCount, 1);
        client.close(1000, "bye");
        const [code] = (await once(client, "close")) as [number];
        assert.equal(code, 1000);
        await waitUntil(() => app.engine.sessionCount === 0);

        // A before hook refuses before any hand-off.
        const refused = new WebSocket(`ws://127.0.0.1:${port}/rooms/lobby?token=no`);
        refused.on("error", () => {});
        const [, response] = (await once(refused, "unexpected-response")) as [
          unknown,
          { statusCode: number },
        ];
        assert.equal(response.statusCode, 401);
        refused.terminate();
      },
    );
    wss.close();
  });

  it("works over TLS (wss:)", async () => {
    const wss = new WebSocketServer({ noServer: true });
    await withServer(
      (app) => {
        app.upgrade("/echo", (request, socket, head) => {
          wss.handleUpgrade(request, socket, head, (ws) => {
            ws.on("message", (data) => ws.send(data));
          });
        });
      },
      async ({ port }) => {
        const client = new WebSocket(`wss://127.0.0.1:${port}/echo`, { rejectUnauthorized: false });
        await once(client, "open");
        client.send("secure");
        const [reply] = (await once(client, "message")) as [Buffer];
        assert.equal(reply.toString(), "secure");
        client.close();
        await once(client, "close");
      },
      {},
      { tls: tlsFixture() },
    );
    wss.close();
  });

  it("answers a request that does not ask to upgrade with 426 naming the protocol", async () => {
    await withServer(
      (app) => {
        app.upgrade("/ws", () => assert.fail("not an upgrade"), { protocol: "websocket" });
        app.upgrade("/raw", () => assert.fail("not an upgrade"));
      },
      async ({ port }) => {
        const client = await RawSocket.connect(port);
        client.write("GET /ws HTTP/1.1\r\nHost: x\r\n\r\nGET /raw HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.untilText("HTTP/1.1 400");
        const text = client.text();
        assert.match(text, /^HTTP\/1\.1 426 Upgrade Required\r\n/);
        assert.match(text, /\r\nupgrade: websocket\r\n/i);
        client.destroy();
      },
    );
  });
});
