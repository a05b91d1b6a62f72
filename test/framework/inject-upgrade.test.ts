import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INJECT_UPGRADE_MESSAGE } from "../../src/app/inject.js";
import { HttpError, Server } from "../../src/index.js";

/**
 * An upgrade route served in memory: `inject()` has no socket to hand over, so the switch is
 * answered 501 with a message that says how to test it, and the route's refusals still show.
 */

const WEBSOCKET_HEADERS = {
  connection: "Upgrade",
  upgrade: "websocket",
  "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
  "sec-websocket-version": "13",
};

function app(): Server {
  const server = new Server({ logger: false });
  server.ws("/chat", {
    upgrade(request) {
      if (request.query.name === undefined) throw new HttpError(401, "Say who you are");
      return { name: request.query.name };
    },
    message() {},
  });
  server.upgrade("/raw", (_request, socket) => socket.destroy(), { protocol: "x-raw" });
  server.get("/", () => "home");
  return server;
}

describe("inject() and upgrade routes", () => {
  it("answers a WebSocket handshake with 501 naming the way to test it", async () => {
    const server = app();
    const response = await server.inject({ url: "/chat?name=ada", headers: WEBSOCKET_HEADERS });
    assert.equal(response.status, 501);
    assert.equal(response.statusText, "Not Implemented");
    assert.ok(response.text().includes(INJECT_UPGRADE_MESSAGE), response.text());
    assert.match(INJECT_UPGRADE_MESSAGE, /app\.run\(\{ port: 0 \}\)/);
  });

  it("answers an app.upgrade() route with 501 too", async () => {
    const response = await app().inject({
      url: "/raw",
      headers: { connection: "Upgrade", upgrade: "x-raw" },
    });
    assert.equal(response.status, 501);
    assert.ok(response.text().includes(INJECT_UPGRADE_MESSAGE), response.text());
  });

  it("still shows the route's own refusals, and serves the next request on the connection", async () => {
    const server = app();
    const refused = await server.inject({ url: "/chat", headers: WEBSOCKET_HEADERS });
    assert.equal(refused.status, 401);
    const plain = await server.inject({ url: "/chat" });
    assert.equal(plain.status, 426);
    const [upgrade, next] = await server.inject(
      "GET /raw HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: x-raw\r\n\r\n" +
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert.equal(upgrade!.status, 501);
    assert.equal(next?.status, 200);
    assert.equal(next?.text(), "home");
  });
});
