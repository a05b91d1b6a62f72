import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Server } from "../../src/index.js";
import { inspectToken, kidOf } from "../session/helpers.js";
import { Browser, DAY, FakeClock, HOUR, KEY_A, KEY_B, MINUTE, sessionApp } from "./helpers.js";

function counter(app: Server): Server {
  app.get("/count", (request) => {
    const count = Number(request.session.count ?? 0) + 1;
    request.session.count = count;
    return `count ${count}`;
  });
  app.get("/read", (request) => `count ${String(request.session.count ?? 0)}`);
  return app;
}

describe("key rotation across two servers", () => {
  test("a session sealed by one server opens on the other; the new primary re-seals it", async () => {
    const clock = new FakeClock();
    // Step 1 of the roll-out on one instance, step 2 on the other: both know both keys.
    const oldPrimary = counter(sessionApp({ keys: [KEY_A, KEY_B], clock }).app);
    const newPrimary = counter(sessionApp({ keys: [KEY_B, KEY_A], clock }).app);
    const browser = new Browser(oldPrimary);
    assert.equal((await browser.request("/count")).text(), "count 1");
    const sealedByOld = inspectToken([KEY_A], browser.cookies.get("session")!);
    assert.equal(sealedByOld.kid, kidOf(KEY_A));

    clock.advance(MINUTE);
    const other = new Browser(newPrimary);
    for (const [name, value] of browser.cookies) other.cookies.set(name, value);
    // A read-only request: the only reason to write is the re-seal with the new primary.
    const read = await other.request("/read");
    assert.equal(read.text(), "count 1");
    assert.equal(read.headers.getSetCookie().length, 1);
    const resealed = inspectToken([KEY_B], other.cookies.get("session")!);
    assert.equal(resealed.kid, kidOf(KEY_B));
    assert.equal(resealed.payload.sid, sealedByOld.payload.sid);
    assert.equal(resealed.payload.iat, sealedByOld.payload.iat);
    assert.equal(resealed.payload.lat, sealedByOld.payload.lat);

    // And back: the old instance still opens what the new one sealed.
    const back = new Browser(oldPrimary);
    for (const [name, value] of other.cookies) back.cookies.set(name, value);
    assert.equal((await back.request("/count")).text(), "count 2");
    // Once the old key is dropped, sessions it sealed are simply new sessions.
    const dropped = counter(sessionApp({ keys: [KEY_B], clock }).app);
    const stale = await dropped.inject({
      url: "/read",
      headers: { cookie: `session=${browser.cookies.get("session")}` },
    });
    assert.equal(stale.text(), "count 0");
  });
});

describe("expiry with a fake clock", () => {
  test("idle timeout: valid just before, a new session from the boundary on", async () => {
    const { app, clock } = sessionApp({ idleTimeout: HOUR });
    counter(app);
    const browser = new Browser(app);
    await browser.request("/count");
    const cookie = browser.cookieHeader()!;
    clock.advance(HOUR - 1);
    assert.equal((await app.inject({ url: "/read", headers: { cookie } })).text(), "count 1");
    clock.advance(1);
    const expired = await app.inject({ url: "/read", headers: { cookie } });
    assert.equal(expired.text(), "count 0");
    assert.match(expired.headers.getSetCookie()[0]!, /^session=; Max-Age=0/);
  });

  test("activity refreshes the idle clock, but never beyond the absolute timeout", async () => {
    const { app, clock } = sessionApp({ idleTimeout: DAY, absoluteTimeout: 3 * DAY });
    counter(app);
    const browser = new Browser(app);
    await browser.request("/count");
    // Read-only visits every 20 hours keep it alive: each one re-seals with a later last-active.
    for (let visit = 0; visit < 3; visit++) {
      clock.advance(20 * HOUR);
      const read = await browser.request("/read");
      assert.equal(read.text(), "count 1");
      assert.equal(read.headers.getSetCookie().length, 1, "last-active refreshed");
    }
    clock.advance(12 * HOUR - 1); // 3 days minus 1 ms after it was issued
    assert.equal((await browser.request("/read")).text(), "count 1");
    clock.advance(1);
    assert.equal((await browser.request("/read")).text(), "count 0");
  });

  test("a read shortly after a write does not re-seal (refresh at most every idle/10)", async () => {
    const { app, clock } = sessionApp({ idleTimeout: HOUR });
    counter(app);
    const browser = new Browser(app);
    await browser.request("/count");
    clock.advance(6 * MINUTE - 1);
    assert.deepEqual((await browser.request("/read")).headers.getSetCookie(), []);
    clock.advance(1);
    assert.equal((await browser.request("/read")).headers.getSetCookie().length, 1);
  });

  test("a shorter timeout configured later expires older sessions", async () => {
    const clock = new FakeClock();
    const before = counter(sessionApp({ clock }).app);
    const browser = new Browser(before);
    await browser.request("/count");
    clock.advance(2 * HOUR);
    const after = counter(sessionApp({ clock, idleTimeout: HOUR }).app);
    const cookie = browser.cookieHeader()!;
    assert.equal((await after.inject({ url: "/read", headers: { cookie } })).text(), "count 0");
  });
});

describe("isRevoked", () => {
  test("true discards the session and deletes the cookie; false keeps it", async () => {
    const revoked = new Set<string>();
    const { app } = sessionApp({ isRevoked: async ({ sid }) => revoked.has(sid) });
    counter(app);
    app.get("/id", (request) => request.session.sessionId);
    const browser = new Browser(app);
    await browser.request("/count");
    const id = (await browser.request("/id")).text();
    assert.equal((await browser.request("/read")).text(), "count 1");
    revoked.add(id);
    const response = await browser.request("/read");
    assert.equal(response.text(), "count 0");
    assert.match(response.headers.getSetCookie()[0]!, /^session=; Max-Age=0/);
  });

  test("a hook that throws fails closed: 503, the error logged, the cookie left alone", async () => {
    let failing = false;
    const { app, logs } = sessionApp({
      isRevoked: () => {
        if (failing) throw new Error("denylist unavailable");
        return false;
      },
    });
    counter(app);
    const browser = new Browser(app);
    await browser.request("/count");
    const cookie = browser.cookieHeader();
    failing = true;
    const response = await browser.request("/count");
    assert.equal(response.status, 503);
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(response.headers.get("cache-control"), "private, no-store");
    assert.equal(browser.cookieHeader(), cookie);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!.message, /revocation check failed/);
    failing = false;
    assert.equal((await browser.request("/count")).text(), "count 2");
  });

  test("requests without a cookie never call the hook", async () => {
    let calls = 0;
    const { app } = sessionApp({
      isRevoked: () => {
        calls++;
        return false;
      },
    });
    counter(app);
    await app.inject({ url: "/count" });
    await app.inject({ url: "/read", headers: { cookie: "theme=dark" } });
    assert.equal(calls, 0);
  });
});
