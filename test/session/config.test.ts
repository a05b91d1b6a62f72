import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { SessionOptions } from "../../src/session/config.js";
import { SessionConfigError } from "../../src/session/errors.js";
import { main } from "../../src/session/keygen.js";
import { decodeKey } from "../../src/session/keys.js";
import { SessionManager } from "../../src/session/manager.js";
import { DAY, HOUR, KEY_A } from "./helpers.js";

describe("session config: start-up errors", () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["no keys", { keys: [] }, /npx slow-serv keygen/],
    ["weak key", { keys: ["hunter2hunter2hunter2hunter2hunter2"] }, /passphrase/],
    ["maxChunks above the hard cap", { maxChunks: 6 }, /maxChunks.*from 1 to 5, got 6/],
    ["maxChunks zero", { maxChunks: 0 }, /maxChunks/],
    ["fractional maxChunks", { maxChunks: 1.5 }, /maxChunks/],
    [
      "idle longer than absolute",
      { absoluteTimeout: HOUR, idleTimeout: 2 * HOUR },
      /equal to `absoluteTimeout`/,
    ],
    ["absolute beyond 400 days", { absoluteTimeout: 401 * DAY }, /absoluteTimeout/],
    ["timeout in seconds by mistake", { idleTimeout: 0.5 }, /idleTimeout.*milliseconds/],
    ["negative skew", { clockSkew: -1 }, /clockSkew/],
    ["unknown option (typo)", { idleTimout: HOUR }, /Unknown session option `idleTimout`/],
    ["prefixed cookie name", { cookieName: "__Host-session" }, /added automatically/],
    ["cookie name with ;", { cookieName: "a;b" }, /cookieName/],
    ["overlong cookie name", { cookieName: "n".repeat(65) }, /1 to 64/],
    ["SameSite=None without forced Secure", { sameSite: "None" }, /requires `secure: true`/],
    ["unknown SameSite", { sameSite: "lax" }, /"Lax", "Strict" or "None"/],
    ["relative path", { path: "app" }, /path/],
    ["path with ;", { path: "/a;Domain=evil" }, /path/],
    ["clock without now()", { clock: {} }, /now\(\)/],
    ["non-function hook", { onInvalid: "log" }, /onInvalid/],
    ["non-boolean secure", { secure: "yes" }, /secure/],
  ];
  for (const [name, overrides, message] of cases) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => new SessionManager({ keys: [KEY_A], ...overrides } as SessionOptions),
        (error: unknown) => error instanceof SessionConfigError && message.test(error.message),
      );
    });
  }

  it("accepts the documented defaults and limits", () => {
    const manager = new SessionManager({ keys: [KEY_A] });
    const { absoluteTimeout, idleTimeout, clockSkew, maxChunks, sameSite, path, cookieName } =
      manager.config;
    assert.deepEqual(
      { absoluteTimeout, idleTimeout, clockSkew, maxChunks, sameSite, path, cookieName },
      {
        absoluteTimeout: 7 * DAY,
        idleTimeout: DAY,
        clockSkew: 60_000,
        maxChunks: 2,
        sameSite: "Lax",
        path: "/",
        cookieName: "session",
      },
    );
    assert.equal(manager.cookieName(true), "__Host-session");
    assert.equal(manager.cookieName(false), "session");
    new SessionManager({ keys: [KEY_A], maxChunks: 5, sameSite: "None", secure: true });
    new SessionManager({ keys: [KEY_A], absoluteTimeout: 400 * DAY, idleTimeout: 400 * DAY });
  });
});

describe("keygen", () => {
  it("prints one valid key per run", () => {
    const printed: string[] = [];
    main((text) => printed.push(text));
    main((text) => printed.push(text));
    assert.equal(printed.length, 2);
    assert.notEqual(printed[0], printed[1]);
    for (const line of printed) {
      assert.match(line, /^base64url:[A-Za-z0-9_-]{43}\n$/);
      assert.equal(decodeKey(line.trim()).length, 32);
    }
  });
});
