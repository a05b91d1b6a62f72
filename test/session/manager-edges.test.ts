import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { InvalidSessionReason, SessionOptions } from "../../src/session/config.js";
import type { SessionManager } from "../../src/session/manager.js";
import {
  CookieJar,
  type FakeClock,
  HOUR,
  increment,
  inspectToken,
  KEY_A,
  MINUTE,
  managerSetup,
  roundTrip,
  T0,
} from "./helpers.js";

/**
 * The manager's decisions at their edges, each pinned by what leaves it: a session that runs out
 * while its request is handled, last-active time of a new session, the "private" flag on
 * responses that carry a cookie the handler never asked for, the empty session a regeneration
 * must still replace, and a cookie map that throws.
 */

const NAME = "__Host-session";
const DELETION =
  "=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; Secure; SameSite=Lax";
type Data = { count: number };

const setup = (options: Partial<SessionOptions> = {}) => managerSetup<Data>(options);

/** Requests every 40 minutes from T0, so an idle timeout of an hour never ends the session. */
async function keepActiveUntil(
  manager: SessionManager<Data>,
  jar: CookieJar,
  clock: FakeClock,
  until: number,
): Promise<void> {
  for (clock.time = T0; clock.time < until; clock.advance(40 * MINUTE)) {
    await roundTrip(manager, jar, increment);
  }
  clock.time = until;
}

describe("session manager: a session that runs out during its request", () => {
  it("is deleted, not re-sealed, when its expiry is reached exactly while the handler runs", async () => {
    const { manager, jar, clock } = setup({ absoluteTimeout: 2 * HOUR, idleTimeout: HOUR });
    await keepActiveUntil(manager, jar, clock, T0 + 2 * HOUR - 1);
    const last = await roundTrip(manager, jar, (session) => {
      clock.advance(1);
      increment(session);
    });
    assert.deepEqual(last.setCookies, [`${NAME}${DELETION}`]);
    assert.equal(last.accessed, true);
    assert.deepEqual(jar.names(), []);
  });

  it("is still written when a millisecond is left", async () => {
    const { manager, jar, clock } = setup({ absoluteTimeout: 2 * HOUR, idleTimeout: HOUR });
    await keepActiveUntil(manager, jar, clock, T0 + 2 * HOUR - 2);
    const last = await roundTrip(manager, jar, (session) => {
      clock.advance(1);
      increment(session);
    });
    assert.equal(last.setCookies.length, 1);
    assert.match(last.setCookies[0]!, /^__Host-session=[A-Za-z0-9_-]+; Max-Age=1;/);
  });
});

describe("session manager: a new session's times", () => {
  it("is last active when its cookie is sealed, not when it was created", async () => {
    const { manager, jar, clock } = setup({ idleTimeout: HOUR });
    const first = await roundTrip(manager, jar, (session) => {
      clock.advance(10 * MINUTE);
      increment(session);
    });
    assert.match(first.setCookies[0]!, /; Max-Age=3600;/);
    const payload = inspectToken([KEY_A], jar.cookies[NAME]!).payload;
    assert.equal(payload.iat, T0);
    assert.equal(payload.lat, T0 + 10 * MINUTE);
    assert.equal(payload.exp, T0 + 10 * MINUTE + HOUR);
  });
});

describe("session manager: cookies the handler never asked for make the response private", () => {
  it("a bad cookie's deletion", async () => {
    const reasons: InvalidSessionReason[] = [];
    const { manager } = setup({ onInvalid: (reason) => reasons.push(reason) });
    const jar = new CookieJar();
    jar.cookies[NAME] = "not-a-sealed-token";
    const untouched = await roundTrip(manager, jar);
    assert.deepEqual(untouched.setCookies, [`${NAME}${DELETION}`]);
    assert.equal(untouched.accessed, true);
    assert.equal(reasons.length, 1);
  });

  it("a read-only session's last-active refresh", async () => {
    const { manager, jar, clock } = setup();
    await roundTrip(manager, jar, increment);
    clock.advance(HOUR);
    const refreshed = await roundTrip(manager, jar);
    assert.equal(refreshed.setCookies.length, 1);
    assert.equal(refreshed.accessed, true);
    clock.advance(1);
    const quiet = await roundTrip(manager, jar);
    assert.deepEqual(quiet.setCookies, []);
    assert.equal(quiet.accessed, false);
  });
});

describe("session manager: regenerating a session that holds no data", () => {
  it("still replaces the cookie, so the old id and CSRF secret end", async () => {
    const { manager, jar } = setup();
    // A CSRF token alone is enough to give a visitor a cookie with empty data.
    const first = await roundTrip(manager, jar, (session) => session.csrfToken());
    const oldToken = first.session.csrfToken();
    const oldCookie = jar.cookies[NAME];
    assert.ok(oldCookie !== undefined);
    const second = await roundTrip(manager, jar, (session) => session.regenerate());
    assert.equal(second.setCookies.length, 1);
    assert.notEqual(jar.cookies[NAME], oldCookie);
    const third = await roundTrip(manager, jar);
    assert.equal(third.session.sessionId, second.session.sessionId);
    assert.notEqual(third.session.sessionId, first.session.sessionId);
    assert.equal(third.session.verifyCsrfToken(oldToken), false);
  });
});

describe("session manager: a cookie map that throws when read", () => {
  it("ends as a malformed cookie: a fresh session, the hook told, and nothing to delete", async () => {
    const reasons: InvalidSessionReason[] = [];
    const { manager } = setup({ onInvalid: (reason) => reasons.push(reason) });
    const hostile = Object.defineProperty({}, NAME, {
      enumerable: true,
      get(): never {
        throw new Error("a getter the cookie parser would never make");
      },
    }) as Record<string, string>;
    const session = await manager.load(hostile, true);
    assert.equal(session.isNew, true);
    assert.deepEqual(reasons, ["malformed"]);
    const { setCookies } = manager.commit(session);
    assert.deepEqual(setCookies, []);
  });
});
