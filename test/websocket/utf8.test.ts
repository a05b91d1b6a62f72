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
