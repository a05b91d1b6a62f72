import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ProxyTrust } from "../../src/app/proxy.js";
import { Server } from "../../src/index.js";

// request.origin: what the CSRF guard compares `Origin` with, so the server's own origin exactly
// as a browser would serialise it, and never taken from headers the server does not trust.

function originApp(trustProxy: ProxyTrust = false): Server {
  const app = new Server({ trustProxy });
  app.get("/origin", (request) => request.origin);
  return app;
}

async function originOf(
  app: Server,
  headers: Record<string, string>,
  options: { encrypted?: boolean; remoteAddress?: string } = {},
): Promise<string> {
  const response = await app.inject({ url: "/origin", headers, ...options });
  assert.equal(response.status, 200);
  return response.text();
}

describe("request.origin", () => {
  test("is the Host header with its port, lowercased, the default port dropped", async () => {
    const app = originApp();
    assert.equal(await originOf(app, { host: "Shop.Example:8080" }), "http://shop.example:8080");
    assert.equal(await originOf(app, { host: "shop.example:80" }), "http://shop.example");
    assert.equal(await originOf(app, { host: "[::1]:8443" }), "http://[::1]:8443");
    const tls = { encrypted: true };
    assert.equal(await originOf(app, { host: "shop.example:443" }, tls), "https://shop.example");
    assert.equal(await originOf(app, { host: "shop.example:80" }, tls), "https://shop.example:80");
  });

  test("ignores forwarding headers unless the peer is trusted", async () => {
    const forwarded = {
      host: "internal:3000",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "shop.example:8443",
    };
    assert.equal(await originOf(originApp(), forwarded), "http://internal:3000");
    const trusting = originApp("loopback");
    assert.equal(
      await originOf(trusting, forwarded, { remoteAddress: "127.0.0.1" }),
      "https://shop.example:8443",
    );
    assert.equal(
      await originOf(trusting, forwarded, { remoteAddress: "192.0.2.9" }),
      "http://internal:3000",
    );
  });

  test("is null for an HTTP/1.0 request without a host", async () => {
    const app = originApp();
    const [response] = await app.inject("GET /origin HTTP/1.0\r\n\r\n");
    assert.equal(response?.body.toString(), "null");
  });
});
