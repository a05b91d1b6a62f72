import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sessionApp } from "./helpers.js";

// RFC 9110 §9.2.1: GET, HEAD, OPTIONS and TRACE are safe, so the CSRF guard never checks them,
// even cross-site and without a token. A guard that treated OPTIONS as unsafe would turn every
// cross-site CORS preflight into a 403.

const CROSS_SITE = {
  host: "shop.example",
  origin: "https://evil.example",
  "sec-fetch-site": "cross-site",
};

function guardedApp() {
  const { app } = sessionApp({}, { csrf: true });
  app.route("/echo", (request) => `${request.method} ran`, { methods: ["GET", "TRACE", "POST"] });
  app.post("/transfer", () => "moved");
  return app;
}

describe("CSRF guard and safe methods", () => {
  test("a cross-site OPTIONS gets the router's automatic 204, not a 403", async () => {
    const app = guardedApp();
    const response = await app.inject({ method: "OPTIONS", url: "/transfer", headers: CROSS_SITE });
    assert.equal(response.status, 204);
    assert.match(response.headers.get("allow") ?? "", /\bPOST\b/);
  });

  test("a cross-site TRACE, GET and HEAD without a token reach the handler", async () => {
    const app = guardedApp();
    for (const method of ["TRACE", "GET"]) {
      const response = await app.inject({ method, url: "/echo", headers: CROSS_SITE });
      assert.equal(response.status, 200, method);
      assert.equal(response.text(), `${method} ran`);
    }
    const head = await app.inject({ method: "HEAD", url: "/echo", headers: CROSS_SITE });
    assert.equal(head.status, 200);
  });

  test("the same cross-site request with an unsafe method is refused", async () => {
    const app = guardedApp();
    const response = await app.inject({ method: "POST", url: "/echo", headers: CROSS_SITE });
    assert.equal(response.status, 403);
  });
});
