import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isValidUtf8, Utf8Validator } from "../../src/wire/websocket/utf8.js";

/**
 * The incremental UTF-8 check (RFC 3629), in the spirit of the conformance suite's section 6:
 * each invalid case names the index of the first byte that makes it invalid, and the validator
 * must say so exactly there, whether the bytes come whole or one at a time.
 */

const valid: Array<[string, number[]]> = [
  ["ASCII", [...Buffer.from("Hello-µ@ßöäüàá-UTF-8!!")]],
  ["2-byte", [0xc2, 0x80, 0xdf, 0xbf]],
  ["3-byte edges", [0xe0, 0xa0, 0x80, 0xef, 0xbf, 0xbf, 0xed, 0x9f, 0xbf, 0xee, 0x80, 0x80]],
  ["4-byte edges", [0xf0, 0x90, 0x80, 0x80, 0xf4, 0x8f, 0xbf, 0xbf]],
  ["κόσμε", [...Buffer.from("κόσμε")]],
  ["U+FFFE, U+FFFF (noncharacters are valid)", [0xef, 0xbf, 0xbe, 0xef, 0xbf, 0xbf]],
];

const invalid: Array<[string, number[], number]> = [
  ["lone continuation", [0x41, 0x80], 1],
  ["C0 lead (overlong)", [0xc0, 0x80], 0],
  ["C1 lead (overlong)", [0xc1, 0xbf], 0],
  ["overlong 3-byte", [0xe0, 0x80, 0x80], 1],
  ["overlong 4-byte", [0xf0, 0x80, 0x80, 0x80], 1],
  ["surrogate D800", [0xed, 0xa0, 0x80], 1],
  ["surrogate DFFF", [0xed, 0xbf, 0xbf], 1],
  ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 1],
  ["F5 lead", [0xf5, 0x80, 0x80, 0x80], 0],
  ["FE", [0xfe], 0],
  ["FF", [0xff], 0],
  ["truncated then ASCII", [0xe2, 0x82, 0x41], 2],
  [
    "κόσμε with a bad byte inside (Autobahn 6.3.1 style)",
    [
      0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5, 0xed, 0xa0, 0x80, 0x65,
      0x64, 0x69, 0x74, 0x65, 0x64,
    ],
    12,
  ],
];

describe("Utf8Validator", () => {
  for (const [name, bytes] of valid) {
    it(`accepts ${name}, whole and byte by byte`, () => {
      assert.equal(isValidUtf8(Uint8Array.from(bytes)), true);
      const validator = new Utf8Validator();
      for (const byte of bytes) assert.equal(validator.write(Uint8Array.of(byte)), true);
      assert.equal(validator.complete, true);
    });
  }
  for (const [name, bytes, badAt] of invalid) {
    it(`refuses ${name} at byte ${badAt} exactly`, () => {
      const validator = new Utf8Validator();
      for (let index = 0; index <= badAt; index++) {
        assert.equal(validator.write(Uint8Array.of(bytes[index]!)), index < badAt, `byte ${index}`);
      }
      assert.equal(new Utf8Validator().write(Uint8Array.from(bytes.slice(0, badAt))), true);
      assert.equal(isValidUtf8(Uint8Array.from(bytes)), false);
    });
  }
  it("reports an unfinished sequence as incomplete, not invalid", () => {
    const validator = new Utf8Validator();
    assert.equal(validator.write(Uint8Array.of(0xf0, 0x90)), true);
    assert.equal(validator.complete, false);
    assert.equal(validator.write(Uint8Array.of(0x80, 0x80)), true);
    assert.equal(validator.complete, true);
  });
});

