import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SessionConfigError } from "../../src/session/errors.js";
import type { SessionKey } from "../../src/session/keys.js";
import { decodeKey, generateKey, indexByKeyId, Keyring } from "../../src/session/keys.js";
import { KEY_A, KEY_B, KEY_C } from "./helpers.js";

const RAW_A = Buffer.from(KEY_A.slice("hex:".length), "hex");

function expectKeyError(keys: unknown, mention: RegExp): void {
  assert.throws(
    () => new Keyring(keys as string[]),
    (error: unknown) => {
      assert.ok(error instanceof SessionConfigError, `expected SessionConfigError, got ${error}`);
      assert.match(error.message, mention);
      assert.match(error.message, /npx slow-serv keygen/);
      return true;
    },
  );
}

describe("session keys: accepted formats", () => {
  it("decodes Buffer, hex: and base64url: to the same secret and key id", () => {
    const forms = [RAW_A, KEY_A, `base64url:${RAW_A.toString("base64url")}`, new Uint8Array(RAW_A)];
    const kids = forms.map((form) => new Keyring([form]).primary.kid);
    assert.deepEqual(new Set(kids).size, 1);
    assert.deepEqual(decodeKey(KEY_A), RAW_A);
  });

  it("accepts uppercase hex and keys longer than 32 bytes", () => {
    assert.equal(decodeKey(KEY_A.toUpperCase().replace("HEX:", "hex:")).length, 32);
    const long = Buffer.concat([RAW_A, Buffer.from(KEY_B.slice(4), "hex")]);
    assert.equal(new Keyring([long]).keys.length, 1);
  });

  it("pins the derived key id (part of the frozen format)", () => {
    assert.equal(new Keyring([KEY_A]).primary.kid, "0e5c43f4");
  });

  it("makes keys[0] the primary and finds every key by its id", () => {
    const keyring = new Keyring([KEY_B, KEY_A, KEY_C]);
    assert.equal(keyring.primary.index, 0);
    assert.equal(keyring.primary.kid, new Keyring([KEY_B]).primary.kid);
    for (const key of keyring.keys) assert.equal(keyring.lookup(key.kid), key);
    assert.equal(keyring.lookup("00000000"), undefined);
    for (const key of keyring.keys) {
      assert.match(key.kid, /^[0-9a-f]{8}$/);
      assert.equal(key.encryptionKey.length, 32);
      assert.ok(!key.encryptionKey.equals(RAW_A), "the secret itself is never used as the key");
    }
  });

  it("generateKey() returns base64url: + 32 fresh random bytes that validate", () => {
    const keys = Array.from({ length: 200 }, () => generateKey());
    assert.equal(new Set(keys).size, keys.length);
    for (const key of keys) {
      assert.match(key, /^base64url:[A-Za-z0-9_-]{43}$/);
      assert.equal(decodeKey(key).length, 32);
    }
    assert.equal(new Keyring(keys.slice(0, 50)).keys.length, 50);
  });
});

describe("session keys: start-up errors", () => {
  const printable = Buffer.from("correct horse battery staple, surely long enough!");
  const cases: Array<[string, unknown, RegExp]> = [
    ["empty list", [], /non-empty array/],
    ["not an array", KEY_A, /non-empty array/],
    ["passphrase without prefix", ["correct horse battery staple and more words"], /passphrase/],
    ["raw hex without prefix", [KEY_A.slice(4)], /passphrase/],
    ["16-byte hex", [`hex:${RAW_A.subarray(0, 16).toString("hex")}`], /16 bytes; at least 32/],
    ["31-byte Buffer", [RAW_A.subarray(0, 31)], /31 bytes/],
    ["odd-length hex", [`${KEY_A}0`], /not valid hex/],
    ["hex with a space", [`${KEY_A.slice(0, 20)} ${KEY_A.slice(20)}`], /not valid hex/],
    ["padded base64url", [`base64url:${RAW_A.toString("base64")}`], /canonical base64url/],
    ["trailing newline", [`base64url:${RAW_A.toString("base64url")}\n`], /trailing newline/],
    [
      "non-canonical last char",
      [`base64url:${RAW_A.toString("base64url").slice(0, -1)}B`],
      /canonical/,
    ],
    ["empty base64url body", ["base64url:"], /canonical/],
    ["all zero bytes", [Buffer.alloc(32)], /1 distinct byte/],
    ["few distinct bytes", [Buffer.from("0102030401020304".repeat(4), "hex")], /4 distinct/],
    ["encoded passphrase", [`base64url:${printable.toString("base64url")}`], /printable text/],
    ["counter bytes", [Buffer.from(Array.from({ length: 32 }, (_, i) => 128 + i))], /pattern/],
    [
      "number",
      [12345],
      /keys\[0\] \(option 'session\.keys'\) must be a Buffer or a string, got number/,
    ],
    [
      "unset variable",
      [undefined],
      /keys\[0\] \(option 'session\.keys'\) is undefined: .*SESSION_KEY/,
    ],
    ["duplicate", [KEY_A, KEY_B, KEY_A], /keys\[2\] is the same secret as keys\[0\]/],
    ["duplicate across encodings", [KEY_A, RAW_A], /same secret/],
  ];
  for (const [name, keys, mention] of cases) {
    it(`rejects ${name}`, () => expectKeyError(keys, mention));
  }

  it("never echoes key material in the message", () => {
    const secretish = `hex:${RAW_A.subarray(0, 20).toString("hex")}`;
    assert.throws(
      () => new Keyring([secretish]),
      (error: Error) => !error.message.includes(secretish.slice(4, 24)),
    );
  });

  it("fails on a key-id collision", () => {
    const fake = (index: number): SessionKey => ({
      index,
      kid: "0badc0de",
      kidBytes: Buffer.from("0badc0de", "hex"),
      encryptionKey: Buffer.alloc(32, index),
    });
    assert.throws(
      () => indexByKeyId([fake(0), fake(1)]),
      /keys\[0\] and keys\[1\] derive the same key id/,
    );
    assert.equal(indexByKeyId([fake(0)]).size, 1);
  });
});
