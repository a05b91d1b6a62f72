import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { defineWebSocketHelper, WSContext } from "hono/ws";
import { WebSocket as WsClient } from "ws";
import { createHonoWebSocket, serve } from "../../src/index.js";
import { waitUntil } from "../wire/harness.js";

/** A real Hono app using `upgradeWebSocket`, served by slow-serv, talked to by a `ws` client. */

describe("Hono's upgradeWebSocket on serve()", { timeout: 10_000 }, () => {
  it("echoes text and binary, passes close codes both ways, and answers plain routes", async () => {
    const { upgradeWebSocket, websocket } = createHonoWebSocket({
      defineWebSocketHelper,
      WSContext,
    });
    const closes: Array<[number, string]> = [];
    const opened: string[] = [];
    const app = new Hono();
    app.get("/", (c) => c.text("plain"));
    app.get(
      "/ws/:room",
      upgradeWebSocket((c) => {
        const room = c.req.param("room");
        return {
          onOpen(_event, ws) {
            opened.push(`${room} ${ws.readyState}`);
          },
          onMessage(event, ws) {
            if (event.data === "bye") ws.close(4001, "asked to leave");
            else if (typeof event.data === "string") ws.send(`${room}: ${event.data}`);
            else ws.send(new Uint8Array(event.data as ArrayBuffer).reverse());
          },
          onClose(event) {
            closes.push([event.code, event.reason]);
          },
        };
      }),
    );
    const server = await serve({ fetch: app.fetch, websocket, port: 0, logger: false });
    try {
      const plain = await fetch(`${server.url}/`);
      assert.equal(await plain.text(), "plain");
      // Not a handshake: the helper falls through and Hono answers 404.
      assert.equal((await fetch(`${server.url}/ws/lobby`)).status, 404);

      const client = new WsClient(`ws://127.0.0.1:${server.port}/ws/lobby`);
      await once(client, "open");
      assert.deepEqual(opened, ["lobby 1"]);
      client.send("hello");
      const [text] = (await once(client, "message")) as [Buffer, boolean];
      assert.equal(text.toString(), "lobby: hello");
      client.send(Buffer.from([1, 2, 3]));
      const [bytes, isBinary] = (await once(client, "message")) as [Buffer, boolean];
      assert.equal(isBinary, true);
      assert.deepEqual([...bytes], [3, 2, 1]);

      // The server closes: the client sees Hono's code and reason.
      client.send("bye");
      const [code, reason] = (await once(client, "close")) as [number, Buffer];
      assert.equal(code, 4001);
      assert.equal(reason.toString(), "asked to leave");
      // onClose runs when the server's socket is gone, which may be after the client's.
      await waitUntil(() => closes.length === 1);
      assert.deepEqual(closes, [[4001, "asked to leave"]]);

      // The client closes: onClose gets its code and reason.
      const second = new WsClient(`ws://127.0.0.1:${server.port}/ws/attic`);
      await once(second, "open");
      second.close(4002, "client done");
      await once(second, "close");
      await waitUntil(() => closes.length === 2);
      assert.deepEqual(closes[1], [4002, "client done"]);
    } finally {
      await server.close();
    }
  });

  it("sends an event's failure to onError, or closes with 1011 without one", async () => {
    const { upgradeWebSocket, websocket } = createHonoWebSocket({
      defineWebSocketHelper,
      WSContext,
    });
    const errors: string[] = [];
    const app = new Hono();
    app.get(
      "/caught",
      upgradeWebSocket(() => ({
        onMessage() {
          throw new Error("bad message");
        },
        onError(event, ws) {
          errors.push(String((event as Event & { error: Error }).error.message));
          ws.send("sorry");
        },
      })),
    );
    app.get(
      "/uncaught",
      upgradeWebSocket(() => ({
        async onMessage() {
          throw new Error("bad message");
        },
      })),
    );
    const server = await serve({ fetch: app.fetch, websocket, port: 0, logger: false });
    try {
      const caught = new WsClient(`ws://127.0.0.1:${server.port}/caught`);
      await once(caught, "open");
      caught.send("x");
      const [reply] = (await once(caught, "message")) as [Buffer];
      assert.equal(reply.toString(), "sorry");
      assert.deepEqual(errors, ["bad message"]);
      caught.close();

      const uncaught = new WsClient(`ws://127.0.0.1:${server.port}/uncaught`);
      await once(uncaught, "open");
      uncaught.send("x");
      const [code] = (await once(uncaught, "close")) as [number];
      assert.equal(code, 1011);
    } finally {
      await server.close();
    }
  });
});
