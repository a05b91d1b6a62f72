import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CsrfOptions } from "../../src/index.js";
import { Browser, sessionApp } from "./helpers.js";

const HOST = "shop.example";
const SELF = `http://${HOST}`;

/** A browser with a session and a token from the form page; `post` sends with its cookies. */
async function setup(csrf: true | CsrfOptions = true, serverOptions = {}) {
  const { app } = sessionApp({}, { csrf, ...serverOptions });
  app.get("/form", (request) => {
    request.session.user = "ada";
    return request.session.csrfToken();
  });
  app.post("/transfer", async (request) => {
    // The guard read the form first; the handler still gets all of it.
    const form = request.contentType === undefined ? undefined : await request.form();
    return `done ${String(form?.fields.amount ?? "")}`;
  });
  app.get("/transfer", () => "GET is never checked");
  const browser = new Browser(app, { headers: { host: HOST } });
  const token = (await browser.request("/form")).text();
  return { app, browser, token };
}

const FORM = "application/x-www-form-urlencoded";

describe("CSRF protection", () => {
  test("the token in the header or in a urlencoded form field is accepted", async () => {
    const { browser, token } = await setup();
    const byHeader = await browser.request("/transfer", {
      method: "POST",
      headers: { "x-csrf-token": token, "sec-fetch-site": "same-origin" },
    });
    assert.equal(byHeader.status, 200);
    const byField = await browser.request("/transfer", {
      method: "POST",
      headers: { "content-type": FORM, origin: SELF },
      body: `amount=10&_csrf=${token}`,
    });
    assert.equal(byField.status, 200);
    assert.equal(byField.text(), "done 10");
  });

  test("the token in a multipart field is accepted and the handler still reads the form", async () => {
    const { browser, token } = await setup();
    const boundary = "xyzBOUNDARYzyx";
    const body =
      `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${token}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="amount"\r\n\r\n25\r\n--${boundary}--\r\n`;
    const response = await browser.request("/transfer", {
      method: "POST",
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    assert.equal(response.status, 200);
    assert.equal(response.text(), "done 25");
  });

  test("tokens are masked freshly on every render, and each one verifies", async () => {
    const { browser } = await setup();
    const tokens = new Set<string>();
    for (let i = 0; i < 5; i++) tokens.add((await browser.request("/form")).text());
    assert.equal(tokens.size, 5);
    for (const token of tokens) {
      const response = await browser.request("/transfer", {
        method: "POST",
        headers: { "x-csrf-token": token },
      });
      assert.equal(response.status, 200);
    }
  });

  test("missing, wrong, other-session and malformed tokens are refused with 403", async () => {
    const { app, browser, token } = await setup();
    const otherToken = (
      await new Browser(app, { headers: { host: HOST } }).request("/form")
    ).text();
    const flipped = token.slice(0, 10) + (token[10] === "a" ? "b" : "a") + token.slice(11);
    const cases: Array<[string, Record<string, string>, string | undefined]> = [
      ["no token at all", {}, undefined],
      ["a token from another session", { "x-csrf-token": otherToken }, undefined],
      ["one character changed", { "x-csrf-token": flipped }, undefined],
      ["not base64url", { "x-csrf-token": "!".repeat(86) }, undefined],
      ["the wrong field name", { "content-type": FORM }, `csrf=${token}`],
      ["two token fields", { "content-type": FORM }, `_csrf=${token}&_csrf=${token}`],
      [
        "JSON body (no form field read)",
        { "content-type": "application/json" },
        `{"_csrf":"${token}"}`,
      ],
    ];
    for (const [name, headers, body] of cases) {
      const response = await browser.request("/transfer", {
        method: "POST",
        headers: { accept: "text/plain", ...headers },
        body,
      });
      assert.equal(response.status, 403, name);
      assert.match(response.text(), /CSRF token missing or invalid/, name);
    }
    // Without any session cookie there is no secret to match.
    const anonymous = await app.inject({
      method: "POST",
      url: "/transfer",
      headers: { host: HOST, "x-csrf-token": token },
    });
    assert.equal(anonymous.status, 403);
  });

  test("cross-site requests are refused before the token is even looked at", async () => {
    const { browser, token } = await setup();
    const cases: Array<[string, Record<string, string>]> = [
      ["Sec-Fetch-Site: cross-site", { "sec-fetch-site": "cross-site", origin: SELF }],
      ["Sec-Fetch-Site: same-site", { "sec-fetch-site": "same-site" }],
      ["a foreign Origin", { origin: "https://evil.example" }],
      ["Origin: null (sandboxed frame)", { origin: "null" }],
      ["same host, other scheme", { origin: `https://${HOST}` }],
      ["same host, other port", { origin: `${SELF}:8080` }],
      ["a foreign Referer", { referer: "https://evil.example/page" }],
      ["an unparsable Referer", { referer: "::::" }],
    ];
    for (const [name, headers] of cases) {
      const response = await browser.request("/transfer", {
        method: "POST",
        headers: { accept: "text/plain", "x-csrf-token": token, ...headers },
      });
      assert.equal(response.status, 403, name);
      assert.match(response.text(), /Cross-site request refused/, name);
    }
    const allowed: Array<[string, Record<string, string>]> = [
      ["Sec-Fetch-Site: same-origin", { "sec-fetch-site": "same-origin" }],
      ["Sec-Fetch-Site: none (typed in the address bar)", { "sec-fetch-site": "none" }],
      ["own Origin", { origin: SELF }],
      ["own Origin with the default port", { origin: `${SELF}:80` }],
      ["own Referer", { referer: `${SELF}/form?x=1` }],
      ["no Origin nor Referer (not a browser)", {}],
    ];
    for (const [name, headers] of allowed) {
      const response = await browser.request("/transfer", {
        method: "POST",
        headers: { "x-csrf-token": token, ...headers },
      });
      assert.equal(response.status, 200, name);
    }
  });

  test("every unsafe method is checked; safe methods never are", async () => {
    const { app } = sessionApp({}, { csrf: true });
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      app.route("/thing", () => "changed", { methods: [method] });
    }
    app.get("/thing", () => "read");
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      assert.equal((await app.inject({ method, url: "/thing" })).status, 403, method);
    }
    for (const method of ["GET", "HEAD"]) {
      const response = await app.inject({
        method,
        url: "/thing",
        headers: { "sec-fetch-site": "cross-site" },
      });
      assert.equal(response.status, 200, method);
    }
  });

  test("behind a trusted proxy the forwarded scheme and host are the request's origin", async () => {
    const { browser, token } = await setup(true, { trustProxy: true });
    const forwarded = { "x-forwarded-proto": "https", "x-forwarded-host": "www.example.com" };
    const ok = await browser.request("/transfer", {
      method: "POST",
      headers: { ...forwarded, origin: "https://www.example.com", "x-csrf-token": token },
    });
    // The session cookie was set over plain HTTP, so over "https" a new (empty) session is used:
    // the origin check passes and the token check is what refuses it.
    assert.equal(ok.status, 403);
    assert.match(ok.text(), /CSRF token/);
    const crossSite = await browser.request("/transfer", {
      method: "POST",
      headers: { ...forwarded, origin: SELF, "x-csrf-token": token, accept: "text/plain" },
    });
    assert.match(crossSite.text(), /Cross-site request refused/);
  });

  test("options: custom header and field names, trusted origins, exemptions", async () => {
    const { browser, token } = await setup({
      header: "X-Token",
      field: "authenticity",
      trustedOrigins: ["https://admin.shop.example"],
      exempt: (request) => request.path.startsWith("/api/"),
    });
    const send = (headers: Record<string, string>, body?: string) =>
      browser.request("/transfer", { method: "POST", headers, body });
    assert.equal((await send({ "x-token": token })).status, 200);
    assert.equal((await send({ "x-csrf-token": token })).status, 403);
    assert.equal((await send({ "content-type": FORM }, `authenticity=${token}`)).status, 200);
    const sameSite = { "sec-fetch-site": "same-site", "x-token": token };
    assert.equal(
      (await send({ ...sameSite, origin: "https://admin.shop.example" })).status,
      200,
      "a trusted same-site origin",
    );
    assert.equal((await send({ ...sameSite, origin: "https://blog.shop.example" })).status, 403);
    assert.equal(
      (await send({ origin: "https://admin.shop.example", "x-token": token })).status,
      200,
    );
  });

  test("exempt requests skip the token check but not the cross-site refusal", async () => {
    const { app } = sessionApp({}, { csrf: { exempt: (request) => request.path === "/hook" } });
    app.post("/hook", () => "accepted");
    assert.equal((await app.inject({ method: "POST", url: "/hook" })).status, 200);
    const crossSite = await app.inject({
      method: "POST",
      url: "/hook",
      headers: { "sec-fetch-site": "cross-site" },
    });
    assert.equal(crossSite.status, 403);
  });
});
