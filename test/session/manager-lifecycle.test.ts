import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionOptions } from "../../src/session/config.js";
import { SESSION_RESPONSE_HEADERS, SessionManager } from "../../src/session/manager.js";
import type { Session } from "../../src/session/session.js";
import {
  DAY,
  HOUR,
  increment,
  inspectToken,
  KEY_A,
  MINUTE,
  managerSetup,
  roundTrip,
} from "./helpers.js";

interface AppData extends Record<string, unknown> {
  count: number;
  user: string;
  cart: string[];
}

const setup = (options: Partial<SessionOptions> = {}) => managerSetup<AppData>(options);

describe("session manager: reading and writing", () => {
  it("gives anonymous visitors who never store anything no cookie", async () => {
    const { manager, jar } = setup();
    const untouched = await roundTrip(manager, jar);
    assert.deepEqual(untouched.setCookies, []);
    assert.equal(untouched.accessed, false);
    const readOnly = await roundTrip(manager, jar, (s) => assert.equal(s.user, undefined));
    assert.deepEqual(readOnly.setCookies, []);
    assert.equal(readOnly.accessed, true);
  });

  it("counts across requests with exact cookie attributes", async () => {
    const { manager, jar } = setup();
    const first = await roundTrip(manager, jar, increment);
    assert.equal(first.setCookies.length, 1);
    assert.match(
      first.setCookies[0]!,
      /^__Host-session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
    assert.equal(first.session.isNew, true);
    const second = await roundTrip(manager, jar, increment);
    assert.equal(second.session.isNew, false);
    assert.equal(second.session.sessionId, first.session.sessionId);
    const third = await roundTrip(manager, jar, increment);
    assert.equal(third.session.count, 3);
  });

  it("uses the bare name and no Secure over plain HTTP", async () => {
    const { manager, jar } = setup();
    const { setCookies } = await roundTrip(manager, jar, increment, false);
    assert.match(setCookies[0]!, /^session=[^;]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    // The secure name is a different cookie: a plain-HTTP cookie is not read over TLS.
    assert.equal((await manager.load(jar.cookies, true)).isNew, true);
  });

  it("honours a forced Secure and uses __Secure- for a non-root path", async () => {
    const forced = setup({ secure: true });
    const written = await roundTrip(forced.manager, forced.jar, increment, false);
    assert.match(written.setCookies[0]!, /^__Host-session=.*; Secure; SameSite=Lax$/);
    const scoped = setup({ path: "/app", secure: true, sameSite: "Strict" });
    const scopedWrite = await roundTrip(scoped.manager, scoped.jar, increment);
    assert.match(
      scopedWrite.setCookies[0]!,
      /^__Secure-session=.*; Path=\/app; HttpOnly; Secure; SameSite=Strict$/,
    );
  });

  it("writes nothing for read-only requests and offers cache headers", async () => {
    const { manager, jar } = setup();
    await roundTrip(manager, jar, increment);
    for (let i = 0; i < 3; i++) {
      const { setCookies, accessed } = await roundTrip(manager, jar, (s) =>
        assert.equal(s.count, 1),
      );
      assert.deepEqual(setCookies, []);
      assert.equal(accessed, true);
    }
    assert.deepEqual(SESSION_RESPONSE_HEADERS, {
      vary: "Cookie",
      "cache-control": "private, no-store",
    });
  });

  it("detects nested mutations and ignores same-value writes", async () => {
    const { manager, jar } = setup();
    await roundTrip(manager, jar, (s) => {
      s.cart = ["apple"];
    });
    const sameValue = await roundTrip(manager, jar, (s) => {
      s.cart = ["apple"];
    });
    assert.deepEqual(sameValue.setCookies, []);
    const nested = await roundTrip(manager, jar, (s) => s.cart?.push("pear"));
    assert.equal(nested.setCookies.length, 1);
    const { session } = await roundTrip(manager, jar);
    assert.deepEqual(session.cart, ["apple", "pear"]);
  });

  it("behaves like a plain object and guards its API names", async () => {
    const { manager } = setup();
    const session = await manager.load({}, true);
    session.user = "ada";
    session.count = 2;
    assert.deepEqual(Object.keys(session), ["user", "count"]);
    assert.equal("user" in session, true);
    assert.equal("missing" in session, false);
    assert.deepEqual({ ...session }, { user: "ada", count: 2 });
    assert.equal(JSON.stringify(session), '{"user":"ada","count":2}');
    delete session.count;
    session.user = undefined;
    assert.deepEqual(Object.keys(session), []);
    const loose = session as unknown as Record<string, unknown>;
    for (const reserved of ["regenerate", "sessionId", "csrfToken"]) {
      assert.throws(() => {
        loose[reserved] = 1;
      }, /reserved/);
    }
    const protoKey = "__proto__";
    assert.throws(() => {
      loose[protoKey] = {};
    }, TypeError);
    assert.throws(() => manager.commit({} as Session<AppData>), TypeError);
  });

  it("hides its internals: no symbols, detached controls work, data may use any name", async () => {
    const { manager, jar } = setup();
    const session = await manager.load({}, true);
    assert.deepEqual(Object.getOwnPropertySymbols(session), []);
    assert.deepEqual(Reflect.ownKeys(session), []);
    assert.equal(Object.getPrototypeOf(session), null);
    // Names the implementation might use internally are ordinary data keys.
    const loose = session as unknown as Record<string, unknown>;
    loose.controls = "mine";
    loose.state = 1;
    assert.deepEqual({ ...session }, { controls: "mine", state: 1 });
    // Controls keep working when taken off the session (destructuring, callbacks).
    const { flash, csrfToken, verifyCsrfToken, regenerate } = session;
    const before = session.sessionId;
    flash("notice", "hi");
    assert.ok(verifyCsrfToken(csrfToken()));
    regenerate();
    assert.notEqual(session.sessionId, before);
    assert.equal(session.isNew, true);
    jar.apply(manager.commit(session).setCookies);
    const next = await manager.load({ ...jar.cookies }, true);
    assert.equal(next.isNew, false);
    assert.equal(next.consumeFlash("notice"), "hi");
    assert.deepEqual({ ...next }, { controls: "mine", state: 1 });
    // Two sessions never share controls or state.
    const other = await manager.load({}, true);
    assert.notEqual(other.sessionId, next.sessionId);
    assert.notEqual(other.csrfToken, next.csrfToken);
    assert.equal(next.verifyCsrfToken(other.csrfToken()), false);
  });

  it("refuses to commit data that is not JSON", async () => {
    const { manager } = setup();
    const session = await manager.load({}, true);
    (session as Record<string, unknown>).big = 10n;
    assert.throws(() => manager.commit(session), TypeError);
  });
});

describe("session manager: last-active refresh", () => {
  it("re-seals read-only sessions at most every min(idle / 10, 1 h), keeping id and issued-at", async () => {
    const { manager, jar, clock } = setup();
    const first = await roundTrip(manager, jar, increment);
    const before = inspectToken([KEY_A], jar.cookies["__Host-session"]!).payload;
    clock.advance(HOUR - 1);
    assert.deepEqual((await roundTrip(manager, jar)).setCookies, []);
    clock.advance(1);
    const refreshed = await roundTrip(manager, jar);
    assert.equal(refreshed.setCookies.length, 1);
    assert.match(refreshed.setCookies[0]!, /Max-Age=86400;/);
    const after = inspectToken([KEY_A], jar.cookies["__Host-session"]!).payload;
    assert.equal(after.sid, first.session.sessionId);
    assert.equal(after.iat, before.iat);
    assert.equal(after.lat, before.lat + HOUR);
    assert.equal(after.exp, after.lat + DAY);
  });

  it("lets Max-Age follow the absolute limit near the end", async () => {
    const { manager, jar, clock } = setup({ absoluteTimeout: 2 * HOUR, idleTimeout: HOUR });
    await roundTrip(manager, jar, increment);
    clock.advance(50 * MINUTE);
    const early = await roundTrip(manager, jar, increment);
    assert.match(early.setCookies[0]!, /Max-Age=3600;/);
    clock.advance(50 * MINUTE);
    const late = await roundTrip(manager, jar, increment);
    assert.equal(late.session.count, 3);
    assert.match(late.setCookies[0]!, /Max-Age=1200;/);
  });
});

describe("session manager: regenerate, destroy, flash", () => {
  it("regenerate() issues a new id and CSRF secret and keeps data", async () => {
    const { manager, jar } = setup();
    const first = await roundTrip(manager, jar, increment);
    const oldToken = first.session.csrfToken();
    const second = await roundTrip(manager, jar, (s) => s.regenerate());
    assert.equal(second.setCookies.length, 1, "an empty-change regenerate still re-seals");
    assert.notEqual(second.session.sessionId, first.session.sessionId);
    const third = await roundTrip(manager, jar);
    assert.equal(third.session.sessionId, second.session.sessionId);
    assert.equal(third.session.count, 1);
    assert.equal(third.session.verifyCsrfToken(oldToken), false);
    assert.equal(third.session.verifyCsrfToken(third.session.csrfToken()), true);
  });

  it("destroy() clears data and deletes the cookie and all its chunks", async () => {
    const { manager, jar } = setup();
    await roundTrip(manager, jar, (s) => {
      s.user = "x".repeat(5000);
    });
    assert.deepEqual(jar.names(), ["__Host-session", "__Host-session.1"]);
    const { setCookies, session } = await roundTrip(manager, jar, (s) => s.destroy());
    assert.deepEqual(setCookies, [
      "__Host-session=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; Secure; SameSite=Lax",
      "__Host-session.1=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; Secure; SameSite=Lax",
    ]);
    assert.equal(session.user, undefined);
    assert.equal(session.isNew, true);
    assert.deepEqual(jar.names(), []);
  });

  it("destroy() then flash() starts a new session carrying the message", async () => {
    const { manager, jar } = setup();
    const first = await roundTrip(manager, jar, increment);
    await roundTrip(manager, jar, (s) => {
      s.destroy();
      s.flash("notice", "logged out");
    });
    const next = await roundTrip(manager, jar);
    assert.notEqual(next.session.sessionId, first.session.sessionId);
    assert.equal(next.session.count, undefined);
    assert.equal(next.session.consumeFlash("notice"), "logged out");
  });

  it("flash values are readable on the next request only", async () => {
    const { manager, jar } = setup();
    await roundTrip(manager, jar, (s) => {
      s.flash("notice", "saved");
      assert.equal(s.consumeFlash("notice"), undefined, "not in the same request");
    });
    const second = await roundTrip(manager, jar, (s) => {
      assert.equal(s.consumeFlash("notice"), "saved");
      assert.equal(s.consumeFlash("notice"), undefined, "read once");
    });
    assert.equal(second.setCookies.length, 1, "the consumed flash is removed from the cookie");
    const third = await roundTrip(manager, jar, (s) =>
      assert.deepEqual(Object.keys(s.flashes()), []),
    );
    assert.deepEqual(third.setCookies, []);
  });

  it("unread flash values still expire after one request; flashes() takes them all", async () => {
    const { manager, jar } = setup();
    await roundTrip(manager, jar, (s) => {
      s.flash("a", 1);
      s.flash("b", { nested: true });
    });
    await roundTrip(manager, jar);
    assert.deepEqual({ ...(await roundTrip(manager, jar)).session.flashes() }, {});
    await roundTrip(manager, jar, (s) => s.flash("c", [1, 2]));
    const all = (await roundTrip(manager, jar)).session;
    assert.deepEqual(JSON.parse(JSON.stringify(all.flashes())), { c: [1, 2] });
  });
});

describe("session manager: CSRF tokens", () => {
  it("masks the secret freshly per call; every mask verifies across requests", async () => {
    const { manager, jar } = setup();
    const tokens: string[] = [];
    const first = await roundTrip(manager, jar, (s) => {
      for (let i = 0; i < 5; i++) tokens.push(s.csrfToken());
    });
    assert.equal(new Set(tokens).size, 5);
    assert.equal(first.setCookies.length, 1, "issuing a token persists a new session's secret");
    const second = await roundTrip(manager, jar);
    for (const token of tokens) assert.equal(second.session.verifyCsrfToken(token), true);
  });

  it("rejects wrong, short, garbled and foreign tokens", async () => {
    const { manager, jar } = setup();
    const { session } = await roundTrip(manager, jar, increment);
    const good = session.csrfToken();
    const foreign = (await setup().manager.load({}, true)).csrfToken();
    const flipLast = good.slice(0, -1) + (good.endsWith("A") ? "Q" : "A");
    const bad: unknown[] = [
      foreign,
      "",
      good.slice(0, -1),
      `${good}A`,
      flipLast,
      `${good.slice(0, 10)}+${good.slice(11)}`,
      good.slice(43) + good.slice(0, 43),
      undefined,
      null,
      42,
      [good],
    ];
    for (const token of bad) assert.equal(session.verifyCsrfToken(token), false, String(token));
    assert.equal(session.verifyCsrfToken(good), true);
  });
});

describe("session manager: revocation hook", () => {
  it("discards sessions the hook revokes and sees id, times and data", async () => {
    const revoked = new Set<string>();
    const seen: unknown[] = [];
    const { manager, jar } = setup({
      isRevoked: async (info) => {
        seen.push({ ...info, data: { ...info.data } });
        return revoked.has(info.sid);
      },
    });
    const first = await roundTrip(manager, jar, increment);
    await roundTrip(manager, jar);
    assert.deepEqual(seen, [
      {
        sid: first.session.sessionId,
        issuedAt: 1704067200000,
        lastActive: 1704067200000,
        data: { count: 1 },
      },
    ]);
    revoked.add(first.session.sessionId);
    const after = await roundTrip(manager, jar);
    assert.equal(after.session.isNew, true);
    assert.equal(after.setCookies.length, 1);
    assert.match(after.setCookies[0]!, /^__Host-session=; Max-Age=0;/);
  });

  it("propagates hook failures instead of silently logging users out", async () => {
    const { manager, jar, clock } = setup({
      isRevoked: () => {
        throw new Error("denylist unavailable");
      },
    });
    await roundTrip(new SessionManager({ keys: [KEY_A], clock }), jar, increment);
    await assert.rejects(manager.load(jar.cookies, true), /denylist unavailable/);
  });
});
