import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ExpiryPolicy, SessionPayload } from "../../src/session/payload.js";
import {
  decodePayload,
  encodeData,
  encodePayload,
  encodePayloadWithData,
  expiryFailure,
  expiryOf,
  refreshInterval,
  shouldRefresh,
} from "../../src/session/payload.js";
import { DAY, HOUR, MINUTE, SECOND, T0 } from "./helpers.js";

const SID = "AAAAAAAAAAAAAAAAAAAAAA";
const CSRF = "B".repeat(43);
const policy: ExpiryPolicy = { absoluteTimeout: 7 * DAY, idleTimeout: DAY, clockSkew: MINUTE };

function payload(overrides: Partial<SessionPayload> = {}): SessionPayload {
  return {
    v: 1,
    sid: SID,
    iat: T0,
    lat: T0,
    exp: T0 + DAY,
    csrf: CSRF,
    data: { user: { id: 7, roles: ["a"] } },
    flash: {},
    ...overrides,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const raw = (text: string) => Buffer.from(text);
const baseText = JSON.stringify(payload());

describe("payload: encode/decode", () => {
  it("round-trips into null-prototype objects at every depth", () => {
    const decoded = decodePayload(encodePayload(payload()));
    assert.ok(decoded);
    assert.equal(Object.getPrototypeOf(decoded), null);
    assert.equal(Object.getPrototypeOf(decoded.data), null);
    assert.equal(Object.getPrototypeOf(decoded.data.user), null);
    assert.deepEqual(JSON.parse(JSON.stringify(decoded)), JSON.parse(baseText));
  });

  const rejected: Array<[string, Buffer]> = [
    ["not JSON", raw("{nope")],
    ["invalid UTF-8", Buffer.from([0x7b, 0xff, 0x7d])],
    ["an array", json([payload()])],
    ["null", raw("null")],
    ["a missing key", json({ ...payload(), flash: undefined })],
    ["an extra key", json({ ...payload(), admin: true })],
    ["another version", json(payload({ v: 2 as 1 }))],
    ["a short sid", json(payload({ sid: "abc" }))],
    ["a sid with bad chars", json(payload({ sid: `${SID.slice(1)}+` }))],
    ["a csrf secret of wrong length", json(payload({ csrf: "B".repeat(42) }))],
    ["a fractional timestamp", json(payload({ iat: T0 + 0.5 }))],
    ["a negative timestamp", json(payload({ iat: -1, lat: 0 }))],
    ["a string timestamp", json({ ...payload(), lat: String(T0) })],
    ["last-active before issued-at", json(payload({ lat: T0 - 1 }))],
    ["expiry not after issued-at", json(payload({ exp: T0 }))],
    ["array data", json({ ...payload(), data: [] })],
    ["null flash", json({ ...payload(), flash: null })],
    ["top-level __proto__", raw(baseText.replace('{"v":1', '{"__proto__":{"admin":true},"v":1'))],
    ["nested __proto__", raw(baseText.replace('"roles"', '"__proto__":{"admin":true},"roles"'))],
  ];
  for (const [name, bytes] of rejected) {
    it(`rejects ${name}`, () => assert.equal(decodePayload(bytes), undefined));
  }

  it("encodes identically when reusing already-serialised data", () => {
    const { data, flash, ...meta } = payload({ flash: { notice: "hi" } });
    assert.deepEqual(
      encodePayloadWithData(meta, encodeData(data), flash),
      encodePayload(payload({ flash: { notice: "hi" } })),
    );
  });

  it("rejects nesting deep enough to overflow the stack", () => {
    const deep = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
    assert.equal(
      decodePayload(raw(baseText.replace('"flash":{}', `"flash":{"x":${deep}}`))),
      undefined,
    );
  });

  it("does not pollute Object.prototype through a crafted payload", () => {
    decodePayload(raw(baseText.replace('"roles"', '"__proto__":{"polluted":true},"roles"')));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it("refuses to seal data JSON cannot carry faithfully", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const data of [{ big: 1n }, cyclic, { nested: JSON.parse('{"__proto__":1}') }]) {
      assert.throws(() => encodePayload(payload({ data })), TypeError);
    }
  });
});

describe("payload: expiry with the current policy", () => {
  const cases: Array<[string, Partial<SessionPayload>, number, ExpiryPolicy, string | undefined]> =
    [
      ["fresh", {}, T0, policy, undefined],
      ["idle - 1 ms", {}, T0 + DAY - 1, policy, undefined],
      ["idle exactly", { exp: T0 + 2 * DAY }, T0 + DAY, policy, "idle"],
      [
        "active, absolute - 1 ms",
        { lat: T0 + 7 * DAY - HOUR, exp: T0 + 7 * DAY },
        T0 + 7 * DAY - 1,
        policy,
        undefined,
      ],
      [
        "active, absolute exactly",
        { lat: T0 + 7 * DAY - HOUR, exp: T0 + 8 * DAY },
        T0 + 7 * DAY,
        policy,
        "absolute",
      ],
      [
        "issued within skew",
        { iat: T0 + MINUTE, lat: T0 + MINUTE, exp: T0 + DAY },
        T0,
        policy,
        undefined,
      ],
      [
        "issued beyond skew",
        { iat: T0 + MINUTE + 1, lat: T0 + MINUTE + 1, exp: T0 + DAY },
        T0,
        policy,
        "future",
      ],
      ["last-active beyond skew", { lat: T0 + 2 * MINUTE }, T0 + MINUTE - 1, policy, "future"],
      ["sealed expiry - 1 ms", { exp: T0 + HOUR }, T0 + HOUR - 1, policy, undefined],
      ["sealed expiry exactly", { exp: T0 + HOUR }, T0 + HOUR, policy, "sealed-expiry"],
      ["shortened idle", {}, T0 + 2 * HOUR, { ...policy, idleTimeout: HOUR }, "idle"],
      [
        "shortened absolute",
        { lat: T0 + 2 * DAY, exp: T0 + 3 * DAY },
        T0 + 2 * DAY,
        { ...policy, absoluteTimeout: DAY },
        "absolute",
      ],
      [
        "lengthened idle still capped by seal",
        {},
        T0 + DAY,
        { ...policy, idleTimeout: 2 * DAY },
        "sealed-expiry",
      ],
    ];
  for (const [name, overrides, now, currentPolicy, expected] of cases) {
    it(name, () => assert.equal(expiryFailure(payload(overrides), now, currentPolicy), expected));
  }

  it("stamps expiry at the earlier of the two timeouts", () => {
    assert.equal(expiryOf(T0, T0, policy), T0 + DAY);
    assert.equal(expiryOf(T0, T0 + 6.5 * DAY, policy), T0 + 7 * DAY);
  });
});

describe("payload: last-active refresh", () => {
  const cases: Array<[number, number]> = [
    [DAY, HOUR],
    [10 * HOUR, HOUR],
    [5 * HOUR, 30 * MINUTE],
    [10 * MINUTE, MINUTE],
    [10 * SECOND, SECOND],
  ];
  for (const [idle, interval] of cases) {
    it(`idle ${idle} ms refreshes every ${interval} ms`, () => {
      assert.equal(refreshInterval(idle), interval);
      assert.equal(shouldRefresh({ lat: T0 }, T0 + interval - 1, idle), false);
      assert.equal(shouldRefresh({ lat: T0 }, T0 + interval, idle), true);
    });
  }
});
