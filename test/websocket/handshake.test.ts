import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError, type Server } from "../../src/index.js";
import { withServer } from "../wire/harness.js";
import { handshakeRequest, RawWebSocket } from "./frames.js";
import { RawSocket } from "./raw-socket.js";

/** The opening handshake (RFC 6455 §4.2): checks, refusals, Origin, subprotocols, `upgrade`. */

function routes(app: Server): void {
  app.ws("/ws", { message: (ws, message) => ws.send(message) });
  app.ws("/chat", { message: () => {} }, { protocols: ["v2.chat", "v1.chat"] });
  app.ws("/partners", { message: () => {} }, { origins: ["https://partner.example"] });
  app.ws("/anyone", { message: () => {} }, { origins: "*" });
  app.ws("/slow", { upgrade: () => new Promise<never>(() => {}) }, { handshakeTimeout: 50 });
  app.ws("/rooms/:room", {
    upgrade(request, response) {
      if (request.cookies.user === undefined) throw new HttpError(401, "Sign in first");
      response.cookies.set("seen", "yes");
      return { room: request.params.room, user: request.cookies.user };
    },
    open(ws) {
      // ws.data is typed from upgrade's return value.
      const data: { room: string; user: string } = ws.data;
      ws.send(`${data.user} joined ${data.room}`);
    },
  });
}

async function answer(port: number, request: string): Promise<string> {
  const client = await RawSocket.connect(port);
  client.write(request);
  await client.untilText("\r\n\r\n");
  client.destroy();
  return client.text();
}

describe("WebSocket handshake", { timeout: 15_000 }, () => {
  it("refuses what RFC 6455 §4.2.1 forbids, with the right status", async () => {
    await withServer(routes, async ({ port }) => {
      const version8 = await answer(
        port,
        handshakeRequest("/ws", { "Sec-WebSocket-Version": "8" }),
      );
      assert.match(version8, /^HTTP\/1\.1 426 /);
      assert.match(version8, /\r\nsec-websocket-version: 13\r\n/i);
      assert.match(
        await answer(port, handshakeRequest("/ws", { "Sec-WebSocket-Version": "" })),
        /^HTTP\/1\.1 400 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/ws", { "Sec-WebSocket-Key": "" })),
        /^HTTP\/1\.1 400 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/ws", { "Sec-WebSocket-Key": "short==" })),
        /^HTTP\/1\.1 400 /,
      );
      assert.match(
        await answer(
          port,
          handshakeRequest("/ws", {
            "Sec-WebSocket-Extensions": 'permessage-deflate; x="unterminated',
          }),
        ),
        /^HTTP\/1\.1 400 /,
      );
      const plain = await answer(port, "GET /ws HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.match(plain, /^HTTP\/1\.1 426 /);
      assert.match(plain, /\r\nupgrade: websocket\r\n/i);
      assert.match(
        await answer(port, handshakeRequest("/ws", { Upgrade: "h2c" })),
        /^HTTP\/1\.1 426 /,
      );
      const post = await answer(port, handshakeRequest("/ws").replace("GET", "POST"));
      assert.match(post, /^HTTP\/1\.1 405 /);
    });
  });

  it("refuses a cross-site Origin with 403 unless allowed", async () => {
    await withServer(routes, async ({ port }) => {
      assert.match(
        await answer(port, handshakeRequest("/ws", { Origin: "https://evil.example" })),
        /^HTTP\/1\.1 403 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/ws", { Origin: "null" })),
        /^HTTP\/1\.1 403 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/ws", { Origin: "http://127.0.0.1" })),
        /^HTTP\/1\.1 101 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/partners", { Origin: "https://partner.example" })),
        /^HTTP\/1\.1 101 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/partners", { Origin: "https://other.example" })),
        /^HTTP\/1\.1 403 /,
      );
      assert.match(
        await answer(port, handshakeRequest("/anyone", { Origin: "https://evil.example" })),
        /^HTTP\/1\.1 101 /,
      );
    });
  });

  it("selects the route's preferred subprotocol among the client's, or none", async () => {
    await withServer(routes, async ({ port }) => {
      const both = await answer(
        port,
        handshakeRequest("/chat", { "Sec-WebSocket-Protocol": "v1.chat, v2.chat" }),
      );
      assert.match(both, /\r\nSec-WebSocket-Protocol: v2\.chat\r\n/);
      const neither = await answer(
        port,
        handshakeRequest("/chat", { "Sec-WebSocket-Protocol": "mqtt" }),
      );
      assert.match(neither, /^HTTP\/1\.1 101 /);
      assert.doesNotMatch(neither, /Sec-WebSocket-Protocol/);
    });
  });

  it("runs upgrade(request): params and cookies there, HttpError refuses, cookies go out with the 101", async () => {
    await withServer(routes, async ({ port }) => {
      assert.match(await answer(port, handshakeRequest("/rooms/lobby")), /^HTTP\/1\.1 401 /);
      const client = await RawWebSocket.open(port, "/rooms/lobby", { Cookie: "user=ada" });
      assert.match(client.response, /\r\nset-cookie: seen=yes/i);
      const [greeting] = await client.frames(1);
      assert.equal(greeting!.payload.toString(), "ada joined lobby");
      client.raw.destroy();
    });
  });

  it("fails with 503 when upgrade(request) takes longer than handshakeTimeout", async () => {
    await withServer(routes, async ({ port }) => {
      assert.match(await answer(port, handshakeRequest("/slow")), /^HTTP\/1\.1 503 /);
    });
  });
});
