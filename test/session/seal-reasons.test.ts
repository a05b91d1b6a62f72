import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Keyring } from "../../src/session/keys.js";
import {
  MIN_TOKEN_BYTES,
  NONCE_BYTES,
  openWithReason,
  pooledRandomBytes,
  seal,
} from "../../src/session/seal.js";
import { KEY_A } from "./helpers.js";

// Found by mutation testing (docs/testing.md): the exact failure reasons of openWithReason at
// each early check, and the random source's length check, were not pinned by any test.

const keyring = new Keyring([KEY_A]);
const token = seal(keyring, "session", Buffer.from('{"n":1}'), () => Buffer.alloc(NONCE_BYTES, 9));
const MALFORMED = { ok: false, reason: "malformed" };

describe("openWithReason's early refusals", () => {
  it("an unknown version byte is malformed, not an unknown key", () => {
    const bytes = Buffer.from(token, "base64url");
    bytes[0] = 0x02;
    assert.deepEqual(openWithReason(keyring, "session", bytes.toString("base64url")), MALFORMED);
  });

  it("a canonical token one byte shorter than the minimum is malformed", () => {
    const bytes = Buffer.from(token, "base64url").subarray(0, MIN_TOKEN_BYTES - 1);
    assert.deepEqual(openWithReason(keyring, "session", bytes.toString("base64url")), MALFORMED);
    const shortest = Buffer.from(token, "base64url").subarray(0, MIN_TOKEN_BYTES);
    // The minimum length itself gets past the length checks to the authentication.
    assert.deepEqual(openWithReason(keyring, "session", shortest.toString("base64url")), {
      ok: false,
      reason: "auth-failed",
    });
  });

  it("a random source returning the wrong number of bytes is refused with a clear message", () => {
    assert.throws(
      () => seal(keyring, "session", Buffer.from("x"), () => Buffer.alloc(NONCE_BYTES - 1)),
      { name: "TypeError", message: `Random source returned 23 bytes, expected ${NONCE_BYTES}` },
    );
  });
});

describe("openWithReason: spelling", () => {
  it("a non-canonical spelling of a valid token is malformed", () => {
    // The last character of a base64url string carries unused low bits; Node decodes the
    // variants to the same bytes, and only the canonical one is accepted.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(token.at(-1)!);
    const variant = token.slice(0, -1) + alphabet[last | 1]!;
    assert.notEqual(variant, token, "the token's last character has unused bits");
    assert.deepEqual(Buffer.from(variant, "base64url"), Buffer.from(token, "base64url"));
    assert.deepEqual(openWithReason(keyring, "session", variant), MALFORMED);
    assert.equal(openWithReason(keyring, "session", token).ok, true);
  });
});

describe("pooledRandomBytes", () => {
  it("returns exactly the size asked for, below, at and above the pool size", () => {
    for (const size of [0, 1, 24, 4095, 4096, 4097, 10_000]) {
      assert.equal(pooledRandomBytes(size).length, size, String(size));
    }
  });

  it("hands out slices that never overlap, across pool refills", () => {
    const slices = Array.from({ length: 400 }, () => pooledRandomBytes(24));
    const seen = new Set(slices.map((slice) => slice.toString("hex")));
    assert.equal(seen.size, slices.length);
  });
});
