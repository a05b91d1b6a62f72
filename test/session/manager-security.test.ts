import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { InvalidSessionReason, SessionOptions } from "../../src/session/config.js";
import { maskCsrfSecret } from "../../src/session/csrf.js";
import { Keyring } from "../../src/session/keys.js";
import { SessionManager } from "../../src/session/manager.js";
import { encodePayload } from "../../src/session/payload.js";
import { seal } from "../../src/session/seal.js";
import {
  CookieJar,
  DAY,
  FakeClock,
  HOUR,
  inspectToken,
  KEY_A,
  KEY_B,
  KEY_C,
  kidOf,
  MINUTE,
  roundTrip,
  T0,
} from "./helpers.js";

const NAME = "__Host-session";
type Data = { count: number; blob: string };

function manager(keys: string[], clock: FakeClock, options: Partial<SessionOptions> = {}) {
  return new SessionManager<Data>({ keys, clock, ...options });
}

async function writeSession(
  m: SessionManager<Data>,
  blob = "",
  jar = new CookieJar(),
): Promise<CookieJar> {
  await roundTrip(m, jar, (s) => {
    s.count = 41;
    if (blob) s.blob = blob;
  });
  return jar;
}

/** Loads without committing, so probing does not refresh last-active. */
async function opens(m: SessionManager<Data>, cookies: Record<string, string>): Promise<boolean> {
  const session = await m.load(cookies, true);
  return !session.isNew && session.count === 41;
}

// A whole session cookie, frozen: the envelope (seal.test.ts) *and* the payload schema inside it.
// Renaming a payload field or changing its encoding would sign every user out on deployment;
// if this test fails, bump PAYLOAD_VERSION and keep reading v1 instead of editing the vector.
const FROZEN_PAYLOAD =
  '{"v":1,"sid":"c2Vzc2lvbi1pZC1mcm96ZW","iat":1704067200000,"lat":1704067200000,' +
  '"exp":1704153600000,"csrf":"BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc",' +
  '"data":{"user":"ada","count":3},"flash":{"notice":"hi"}}';
const FROZEN_COOKIE =
  "AQ5cQ_T__v38-_r5-Pf29fTz8vHw7-7t7Ovq6egAYPWrhdX2QO0zWXV-KWgacla-Kbje52lwyhjIC8MSfdzvYQxwLjs3" +
  "Wj-G7VjF7I9ROycJO01jihtKSb4aE5PY-02rMRjuSQWwY9oa4gto8jlXBSHSeiNEBm_uksZEjbNTszRLwlAcLguGuj8X" +
  "5oGSrakfs14cow3dsjlwoPDk0ZJ2r8vYscpEAlyRVioU22WJWnjT10b3b1gZnlMBYD6Kiii8eegl92IOAx7MC8QDFTBi" +
  "x7Fxy99l1hGw-BLt84b9DBV2f5q0n_RCvCBBQ_3yZZMOnLOJVq2-j4nd5kNZ";

describe("sessions: frozen known-answer cookie", () => {
  const nonce = Buffer.from(Array.from({ length: 24 }, (_, i) => 255 - i));

  it("the documented payload seals to the frozen cookie", () => {
    const payload = JSON.parse(FROZEN_PAYLOAD);
    assert.equal(encodePayload(payload).toString(), FROZEN_PAYLOAD, "payload encoding");
    const token = seal(new Keyring([KEY_A]), "session", encodePayload(payload), () =>
      Buffer.from(nonce),
    );
    assert.equal(token, FROZEN_COOKIE);
  });

  it("today's manager opens the frozen cookie: id, data, flash and CSRF secret", async () => {
    const clock = new FakeClock(T0 + HOUR);
    const m = new SessionManager<{ user: string; count: number }>({ keys: [KEY_A], clock });
    const session = await m.load({ [NAME]: FROZEN_COOKIE }, true);
    assert.equal(session.isNew, false);
    assert.equal(session.sessionId, "c2Vzc2lvbi1pZC1mcm96ZW");
    assert.deepEqual({ ...session }, { user: "ada", count: 3 });
    assert.equal(session.consumeFlash("notice"), "hi");
    assert.ok(session.verifyCsrfToken(maskCsrfSecret(Buffer.alloc(32, 7))));
    // Its sealed expiry (iat + 1 day) still holds under the default 24 h idle timeout.
    clock.time = T0 + DAY - 1;
    assert.equal((await m.load({ [NAME]: FROZEN_COOKIE }, true)).isNew, false);
    clock.time = T0 + DAY;
    assert.equal((await m.load({ [NAME]: FROZEN_COOKIE }, true)).isNew, true);
  });
});

