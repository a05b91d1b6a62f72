import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, CookieJar, Server, testClient } from "../../src/index.js";
import { KEY_A } from "../session/helpers.js";
import { ManualClock } from "./helpers.js";

function shop(): Server {
  const app = new Server({ logger: false, session: { keys: [KEY_A] }, csrf: true });
  app.get("/token", (request) => request.session.csrfToken());
  app.post("/login", async (request) => {
    const form = await request.form();
    request.session.member = String(form.fields.user);
    return "signed in";
  });
  app.get("/me", (request) => ({ user: request.session.member ?? null }));
  app.post("/logout", (request) => {
    request.session.destroy();
    return "signed out";
  });
  return app;
}

describe("testClient", () => {
  test("sign in, then the next call carries the session; sign out forgets it", async () => {
    const client = testClient(shop());
    const token = (await client.get("/token")).text();
    const login = await client.post("/login", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `user=ada&_csrf=${encodeURIComponent(token)}`,
    });
    assert.equal(login.status, 200);
    assert.deepEqual((await client.get("/me")).json(), { user: "ada" });
    // Another client is another browser.
    assert.deepEqual((await testClient(shop()).get("/me")).json(), { user: null });
    const logout = await client.post("/logout", { headers: { "x-csrf-token": token } });
    assert.equal(logout.status, 200);
    assert.deepEqual((await client.get("/me")).json(), { user: null });
    // An explicit cookie header wins over the jar.
    const explicit = await client.get("/me", { headers: { cookie: "other=1" } });
    assert.deepEqual(explicit.json(), { user: null });
  });

  test("Path, Max-Age, Expires and Secure are honoured", async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const app = new Server({ logger: false });
    app.get("/set", (_request, response) => {
      response.headers.append("set-cookie", "root=1; Path=/");
      response.headers.append("set-cookie", "admin=2; Path=/admin");
      response.headers.append("set-cookie", "short=3; Max-Age=60");
      response.headers.append("set-cookie", "dated=4; Expires=Thu, 01 Jan 2026 00:10:00 GMT");
      response.headers.append("set-cookie", "secure=5; Secure");
      return "set";
    });
    app.get("/admin/panel", (request) => request.headers.get("cookie") ?? "");
    app.get("/administrators", (request) => request.headers.get("cookie") ?? "");
    app.get("/echo", (request) => request.headers.get("cookie") ?? "");
    app.get("/forget", (_request, response) => {
      response.cookies.delete("root");
      return "gone";
    });

    const http = testClient(app, { clock: clock.read });
    await http.get("/set");
    // Secure cookies are neither kept from nor sent over plain http.
    assert.equal((await http.get("/echo")).text(), "root=1; short=3; dated=4");
    assert.equal((await http.get("/admin/panel")).text(), "admin=2; root=1; short=3; dated=4");
    assert.equal((await http.get("/administrators")).text(), "root=1; short=3; dated=4");
    clock.advance(61_000);
    assert.equal((await http.get("/echo")).text(), "root=1; dated=4", "Max-Age passed");
    clock.advance(10 * 60_000);
    assert.equal((await http.get("/echo")).text(), "root=1", "Expires passed");
    await http.get("/forget");
    assert.equal((await http.get("/echo")).text(), "", "deleted by the server");

    const https = testClient(app, { baseUrl: "https://shop.example", clock: clock.read });
    await https.get("/set");
    assert.match((await https.get("/echo")).text(), /secure=5/);
  });

  test("the base URL's host and scheme reach the app", async () => {
    const app = new Server({ logger: false });
    app.get("/where", (request) => `${request.protocol}://${request.host}`);
    const client = testClient(app, { baseUrl: "https://shop.example" });
    assert.equal((await client.get("/where")).text(), "https://shop.example");
    assert.throws(() => testClient(app, { baseUrl: "ftp://x" }), ConfigError);
    await assert.rejects(client.get("where"), /start with "\/"/);
  });
});

describe("CookieJar", () => {
  const url = new URL("https://a.shop.example/docs/page");

  test("default path, Domain matching and replacement", () => {
    const jar = new CookieJar(() => 0);
    jar.setCookie("a=1", url); // default path /docs
    jar.setCookie("b=2; Domain=shop.example; Path=/", url);
    jar.setCookie("c=3; Domain=other.example", url); // refused: not this host's domain
    jar.setCookie("novalue", url); // malformed: ignored
    assert.equal(jar.cookieHeader(url), "a=1; b=2");
    assert.equal(jar.cookieHeader(new URL("https://b.shop.example/")), "b=2");
    assert.equal(jar.cookieHeader(new URL("https://a.shop.example/")), "b=2");
    jar.setCookie("b=changed; Domain=shop.example; Path=/", url);
    assert.equal(jar.get("b", url), "changed");
    assert.equal(jar.size, 2);
    jar.setCookie("b=; Max-Age=0; Domain=shop.example; Path=/", url);
    assert.equal(jar.cookieHeader(url), "a=1");
    jar.clear();
    assert.equal(jar.cookieHeader(url), undefined);
  });
});
