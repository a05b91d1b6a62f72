import assert from "node:assert/strict";
import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { Keyring } from "../../src/session/keys.js";
import { NONCE_BYTES, open, openWithReason, seal } from "../../src/session/seal.js";
import { KEY_A, KEY_B, KEY_C } from "./helpers.js";

const keyringA = new Keyring([KEY_A]);
const fixedNonce = Buffer.from(Array.from({ length: NONCE_BYTES }, (_, i) => i));
const fixedRng = () => Buffer.from(fixedNonce);
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Frozen known-answer vector. If this changes, every deployed session cookie breaks: bump the
// version byte and the HKDF labels instead of editing this string.
const KAT_PLAINTEXT = '{"hello":"world"}';
const KAT_TOKEN =
  "AQ5cQ_QAAQIDBAUGBwgJCgsMDQ4PEBESExQVFheTkmzCpU_jjaXfRyQJft-AJ7ROD-USTRiD06v0HjhIWOI";

describe("seal: known answer", () => {
  it("fixed key + fixed nonce produce the frozen token", () => {
    const token = seal(keyringA, "session", Buffer.from(KAT_PLAINTEXT), fixedRng);
    assert.equal(token, KAT_TOKEN);
    const opened = open(keyringA, "session", KAT_TOKEN);
    assert.equal(opened?.plaintext.toString(), KAT_PLAINTEXT);
    assert.equal(opened?.kid, "0e5c43f4");
    assert.equal(opened?.usedPrimary, true);
  });

  it("matches an independent implementation of the documented construction", () => {
    const secret = Buffer.from(KEY_A.slice(4), "hex");
    const hkdf = (ikm: Buffer, salt: Buffer, info: string, length: number) =>
      Buffer.from(hkdfSync("sha256", ikm, salt, info, length));
    const encKey = hkdf(secret, Buffer.alloc(0), "slow-serv session v1 enc", 32);
    const kid = hkdf(secret, Buffer.alloc(0), "slow-serv session v1 kid", 4);
    // RFC 5869 HKDF-Expand, written generically.
    const info = Buffer.concat([Buffer.from("slow-serv session v1 msg"), fixedNonce]);
    let block = Buffer.alloc(0);
    let okm = Buffer.alloc(0);
    for (let i = 1; okm.length < 44; i++) {
      block = createHmac("sha256", encKey)
        .update(Buffer.concat([block, info, Buffer.from([i])]))
        .digest();
      okm = Buffer.concat([okm, block]);
    }
    const header = Buffer.concat([Buffer.from([1]), kid]);
    const cipher = createCipheriv("aes-256-gcm", okm.subarray(0, 32), okm.subarray(32, 44));
    cipher.setAAD(Buffer.concat([header, Buffer.from("session")]));
    const body = Buffer.concat([cipher.update(KAT_PLAINTEXT), cipher.final()]);
    const expected = Buffer.concat([header, fixedNonce, body, cipher.getAuthTag()]);
    assert.equal(expected.toString("base64url"), KAT_TOKEN);
  });
});

describe("seal: round trip and nonces", () => {
  it("opens what it sealed, for sizes 0..1500", () => {
    for (let size = 0; size <= 1500; size += 37) {
      const plaintext = randomBytes(size);
      const opened = open(keyringA, "session", seal(keyringA, "session", plaintext), 1e5);
      assert.deepEqual(opened?.plaintext, plaintext);
    }
  });

  it("uses a distinct nonce and token for 10,000 identical seals", () => {
    const nonces = new Set<string>();
    const tokens = new Set<string>();
    const plaintext = Buffer.from('{"same":"every time"}');
    for (let i = 0; i < 10_000; i++) {
      const token = seal(keyringA, "session", plaintext);
      tokens.add(token);
      nonces.add(
        Buffer.from(token, "base64url")
          .subarray(5, 5 + NONCE_BYTES)
          .toString("hex"),
      );
    }
    assert.equal(nonces.size, 10_000);
    assert.equal(tokens.size, 10_000);
  });

  it("rejects a random source that returns the wrong size", () => {
    assert.throws(
      () => seal(keyringA, "session", Buffer.alloc(1), () => Buffer.alloc(12)),
      TypeError,
    );
  });
});