describe("sessions: key rotation", () => {
  it("re-seals a fallback-key session with the new primary, keeping id and timestamps", async () => {
    const clock = new FakeClock();
    const jar = await writeSession(manager([KEY_A], clock));
    const before = inspectToken([KEY_A], jar.cookies[NAME]!);
    clock.advance(10 * MINUTE);
    const rotated = manager([KEY_B, KEY_A], clock);
    const { session, setCookies } = await roundTrip(rotated, jar);
    assert.equal(session.count, 41);
    assert.equal(setCookies.length, 1, "re-sealed although nothing changed");
    const after = inspectToken([KEY_B], jar.cookies[NAME]!);
    assert.equal(after.kid, kidOf(KEY_B));
    assert.equal(before.kid, kidOf(KEY_A));
    for (const field of ["sid", "iat", "lat", "exp"] as const) {
      assert.equal(after.payload[field], before.payload[field], field);
    }
    assert.match(
      setCookies[0]!,
      /Max-Age=85800;/,
      "Max-Age still counts down to the sealed expiry",
    );
    // Once re-sealed, the old key can be dropped, and the next read-only request writes nothing.
    assert.equal(await opens(manager([KEY_B], clock), jar.cookies), true);
    assert.equal(await opens(manager([KEY_A], clock), jar.cookies), false);
    assert.deepEqual((await roundTrip(rotated, jar)).setCookies, []);
  });

  it("lets managers with overlapping key lists read each other's sessions", async () => {
    const clock = new FakeClock();
    const first = manager([KEY_A, KEY_B], clock);
    const second = manager([KEY_B, KEY_A], clock);
    assert.equal(await opens(second, (await writeSession(first)).cookies), true);
    assert.equal(await opens(first, (await writeSession(second)).cookies), true);
  });

  it("does not open sessions sealed under a key it does not hold", async () => {
    const clock = new FakeClock();
    const jar = await writeSession(manager([KEY_A], clock));
    const stranger = manager([KEY_C, KEY_B], clock);
    const { session, setCookies } = await roundTrip(stranger, jar);
    assert.equal(session.isNew, true);
    assert.equal(session.count, undefined);
    assert.match(setCookies[0]!, /^__Host-session=; Max-Age=0;/);
  });
});

