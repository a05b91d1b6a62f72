import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  chunkCapacity,
  chunkDeletions,
  chunkName,
  MAX_SET_COOKIE_LINE_BYTES,
  readChunks,
  splitIntoChunks,
} from "../../src/session/chunks.js";
import { SessionTooLargeError } from "../../src/session/errors.js";

const ATTRS = "; Max-Age=604800; Path=/; HttpOnly; Secure; SameSite=Lax";
const NAME = "__Host-session";
const token = (length: number) =>
  Array.from(
    { length },
    (_, i) => "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i % 64],
  ).join("");

function lineLength(value: string): number {
  return Buffer.byteLength(`Set-Cookie: ${value}`);
}

function join(values: string[]): string {
  return values.map((value) => value.slice(value.indexOf("=") + 1, value.indexOf(";"))).join("");
}

describe("chunks: splitting", () => {
  it("names chunk 0 like the cookie and later chunks <name>.<i>", () => {
    assert.deepEqual(
      [0, 1, 4].map((i) => chunkName(NAME, i)),
      [NAME, `${NAME}.1`, `${NAME}.4`],
    );
  });

  it("writes a small token as one cookie", () => {
    assert.deepEqual(splitIntoChunks(NAME, "abc", ATTRS, 2), [`${NAME}=abc${ATTRS}`]);
  });

  it("keeps every full Set-Cookie line within 4096 bytes around every boundary", () => {
    for (const maxChunks of [1, 2, 3, 5]) {
      const caps = Array.from({ length: maxChunks }, (_, i) => chunkCapacity(NAME, i, ATTRS));
      const boundaries = caps.map((_, i) => caps.slice(0, i + 1).reduce((a, b) => a + b, 0));
      for (const boundary of boundaries) {
        for (let length = boundary - 3; length <= boundary + 3; length++) {
          const t = token(length);
          if (length > boundaries[boundaries.length - 1]!) {
            assert.throws(() => splitIntoChunks(NAME, t, ATTRS, maxChunks), SessionTooLargeError);
            continue;
          }
          const values = splitIntoChunks(NAME, t, ATTRS, maxChunks);
          for (const value of values) assert.ok(lineLength(value) <= MAX_SET_COOKIE_LINE_BYTES);
          assert.equal(join(values), t);
          const needed = boundaries.findIndex((b) => length <= b) + 1;
          assert.equal(values.length, needed, `length ${length}`);
        }
        // At exactly a boundary the last line uses the whole allowance.
        const full = splitIntoChunks(NAME, token(boundary), ATTRS, maxChunks);
        assert.equal(lineLength(full[full.length - 1]!), MAX_SET_COOKIE_LINE_BYTES);
      }
    }
  });

  it("explains an oversized token with size and limit", () => {
    const limit = chunkCapacity(NAME, 0, ATTRS) + chunkCapacity(NAME, 1, ATTRS);
    assert.throws(
      () => splitIntoChunks(NAME, token(limit + 1), ATTRS, 2),
      (error: unknown) =>
        error instanceof SessionTooLargeError &&
        error.size === limit + 1 &&
        error.limit === limit &&
        /maxChunks/.test(error.message) &&
        error.message.includes(String(limit)),
    );
  });
});

describe("chunks: reading", () => {
  const cases: Array<
    [string, Record<string, unknown>, number, string | undefined, number[], string | undefined]
  > = [
    ["absent", { other: "x" }, 2, undefined, [], undefined],
    ["one chunk", { [NAME]: "abc" }, 2, "abc", [0], undefined],
    ["two chunks", { [`${NAME}.1`]: "def", [NAME]: "abc" }, 2, "abcdef", [0, 1], undefined],
    ["chunk 0 missing", { [`${NAME}.1`]: "def" }, 2, undefined, [1], "missing-chunk"],
    ["gap", { [NAME]: "a", [`${NAME}.2`]: "c" }, 3, undefined, [0, 2], "missing-chunk"],
    [
      "more than maxChunks",
      { [NAME]: "a", [`${NAME}.1`]: "b", [`${NAME}.2`]: "c" },
      2,
      undefined,
      [0, 1, 2],
      "too-many-chunks",
    ],
    [
      "leftover beyond config, up to hard cap",
      { [NAME]: "a", [`${NAME}.4`]: "e" },
      1,
      undefined,
      [0, 4],
      "too-many-chunks",
    ],
    ["empty chunk", { [NAME]: "abc", [`${NAME}.1`]: "" }, 2, undefined, [0, 1], "malformed"],
    ["non-string chunk", { [NAME]: 42 }, 2, undefined, [0], "malformed"],
    ["oversized chunk", { [NAME]: "a".repeat(5000) }, 2, undefined, [0], "oversized"],
    ["inherited name ignored", Object.create({ [NAME]: "abc" }), 2, undefined, [], undefined],
  ];
  for (const [name, cookies, maxChunks, expectedToken, present, problem] of cases) {
    it(name, () => {
      assert.deepEqual(readChunks(cookies, NAME, maxChunks), {
        token: expectedToken,
        present,
        problem,
      });
    });
  }

  it("round-trips what splitting wrote", () => {
    const t = token(6000);
    const cookies: Record<string, string> = {};
    for (const value of splitIntoChunks(NAME, t, ATTRS, 2)) {
      const pair = value.slice(0, value.indexOf(";"));
      cookies[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
    }
    assert.equal(readChunks(cookies, NAME, 2).token, t);
  });

  it("formats deletions", () => {
    assert.deepEqual(chunkDeletions(NAME, [0, 2], "; Max-Age=0"), [
      `${NAME}=; Max-Age=0`,
      `${NAME}.2=; Max-Age=0`,
    ]);
  });
});
