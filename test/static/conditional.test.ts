import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ConditionalHeaders,
  type ConditionalOutcome,
  evaluatePreconditions,
  ifRangeAllows,
  parseEntityTagList,
  parseHttpDate,
  weakEtag,
} from "../../src/app/conditional.js";
import { parseRange, type RangeOutcome } from "../../src/app/static-range.js";

const MODIFIED = Date.UTC(2024, 0, 2, 3, 4, 5, 678);
const LM = new Date(MODIFIED).toUTCString(); // "Tue, 02 Jan 2024 03:04:05 GMT"
const EARLIER = new Date(MODIFIED - 60_000).toUTCString();
const LATER = new Date(MODIFIED + 60_000).toUTCString();
const ETAG = weakEtag(14, MODIFIED);
const STRONG_FORM = ETAG.slice(2);
const validators = { etag: ETAG, lastModified: MODIFIED };

describe("weakEtag", () => {
  it("is weak, and changes with size, mtime and suffix", () => {
    assert.match(ETAG, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
    assert.notEqual(weakEtag(15, MODIFIED), ETAG);
    assert.notEqual(weakEtag(14, MODIFIED + 1), ETAG);
    assert.notEqual(weakEtag(14, MODIFIED, "br"), ETAG);
    assert.notEqual(weakEtag(14, MODIFIED, "br"), weakEtag(14, MODIFIED, "gzip"));
  });
});

describe("parseEntityTagList", () => {
  const cases: Array<[string, string[] | "*"]> = [
    ["*", "*"],
    [" * ", "*"],
    ['"a"', ['"a"']],
    ['W/"a", "b"', ['W/"a"', '"b"']],
    ['"a,b", "c"', ['"a,b"', '"c"']],
    ['"a" ,, "b"', ['"a"', '"b"']],
    ['a, "b"', ['"b"']],
    ['w/"a"', []],
    ["", []],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(parseEntityTagList(input), expected));
  }
});

describe("parseHttpDate", () => {
  const instant = Date.UTC(1994, 10, 6, 8, 49, 37);
  const cases: Array<[string | undefined, number | undefined]> = [
    ["Sun, 06 Nov 1994 08:49:37 GMT", instant],
    ["Sunday, 06-Nov-94 08:49:37 GMT", instant],
    ["Sun Nov  6 08:49:37 1994", instant],
    ["  Sun, 06 Nov 1994 08:49:37 GMT  ", instant],
    ["1994-11-06T08:49:37Z", undefined],
    ["yesterday", undefined],
    ["Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", undefined],
    ["Sun, 06 Nov 1994 08:49:37 PST", undefined],
    ["", undefined],
    [undefined, undefined],
  ];
  for (const [input, expected] of cases) {
    it(String(input), () => assert.equal(parseHttpDate(input), expected));
  }
});