describe("sessions: expiry at the exact boundaries", () => {
  it("idle timeout", async () => {
    const clock = new FakeClock();
    const m = manager([KEY_A], clock);
    const jar = await writeSession(m);
    clock.time = T0 + DAY - 1;
    assert.equal(await opens(m, jar.cookies), true);
    clock.time = T0 + DAY;
    assert.equal(await opens(m, jar.cookies), false);
  });

  it("absolute timeout, however active", async () => {
    const clock = new FakeClock();
    const m = manager([KEY_A], clock);
    const jar = await writeSession(m);
    for (let hours = 12; hours < 7 * 24; hours += 12) {
      clock.time = T0 + hours * HOUR;
      await roundTrip(m, jar, (s) => {
        s.blob = String(hours);
      });
    }
    clock.time = T0 + 7 * DAY - 1;
    assert.equal(await opens(m, jar.cookies), true);
    clock.time = T0 + 7 * DAY;
    assert.equal(await opens(m, jar.cookies), false);
  });

  it("timestamps from the future beyond the allowed skew", async () => {
    const clock = new FakeClock();
    const jar = await writeSession(manager([KEY_A], clock));
    clock.time = T0 - MINUTE;
    assert.equal(await opens(manager([KEY_A], clock), jar.cookies), true);
    clock.time = T0 - MINUTE - 1;
    assert.equal(await opens(manager([KEY_A], clock), jar.cookies), false);
    assert.equal(
      await opens(manager([KEY_A], clock, { clockSkew: 2 * MINUTE }), jar.cookies),
      true,
    );
  });

  it("shortened configuration ends older sessions at once", async () => {
    const clock = new FakeClock();
    const jar = await writeSession(manager([KEY_A], clock));
    clock.time = T0 + 2 * HOUR;
    assert.equal(
      await opens(manager([KEY_A], clock, { idleTimeout: 3 * HOUR }), jar.cookies),
      true,
    );
    assert.equal(
      await opens(manager([KEY_A], clock, { idleTimeout: 2 * HOUR }), jar.cookies),
      false,
    );
    const shortAbsolute = { absoluteTimeout: 2 * HOUR, idleTimeout: HOUR };
    clock.time = T0 + HOUR - 1;
    assert.equal(await opens(manager([KEY_A], clock, shortAbsolute), jar.cookies), true);
    clock.time = T0 + HOUR;
    assert.equal(await opens(manager([KEY_A], clock, shortAbsolute), jar.cookies), false);
  });
});

describe("sessions: every bad cookie ends the same way", () => {
  it("fresh session, deletion cookies, no exception, reason only to the hook", async () => {
    const clock = new FakeClock();
    const reasons: InvalidSessionReason[] = [];
    let revoke = false;
    const m = manager([KEY_A], clock, {
      onInvalid: (reason) => reasons.push(reason),
      isRevoked: () => revoke,
    });
    const valid = (await writeSession(m)).cookies[NAME]!;
    const tampered = `${valid.slice(0, 40)}${valid[40] === "A" ? "B" : "A"}${valid.slice(41)}`;
    const foreign = (await writeSession(manager([KEY_C], clock))).cookies[NAME]!;
    const junk = seal(new Keyring([KEY_A]), "session", Buffer.from("[not a payload]"));
    const cases: Array<[InvalidSessionReason, string, () => void]> = [
      ["malformed", "!!!", () => {}],
      ["malformed", "", () => {}],
      ["oversized", "A".repeat(4097), () => {}],
      ["unknown-key", foreign, () => {}],
      ["auth-failed", tampered, () => {}],
      ["bad-payload", junk, () => {}],
      ["expired", valid, () => clock.advance(DAY)],
      ["revoked", valid, () => (revoke = true)],
    ];
    const outcomes = new Set<string>();
    for (const [reason, value, arrange] of cases) {
      clock.time = T0;
      revoke = false;
      arrange();
      reasons.length = 0;
      const session = await m.load({ [NAME]: value, unrelated: "x" }, true);
      assert.deepEqual(reasons, [reason]);
      assert.equal(session.isNew, true);
      assert.deepEqual(Object.keys(session), []);
      const { setCookies } = m.commit(session);
      assert.doesNotMatch(setCookies.join("\n"), new RegExp(value.slice(0, 20) || "^$"));
      outcomes.add(JSON.stringify(setCookies));
    }
    assert.equal(outcomes.size, 1, `identical responses, got ${[...outcomes].join("\n")}`);
    assert.equal(
      JSON.parse([...outcomes][0]!)[0],
      `${NAME}=; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/; HttpOnly; Secure; SameSite=Lax`,
    );
  });

  it("a throwing metrics hook changes nothing", async () => {
    const m = manager([KEY_A], new FakeClock(), {
      onInvalid: () => {
        throw new Error("metrics down");
      },
    });
    const session = await m.load({ [NAME]: "garbage" }, true);
    assert.equal(m.commit(session).setCookies.length, 1);
  });
});

