import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Keyring } from "../../src/session/keys.js";
import { MIN_TOKEN_BYTES, NONCE_BYTES, openWithReason, seal } from "../../src/session/seal.js";
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