describe("evaluatePreconditions (RFC 9110 §13.2.2 order)", () => {
  const cases: Array<[string, string, ConditionalHeaders, ConditionalOutcome]> = [
    ["no conditions", "GET", {}, "proceed"],
    ["INM same tag", "GET", { ifNoneMatch: ETAG }, "not-modified"],
    ["INM strong form (weak comparison)", "GET", { ifNoneMatch: STRONG_FORM }, "not-modified"],
    ["INM in a list", "GET", { ifNoneMatch: `"x", ${ETAG}` }, "not-modified"],
    ["INM *", "GET", { ifNoneMatch: "*" }, "not-modified"],
    ["INM other tag", "GET", { ifNoneMatch: '"other"' }, "proceed"],
    ["INM on HEAD", "HEAD", { ifNoneMatch: ETAG }, "not-modified"],
    ["INM on POST fails with 412", "POST", { ifNoneMatch: ETAG }, "precondition-failed"],
    ["INM miss beats IMS hit", "GET", { ifNoneMatch: '"x"', ifModifiedSince: LATER }, "proceed"],
    [
      "INM hit beats IMS miss",
      "GET",
      { ifNoneMatch: ETAG, ifModifiedSince: EARLIER },
      "not-modified",
    ],
    ["IMS equal (second resolution)", "GET", { ifModifiedSince: LM }, "not-modified"],
    ["IMS later", "GET", { ifModifiedSince: LATER }, "not-modified"],
    ["IMS earlier", "GET", { ifModifiedSince: EARLIER }, "proceed"],
    ["IMS invalid is ignored", "GET", { ifModifiedSince: "not a date" }, "proceed"],
    ["IMS ignored on POST", "POST", { ifModifiedSince: LATER }, "proceed"],
    ["If-Match weak tag never matches strongly", "GET", { ifMatch: ETAG }, "precondition-failed"],
    ["If-Match strong form of a weak tag", "GET", { ifMatch: STRONG_FORM }, "precondition-failed"],
    ["If-Match *", "GET", { ifMatch: "*" }, "proceed"],
    ["If-Match other", "GET", { ifMatch: '"nope"' }, "precondition-failed"],
    ["If-Match beats INM", "GET", { ifMatch: '"nope"', ifNoneMatch: ETAG }, "precondition-failed"],
    ["If-Match * then INM hit", "GET", { ifMatch: "*", ifNoneMatch: ETAG }, "not-modified"],
    ["IUS earlier", "GET", { ifUnmodifiedSince: EARLIER }, "precondition-failed"],
    ["IUS equal", "GET", { ifUnmodifiedSince: LM }, "proceed"],
    ["IUS later", "PUT", { ifUnmodifiedSince: LATER }, "proceed"],
    ["IUS invalid is ignored", "GET", { ifUnmodifiedSince: "soon" }, "proceed"],
    [
      "IUS ignored when If-Match present",
      "GET",
      { ifMatch: "*", ifUnmodifiedSince: EARLIER },
      "proceed",
    ],
  ];
  for (const [name, method, headers, expected] of cases) {
    it(name, () => assert.equal(evaluatePreconditions(method, headers, validators), expected));
  }

  it("a strong ETag satisfies If-Match", () => {
    const strong = { etag: '"abc"', lastModified: MODIFIED };
    assert.equal(evaluatePreconditions("PUT", { ifMatch: '"x", "abc"' }, strong), "proceed");
  });
});

describe("ifRangeAllows", () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, true],
    [LM, true],
    [EARLIER, false],
    [LATER, false],
    [ETAG, false],
    [STRONG_FORM, false],
    ["garbage", false],
  ];
  for (const [input, expected] of cases) {
    it(String(input), () => assert.equal(ifRangeAllows(input, validators), expected));
  }
  it("a strong ETag matches exactly", () => {
    assert.equal(ifRangeAllows('"abc"', { etag: '"abc"', lastModified: undefined }), true);
    assert.equal(ifRangeAllows('W/"abc"', { etag: '"abc"', lastModified: undefined }), false);
  });
});

describe("parseRange", () => {
  const whole: RangeOutcome = { kind: "whole" };
  const none: RangeOutcome = { kind: "unsatisfiable" };
  const part = (start: number, end: number): RangeOutcome => ({ kind: "partial", start, end });
  const cases: Array<[string | undefined, number, RangeOutcome]> = [
    [undefined, 10, whole],
    ["bytes=0-3", 10, part(0, 3)],
    ["bytes=5-", 10, part(5, 9)],
    ["bytes=-3", 10, part(7, 9)],
    ["bytes=-20", 10, part(0, 9)],
    ["bytes=8-100", 10, part(8, 9)],
    ["bytes=9-9", 10, part(9, 9)],
    ["bytes= 0-1", 10, part(0, 1)],
    ["BYTES=0-1", 10, part(0, 1)],
    ["bytes=0-1,", 10, part(0, 1)],
    ["bytes=10-", 10, none],
    ["bytes=10-20", 10, none],
    ["bytes=-0", 10, none],
    ["bytes=0-", 0, none],
    ["bytes=-5", 0, none],
    ["bytes=5-2", 10, whole],
    ["bytes=0-1,3-4", 10, whole],
    ["bytes=0-1, 0-1", 10, whole],
    ["bytes=abc", 10, whole],
    ["bytes=--1", 10, whole],
    ["bytes=1-2-3", 10, whole],
    ["bytes=-", 10, whole],
    ["bytes=", 10, whole],
    ["bytes 0-1", 10, whole],
    ["items=0-1", 10, whole],
    ["bytes=+1-2", 10, whole],
    ["bytes=0x1-2", 10, whole],
    [`bytes=${"9".repeat(21)}-`, 10, whole],
    [`bytes=${"9".repeat(20)}-`, 10, none],
  ];
  for (const [header, size, expected] of cases) {
    it(`${String(header)} of ${size}`, () => assert.deepEqual(parseRange(header, size), expected));
  }
});