describe("sessions: chunk tampering", () => {
  it("fails closed on dropped, swapped, reordered and mixed chunks and deletes them all", async () => {
    const clock = new FakeClock();
    const m = manager([KEY_A], clock, { maxChunks: 3 });
    const one = (await writeSession(m, "x".repeat(4500))).cookies;
    const two = (await writeSession(m, "y".repeat(4500))).cookies;
    assert.deepEqual(Object.keys(one).sort(), [NAME, `${NAME}.1`]);
    const three = (await writeSession(m, "z".repeat(7000))).cookies;
    assert.equal(Object.keys(three).length, 3);
    assert.equal(await opens(m, one), true);
    const c = (map: Record<string, string>, i: number) => map[i === 0 ? NAME : `${NAME}.${i}`]!;
    const cases: Array<[string, Record<string, string>]> = [
      ["drop last", { [NAME]: c(one, 0) }],
      ["drop first", { [`${NAME}.1`]: c(one, 1) }],
      ["swap", { [NAME]: c(one, 1), [`${NAME}.1`]: c(one, 0) }],
      ["mix two sessions", { [NAME]: c(one, 0), [`${NAME}.1`]: c(two, 1) }],
      [
        "reorder three",
        { [NAME]: c(three, 0), [`${NAME}.1`]: c(three, 2), [`${NAME}.2`]: c(three, 1) },
      ],
      ["drop middle", { [NAME]: c(three, 0), [`${NAME}.2`]: c(three, 2) }],
      ["extra stale chunk", { ...one, [`${NAME}.2`]: c(three, 2) }],
      [
        "duplicated chunk",
        { [NAME]: c(one, 0), [`${NAME}.1`]: c(one, 1), [`${NAME}.2`]: c(one, 1) },
      ],
    ];
    for (const [name, cookies] of cases) {
      const session = await m.load(cookies, true);
      assert.equal(session.isNew, true, name);
      const deleted = m.commit(session).setCookies.map((line) => line.slice(0, line.indexOf("=")));
      assert.deepEqual(deleted.sort(), Object.keys(cookies).sort(), name);
    }
  });
});

describe("sessions: fuzzed cookie maps", () => {
  it("never throw on load or commit", async () => {
    const clock = new FakeClock();
    const m = manager([KEY_A], clock);
    const valid = (await writeSession(m, "v".repeat(5000))).cookies;
    const pieces = Object.values(valid);
    const names = [
      NAME,
      `${NAME}.1`,
      `${NAME}.2`,
      `${NAME}.4`,
      `${NAME}.5`,
      "session",
      "__proto__",
    ];
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: fc.constantFrom(..."AZaz09-_=+/ .;\u0000\u00ff") }),
      fc.constantFrom(...pieces),
      fc
        .tuple(fc.constantFrom(...pieces), fc.nat(), fc.string({ maxLength: 3 }))
        .map(
          ([piece, at, insert]) =>
            piece.slice(0, at % piece.length) + insert + piece.slice(at % piece.length),
        ),
      fc.anything(),
    );
    const cookieMap = fc.dictionary(fc.constantFrom(...names), value, { maxKeys: 5 });
    await fc.assert(
      fc.asyncProperty(cookieMap, fc.boolean(), async (cookies, secure) => {
        const session = await m.load(cookies as Record<string, string>, secure);
        const { setCookies } = m.commit(session);
        if (!session.isNew) assert.equal(session.count, 41);
        for (const line of setCookies) assert.ok(Buffer.byteLength(`Set-Cookie: ${line}`) <= 4096);
      }),
      { numRuns: 1500 },
    );
    for (const odd of [null, undefined, 42, "x", []]) {
      const session = await m.load(odd as unknown as Record<string, string>, true);
      assert.equal(session.isNew, true);
    }
  });
});