describe("Utf8Validator state and ranges", () => {
  it("checks only bytes[start, end) when given a range", () => {
    const bytes = Uint8Array.of(0xff, 0xc3, 0xa9, 0xff);
    assert.equal(new Utf8Validator().write(bytes, 1, 3), true);
    assert.equal(new Utf8Validator().write(bytes, 1), false);
    assert.equal(new Utf8Validator().write(bytes, 0, 1), false);
    const validator = new Utf8Validator();
    assert.equal(validator.write(bytes, 1, 2), true);
    assert.equal(validator.complete, false);
    assert.equal(validator.write(bytes, 2, 3), true);
    assert.equal(validator.complete, true);
  });

  it("keeps a narrowed continuation range across writes, and widens it after one byte", () => {
    // E0 needs A0–BF next, then 80–BF: each split point must keep exactly that state.
    const narrowed = new Utf8Validator();
    assert.equal(narrowed.write(Uint8Array.of(0xe0)), true);
    assert.equal(narrowed.write(Uint8Array.of(0x9f)), false);
    const widened = new Utf8Validator();
    assert.equal(widened.write(Uint8Array.of(0xe0, 0xa0)), true);
    assert.equal(widened.write(Uint8Array.of(0x80)), true);
    assert.equal(widened.complete, true);
    const capped = new Utf8Validator();
    assert.equal(capped.write(Uint8Array.of(0xf4)), true);
    assert.equal(capped.write(Uint8Array.of(0x90)), false);
  });

  it("reset() forgets an unfinished sequence and a narrowed range", () => {
    const validator = new Utf8Validator();
    assert.equal(validator.write(Uint8Array.of(0xed)), true);
    validator.reset();
    assert.equal(validator.complete, true);
    // After ED the next byte may be at most 9F; after reset, A0 would be a lone continuation,
    // and a fresh E2 82 AC (€) must pass with its full 80–BF range.
    assert.equal(validator.write(Uint8Array.of(0xe2, 0x82, 0xac)), true);
    assert.equal(validator.complete, true);
    const lowered = new Utf8Validator();
    assert.equal(lowered.write(Uint8Array.of(0xf0)), true);
    lowered.reset();
    assert.equal(lowered.write(Uint8Array.of(0xf1, 0x80, 0x80, 0x80)), true);
  });

  it("starts afresh after refusing a byte that came in a write of its own", () => {
    const validator = new Utf8Validator();
    assert.equal(validator.write(Uint8Array.of(0xe0)), true);
    assert.equal(validator.write(Uint8Array.of(0x80)), false);
    assert.equal(validator.complete, true);
    assert.equal(validator.write(Uint8Array.of(0x41)), true);
    assert.equal(validator.complete, true);
  });

  it("starts afresh after refusing a byte", () => {
    const validator = new Utf8Validator();
    assert.equal(validator.write(Uint8Array.of(0xe0, 0x80)), false);
    assert.equal(validator.complete, true);
    assert.equal(validator.write(Uint8Array.of(0xe1, 0x80, 0x80)), true);
    assert.equal(validator.complete, true);
  });

  it("isValidUtf8 refuses a payload that ends inside a sequence", () => {
    assert.equal(isValidUtf8(Uint8Array.of(0x61, 0xe2, 0x82)), false);
    assert.equal(isValidUtf8(Uint8Array.of(0xc3)), false);
    assert.equal(isValidUtf8(Uint8Array.of()), true);
  });

  it("accepts every lead byte at the edges of its range", () => {
    const leads: Array<[number, number[]]> = [
      [0x7f, []],
      [0xc2, [0x80]],
      [0xdf, [0xbf]],
      [0xe1, [0x80, 0x80]],
      [0xec, [0xbf, 0xbf]],
      [0xee, [0x80, 0x80]],
      [0xf1, [0x80, 0x80, 0x80]],
      [0xf3, [0xbf, 0xbf, 0xbf]],
    ];
    for (const [lead, rest] of leads) {
      assert.equal(isValidUtf8(Uint8Array.of(lead, ...rest)), true, lead.toString(16));
    }
    for (const lead of [0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xf8]) {
      assert.equal(isValidUtf8(Uint8Array.of(lead, 0x80, 0x80, 0x80)), false, lead.toString(16));
    }
    // After E1–EC, EE, EF and F1–F3 the continuation range is the full 80–BF.
    assert.equal(isValidUtf8(Uint8Array.of(0xe1, 0x7f, 0x80)), false);
    assert.equal(isValidUtf8(Uint8Array.of(0xe1, 0xc0, 0x80)), false);
  });
});