describe("seal: tampering fails closed", () => {
  const token = seal(keyringA, "session", Buffer.from('{"uid":1,"admin":false}'));
  const bytes = Buffer.from(token, "base64url");

  it("rejects every single-bit flip", () => {
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      assert.equal(
        open(keyringA, "session", flipped.toString("base64url")),
        undefined,
        `bit ${bit}`,
      );
    }
  });

  it("rejects every character replaced by every other character", () => {
    const replacements = `${ALPHABET}=+/. %\u00e9\u0000`;
    for (let position = 0; position < token.length; position++) {
      for (const char of replacements) {
        if (char === token[position]) continue;
        const altered = token.slice(0, position) + char + token.slice(position + 1);
        assert.equal(open(keyringA, "session", altered), undefined, `${position}:${char}`);
      }
    }
  });

  it("rejects truncation at every length and any appended text", () => {
    for (let length = 0; length < token.length; length++) {
      assert.equal(
        open(keyringA, "session", token.slice(0, length)),
        undefined,
        `length ${length}`,
      );
    }
    for (const suffix of ["A", "AA", "AAAA", "=", "==", " ", "\n", token]) {
      assert.equal(open(keyringA, "session", token + suffix), undefined, JSON.stringify(suffix));
    }
  });

  it("binds the cookie name", () => {
    assert.ok(open(keyringA, "session", token));
    for (const other of ["Session", "session.1", "other", "", "session\u0000"]) {
      assert.equal(open(keyringA, other, token), undefined, other);
    }
  });

  it("rejects other keys and reports why (for metrics only)", () => {
    assert.equal(open(new Keyring([KEY_B]), "session", token), undefined);
    assert.deepEqual(openWithReason(new Keyring([KEY_B, KEY_C]), "session", token), {
      ok: false,
      reason: "unknown-key",
    });
    const tampered = Buffer.from(bytes);
    tampered[bytes.length - 1]! ^= 1;
    assert.deepEqual(openWithReason(keyringA, "session", tampered.toString("base64url")), {
      ok: false,
      reason: "auth-failed",
    });
    assert.deepEqual(openWithReason(keyringA, "session", "**"), { ok: false, reason: "malformed" });
  });

  it("refuses absurd lengths and non-strings without decoding", () => {
    assert.equal(open(keyringA, "session", "A".repeat(1_000_000)), undefined);
    assert.equal(open(keyringA, "session", token, token.length - 1), undefined);
    assert.ok(open(keyringA, "session", token, token.length));
    for (const junk of [undefined, null, 42, {}, [token]]) {
      assert.equal(open(keyringA, "session", junk as unknown as string), undefined);
    }
  });

  it("rejects an unknown version byte even with a valid key id", () => {
    const versioned = Buffer.from(bytes);
    versioned[0] = 2;
    assert.equal(open(keyringA, "session", versioned.toString("base64url")), undefined);
  });
});

describe("seal: rotation", () => {
  it("a fallback key opens, flagged as not primary; the primary is used for sealing", () => {
    const token = seal(keyringA, "session", Buffer.from("x"));
    const rotated = new Keyring([KEY_B, KEY_A]);
    const opened = open(rotated, "session", token);
    assert.equal(opened?.usedPrimary, false);
    assert.equal(opened?.kid, keyringA.primary.kid);
    const resealed = seal(rotated, "session", Buffer.from("x"));
    assert.equal(open(rotated, "session", resealed)?.usedPrimary, true);
    assert.equal(open(keyringA, "session", resealed), undefined);
  });
});
