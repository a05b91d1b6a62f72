import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Server } from "../../src/index.js";
import { Browser, parseSetCookie, sessionApp } from "./helpers.js";

function counterApp() {
  const setup = sessionApp();
  const { app } = setup;
  app.get("/count", (request) => {
    const count = Number(request.session.count ?? 0) + 1;
    request.session.count = count;
    return `count ${count}`;
  });
  app.get("/read", (request) => `count ${String(request.session.count ?? 0)}`);
  app.get("/plain", () => "no session here");
  app.get("/id", (request) => request.session.sessionId);
  return setup;
}

describe("session basics over HTTP", () => {
  test("a request that never touches the session gets no cookie and stays cacheable", async () => {
    const { app } = counterApp();
    const response = await app.inject({ url: "/plain" });
    assert.equal(response.status, 200);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(response.headers.get("vary"), null);
    assert.equal(response.headers.get("cache-control"), null);
  });

  test("reading an empty session sets no cookie but marks the response private", async () => {
    const { app } = counterApp();
    const response = await app.inject({ url: "/read" });
    assert.equal(response.text(), "count 0");
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(response.headers.get("vary"), "Cookie");
    assert.equal(response.headers.get("cache-control"), "private, no-store");
  });

  test("the counter increments across requests and read-only requests write nothing", async () => {
    const { app } = counterApp();
    const browser = new Browser(app);
    for (const expected of [1, 2, 3]) {
      const response = await browser.request("/count");
      assert.equal(response.text(), `count ${expected}`);
      assert.equal(response.headers.getSetCookie().length, 1);
      assert.equal(response.headers.get("cache-control"), "private, no-store");
    }
    const before = browser.cookieHeader();
    const read = await browser.request("/read");
    assert.equal(read.text(), "count 3");
    assert.deepEqual(read.headers.getSetCookie(), []);
    assert.equal(read.headers.get("vary"), "Cookie");
    assert.equal(browser.cookieHeader(), before);
    // The session id is stable while nothing regenerates it.
    const first = (await browser.request("/id")).text();
    assert.equal((await browser.request("/id")).text(), first);
  });

  test("cookie attributes over plain HTTP: HttpOnly, SameSite=Lax, Path=/, no Secure", async () => {
    const { app } = counterApp();
    const [line] = (await app.inject({ url: "/count" })).headers.getSetCookie();
    const cookie = parseSetCookie(line!);
    assert.equal(cookie.name, "session");
    assert.match(cookie.value, /^[A-Za-z0-9_-]+$/);
    assert.ok(cookie.attributes.includes("HttpOnly"));
    assert.ok(cookie.attributes.includes("SameSite=Lax"));
    assert.ok(cookie.attributes.includes("Path=/"));
    assert.ok(!cookie.attributes.includes("Secure"));
    assert.ok(!cookie.attributes.some((a) => a.startsWith("Domain")));
    // Max-Age follows the idle timeout (24 h by default).
    assert.ok(cookie.attributes.includes("Max-Age=86400"));
  });

  const secureCases = [
    { name: "a TLS connection", app: {}, init: { encrypted: true }, secure: true },
    {
      name: "X-Forwarded-Proto: https from a trusted proxy",
      app: { trustProxy: true },
      init: { headers: { "x-forwarded-proto": "https" } },
      secure: true,
    },
    {
      name: "X-Forwarded-Proto: https without trustProxy (spoofable, ignored)",
      app: {},
      init: { headers: { "x-forwarded-proto": "https" } },
      secure: false,
    },
  ];
  for (const { name, app: options, init, secure } of secureCases) {
    test(`${name} → ${secure ? "__Host- and Secure" : "plain name, no Secure"}`, async () => {
      const { app } = sessionApp({}, options);
      app.get("/count", (request) => {
        request.session.count = 1;
        return "ok";
      });
      app.get("/again", (request) => String(request.session.count));
      const browser = new Browser(app, init);
      const [line] = (await browser.request("/count")).headers.getSetCookie();
      const cookie = parseSetCookie(line!);
      assert.equal(cookie.name, secure ? "__Host-session" : "session");
      assert.equal(cookie.attributes.includes("Secure"), secure);
      // The cookie comes back under the same name and opens.
      assert.equal((await browser.request("/again")).text(), "1");
    });
  }

  test("Vary keeps what the app set and gains Cookie once", async () => {
    const { app } = sessionApp();
    app.get("/", (request, response) => {
      response.headers.set("vary", "Accept-Language");
      return String(request.session.count ?? 0);
    });
    const response = await app.inject({ url: "/" });
    assert.equal(response.headers.get("vary"), "Accept-Language, Cookie");
  });

  test("a flash message survives exactly one redirect", async () => {
    const { app } = sessionApp();
    app.post("/save", (request, response) => {
      request.session.flash("notice", "Saved!");
      response.redirect("/done", 303);
    });
    app.get("/done", (request) => `notice=${String(request.session.consumeFlash("notice"))}`);
    const browser = new Browser(app);
    const saved = await browser.request("/save", { method: "POST" });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.getSetCookie().length, 1);
    assert.equal((await browser.request("/done")).text(), "notice=Saved!");
    assert.equal((await browser.request("/done")).text(), "notice=undefined");
  });

  test("regenerate() changes the session id and the CSRF secret, keeping data", async () => {
    const { app } = sessionApp();
    app.get("/start", (request) => {
      request.session.user = "ada";
      return JSON.stringify({ id: request.session.sessionId, token: request.session.csrfToken() });
    });
    app.get("/check", (request) =>
      JSON.stringify({
        id: request.session.sessionId,
        valid: request.session.verifyCsrfToken(request.query.token),
      }),
    );
    app.post("/login", (request) => {
      request.session.regenerate();
      return "ok";
    });
    app.get("/user", (request) => String(request.session.user));
    const browser = new Browser(app);
    const start = JSON.parse((await browser.request("/start")).text()) as {
      id: string;
      token: string;
    };
    const url = `/check?token=${start.token}`;
    assert.deepEqual(JSON.parse((await browser.request(url)).text()), {
      id: start.id,
      valid: true,
    });
    const login = await browser.request("/login", { method: "POST" });
    assert.equal(login.headers.getSetCookie().length, 1);
    const after = JSON.parse((await browser.request(url)).text()) as { id: string; valid: boolean };
    assert.notEqual(after.id, start.id);
    assert.equal(after.valid, false);
    assert.equal((await browser.request("/user")).text(), "ada");
  });

  test("destroy() expires the cookie and every chunk", async () => {
    const { app } = sessionApp({ maxChunks: 3 }, { limits: { maxHeaderBytes: 32 * 1024 } });
    app.get("/big", (request) => {
      request.session.blob = "x".repeat(5000);
      return "ok";
    });
    app.post("/logout", (request) => {
      request.session.destroy();
      return "bye";
    });
    app.get("/blob", (request) => String(request.session.blob?.toString().length ?? 0));
    const browser = new Browser(app);
    await browser.request("/big");
    assert.deepEqual([...browser.cookies.keys()].sort(), ["session", "session.1"]);
    const logout = await browser.request("/logout", { method: "POST" });
    const lines = logout.headers.getSetCookie().map(parseSetCookie);
    assert.deepEqual(lines.map((c) => c.name).sort(), ["session", "session.1"]);
    assert.ok(lines.every((c) => c.deletes && c.value === ""));
    assert.equal(browser.cookies.size, 0);
    assert.equal((await browser.request("/blob")).text(), "0");
  });

  test("session changes are saved with error responses too", async () => {
    const { app } = sessionApp();
    app.post("/fail", (request) => {
      request.session.flash("error", "try again");
      throw new Error("boom");
    });
    app.get("/next", (request) => String(request.session.consumeFlash("error")));
    const browser = new Browser(app);
    const failed = await browser.request("/fail", { method: "POST" });
    assert.equal(failed.status, 500);
    assert.equal(failed.headers.getSetCookie().length, 1);
    assert.equal((await browser.request("/next")).text(), "try again");
  });

  test("404 responses pass through the session hooks without touching anything", async () => {
    const { app } = counterApp();
    const response = await app.inject({ url: "/missing", headers: { cookie: "session=junk" } });
    assert.equal(response.status, 404);
    assert.deepEqual(response.headers.getSetCookie(), []);
  });

  test("request.session without sessions configured: a 500 whose log says how to turn them on", async () => {
    const errors: unknown[] = [];
    const app = new Server({
      logger: { info() {}, warn() {}, error: (_message, fields) => errors.push(fields?.error) },
    });
    app.get("/", (request) => String(request.session.count));
    const response = await app.inject({ url: "/" });
    assert.equal(response.status, 500);
    assert.match(
      String((errors[0] as Error).message),
      /^Sessions are off: pass \{ session: \{ keys: \[\.\.\.\] \} \} to new Server\(\)$/,
    );
  });
});
