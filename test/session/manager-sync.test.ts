import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionOptions } from "../../src/session/config.js";
import { managerSetup, roundTrip } from "./helpers.js";

// loadSync(), the lazy path the session plugin takes when no isRevoked hook is configured, and
// the request's `secure` flag as load() and loadSync() read it. Found unpinned by mutation
// testing (docs/mutation/app.md).

const setup = (options: Partial<SessionOptions> = {}) => managerSetup(options);

async function savedCookies(options: Partial<SessionOptions> = {}, secure = true) {
  const { manager, jar } = setup(options);
  await roundTrip(
    manager,
    jar,
    (session) => {
      session.user = "ada";
    },
    secure,
  );
  return { ...jar.cookies };
}

describe("SessionManager.loadSync", () => {
  it("opens a valid cookie like load() does", async () => {
    const { manager } = setup();
    const cookies = await savedCookies();
    const session = manager.loadSync(cookies, true);
    assert.equal(session.user, "ada");
    assert.equal(session.isNew, false);
    const loaded = await manager.load(cookies, true);
    assert.equal(session.sessionId, loaded.sessionId);
  });

  it("gives a fresh session for no cookie, a bad one, or another scheme's name", async () => {
    const { manager } = setup();
    const cookies = await savedCookies();
    for (const [given, secure] of [
      [{}, true],
      [{ "__Host-session": "junk" }, true],
      [cookies, false],
    ] as const) {
      const session = manager.loadSync(given, secure);
      assert.equal(session.isNew, true);
      assert.equal(session.user, undefined);
    }
    const bad = manager.loadSync({ "__Host-session": "junk" }, true);
    assert.match(manager.commit(bad).setCookies[0] ?? "", /^__Host-session=; Max-Age=0/);
  });

  it("refuses a valid cookie when an isRevoked hook is configured, and says what to call", async () => {
    let asked = 0;
    const { manager } = setup({
      isRevoked: () => {
        asked++;
        return false;
      },
    });
    const cookies = await savedCookies();
    assert.throws(() => manager.loadSync(cookies, true), {
      name: "Error",
      message: "loadSync() cannot run the async isRevoked hook: use load() instead",
    });
    assert.equal(asked, 0);
    // Without a valid cookie there is nothing to ask the hook about.
    assert.equal(manager.loadSync({}, true).isNew, true);
    assert.equal(manager.loadSync({ "__Host-session": "junk" }, true).isNew, true);
    assert.equal((await manager.load(cookies, true)).user, "ada");
    assert.equal(asked, 1);
  });

  it("only a boolean true makes the request secure; the secure option overrides it", async () => {
    const { manager } = setup();
    const secureCookies = await savedCookies();
    const truthy = "yes" as unknown as boolean;
    assert.equal(manager.loadSync(secureCookies, truthy).isNew, true);
    assert.equal((await manager.load(secureCookies, truthy)).isNew, true);
    const plain = await savedCookies({}, false);
    assert.equal(manager.loadSync(plain, truthy).user, "ada");
    assert.equal((await manager.load(plain, truthy)).user, "ada");

    const forced = setup({ secure: true }).manager;
    const forcedCookies = await savedCookies({ secure: true }, false);
    assert.deepEqual(Object.keys(forcedCookies), ["__Host-session"]);
    assert.equal(forced.loadSync(forcedCookies, false).user, "ada");
    assert.equal((await forced.load(forcedCookies, false)).user, "ada");
    assert.equal(forced.cookieName(false), "__Host-session");
    const never = setup({ secure: false }).manager;
    assert.equal(never.cookieName(true), "session");
  });

  it("a cookie map that is not an object is no cookie (not an invalid one)", async () => {
    const reasons: string[] = [];
    const { manager } = setup({ onInvalid: (reason) => reasons.push(reason) });
    for (const junk of [null, undefined, "session=x", 42]) {
      const cookies = junk as unknown as Record<string, string>;
      assert.equal(manager.loadSync(cookies, true).isNew, true, String(junk));
      assert.equal((await manager.load(cookies, true)).isNew, true, String(junk));
      assert.deepEqual(manager.commit(manager.loadSync(cookies, true)).setCookies, []);
    }
    assert.deepEqual(reasons, []);
  });
});
