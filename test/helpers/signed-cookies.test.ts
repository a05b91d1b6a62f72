import assert from "node:assert/strict";
import { createHash, createHmac, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import fc from "fast-check";
import { serializeCookie } from "../../src/app/cookies.js";
import { CookieSigner } from "../../src/app/signed-cookies.js";

// Fixed keys that look random (the weak-key check refuses patterns such as Buffer.alloc(32, 1)).
const KEY_A = createHash("sha256").update("key a").digest();
const KEY_B = createHash("sha256").update("key b").digest();
const KEY_C = createHash("sha384").update("key c").digest();

describe("CookieSigner construction", () => {
  const bad: Array<[string, unknown, RegExp]> = [
    ["no keys", [], /at least one key/],
    ["not an array", "secret", /at least one key/],
    ["short Buffer", [Buffer.alloc(31)], /keys\[0\] has 31 bytes; use at least 32/],
    ["short passphrase", ["correct horse battery staple"], /keys\[0\] has 28 bytes/],
    ["short fallback", [KEY_A, Buffer.alloc(16)], /keys\[1\] has 16 bytes/],
    ["duplicate", [KEY_A, KEY_B, Buffer.from(KEY_A)], /keys\[2\] duplicates keys\[0\]/],
    ["duplicate across encodings", [KEY_A, `hex:${KEY_A.toString("hex")}`], /duplicates/],
    ["bad hex", ["hex:zz"], /not valid hex/],
    ["odd hex", [`hex:${"a".repeat(65)}`], /not valid hex/],
    ["bad base64url", ["base64url:a+b/"], /not valid base64url/],
    ["number key", [42], /Buffer or a string/],
    // Issue 13 item 6: the session keys' weak-key check applies here too.
    ["all-zero key", [Buffer.alloc(32)], /keys\[0\] has only 1 distinct byte values/],
    ["'a'.repeat(32)", ["a".repeat(32)], /keys\[0\] has only 1 distinct byte values/],
    ["a passphrase", ["correct horse battery staple, twice over"], /printable text/],
    ["a counter", [Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7))], /regular pattern/],
    ["a weak fallback key", [KEY_A, Buffer.alloc(32, 0xa1)], /keys\[1\] has only 1 distinct/],
  ];
  for (const [label, keys, message] of bad) {
    it(`rejects ${label}`, () => {
      assert.throws(
        () => new CookieSigner(keys as string[]),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it("accepts Buffers, hex: and base64url: of random-looking bytes", () => {
    const viaHex = new CookieSigner([`hex:${KEY_A.toString("hex")}`]);
    const viaBase64 = new CookieSigner([`base64url:${KEY_A.toString("base64url")}`]);
    const viaBuffer = new CookieSigner([KEY_A]);
    assert.equal(viaHex.sign("n", "v"), viaBuffer.sign("n", "v"));
    assert.equal(viaBase64.sign("n", "v"), viaBuffer.sign("n", "v"));
  });
});

describe("CookieSigner sign/unsign", () => {
  const signer = new CookieSigner([KEY_A]);

  it("matches the documented construction (known answer)", () => {
    const key = Buffer.from(
      hkdfSync("sha256", KEY_A, Buffer.alloc(0), "slow-serv signed cookie v1", 32),
    );
    const mac = createHmac("sha256", key)
      .update(Buffer.from([0, 0, 0, 3]))
      .update("uid")
      .update("42")
      .digest("base64url");
    assert.equal(signer.sign("uid", "42"), `42.${mac}`);
    assert.equal(mac.length, 43);
  });

  it("round-trips values, including ones with dots and empty ones", () => {
    for (const value of ["42", "", "a.b.c", ".", "x".repeat(1000), "é✓"]) {
      assert.equal(signer.unsign("c", signer.sign("c", value)), value);
    }
  });

  it("produces values that are valid cookie values when the input is", () => {
    assert.doesNotThrow(() => serializeCookie("c", signer.sign("c", "user-42")));
  });

  it("rejects a value moved to another cookie name", () => {
    const signed = signer.sign("role", "admin");
    assert.equal(signer.unsign("role", signed), "admin");
    assert.equal(signer.unsign("other", signed), undefined);
    assert.equal(signer.unsign("Role", signed), undefined);
  });

  it("does not confuse name/value boundaries", () => {
    assert.notEqual(signer.sign("ab", "c").split(".")[1], signer.sign("a", "bc").split(".")[1]);
  });

  const malformed: Array<[string, unknown]> = [
    ["undefined", undefined],
    ["empty", ""],
    ["no dot", "a".repeat(50)],
    ["only a signature", "A".repeat(43)],
    ["short signature", "v.abc"],
    ["non-string", 42],
  ];
  for (const [label, input] of malformed) {
    it(`returns undefined for ${label}`, () => {
      assert.equal(signer.unsign("c", input as string), undefined);
    });
  }

  it("rejects every single-character tampering of value or signature", () => {
    const signed = signer.sign("c", "user-42");
    const alphabet = "AZaz09-_.x";
    for (let i = 0; i < signed.length; i++) {
      for (const replacement of alphabet) {
        if (replacement === signed[i]) continue;
        const tampered = signed.slice(0, i) + replacement + signed.slice(i + 1);
        assert.equal(signer.unsign("c", tampered), undefined, `accepted ${tampered}`);
      }
    }
    assert.equal(signer.unsign("c", `${signed}x`), undefined);
    assert.equal(signer.unsign("c", signed.slice(0, -1)), undefined);
    assert.equal(signer.unsign("c", `x${signed}`), undefined);
  });

  it("rejects non-canonical base64url that decodes to the same bytes", () => {
    const signed = signer.sign("c", "v");
    const last = signed.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // The final character carries 2 padding bits; its siblings decode to the same 32 bytes.
    const index = alphabet.indexOf(last);
    const sibling = alphabet[(index & ~3) + ((index + 1) & 3)]!;
    const variant = signed.slice(0, -1) + sibling;
    assert.deepEqual(
      Buffer.from(variant.slice(-43), "base64url"),
      Buffer.from(signed.slice(-43), "base64url"),
    );
    assert.equal(signer.unsign("c", variant), undefined);
  });

  it("property: only the exact signed string verifies", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (name, value, other) => {
        const signed = signer.sign(name, value);
        assert.equal(signer.unsign(name, signed), value);
        if (other !== value) {
          assert.equal(signer.unsign(name, `${other}${signed.slice(value.length)}`), undefined);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("CookieSigner key rotation", () => {
  it("signs with keys[0] and verifies with every key", () => {
    const old = new CookieSigner([KEY_A]);
    const rotated = new CookieSigner([KEY_B, KEY_A]);
    const legacy = old.sign("sid", "v1");
    assert.deepEqual(rotated.verify("sid", legacy), { value: "v1", rotated: true });
    assert.deepEqual(rotated.verify("sid", rotated.sign("sid", "v2")), {
      value: "v2",
      rotated: false,
    });
    assert.equal(old.unsign("sid", rotated.sign("sid", "v2")), undefined);
  });

  it("stops accepting a key once it is dropped", () => {
    const legacy = new CookieSigner([KEY_A]).sign("sid", "v1");
    assert.equal(new CookieSigner([KEY_C, KEY_B]).unsign("sid", legacy), undefined);
  });

  it("derives distinct keys so raw-HMAC outputs with the secret do not verify", () => {
    const signer = new CookieSigner([KEY_A]);
    const rawMac = createHmac("sha256", KEY_A)
      .update(Buffer.from([0, 0, 0, 1]))
      .update("c")
      .update("v")
      .digest("base64url");
    assert.equal(signer.unsign("c", `v.${rawMac}`), undefined);
  });
});
