import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHead, RequestHead } from "../../src/wire/head.js";
import { EMPTY_HEADERS, type RequestHeaders } from "../../src/wire/headers.js";

/** Parses a GET with the given field lines and returns its headers. */
function headersOf(...fieldLines: string[]): RequestHeaders {
  const text = ["GET / HTTP/1.1", "Host: h", ...fieldLines].join("\r\n");
  const source = Buffer.from(`${text}\r\n\r\n`, "latin1");
  const parsed = parseHead(source, 0, source.length);
  assert.ok(parsed instanceof RequestHead, String(parsed));
  return parsed.headers;
}

describe("RequestHeaders", () => {
  it("get() ignores the case of the name", () => {
    const headers = headersOf("X-Request-Id: abc");
    for (const name of ["x-request-id", "X-REQUEST-ID", "x-ReQuEsT-iD"]) {
      assert.equal(headers.get(name), "abc");
    }
    assert.equal(headersOf("x-request-id: lower").get("X-Request-Id"), "lower");
  });

  it("get() returns undefined for an absent field and '' for an empty one", () => {
    const headers = headersOf("X-Empty:");
    assert.equal(headers.get("X-Missing"), undefined);
    assert.equal(headers.get("X-Empty"), "");
  });

  it("get() does not match names that only share a prefix or a length", () => {
    const headers = headersOf("Accept-Encoding: gzip", "Xccept: no");
    assert.equal(headers.get("Accept"), undefined);
    assert.equal(headers.get("Accept-Encodings"), undefined);
    assert.equal(headers.get("accept"), undefined);
  });

  it("get() joins repeated fields with ', ' in arrival order", () => {
    const headers = headersOf("Accept: text/html", "X-Other: 1", "accept: application/json");
    assert.equal(headers.get("accept"), "text/html, application/json");
  });

  it("get() joins repeated Cookie fields with '; '", () => {
    const headers = headersOf("Cookie: a=1", "cookie: b=2; c=3");
    assert.equal(headers.get("Cookie"), "a=1; b=2; c=3");
    assert.equal(headers.get("COOKIE"), "a=1; b=2; c=3");
  });

  it("getAll() returns one entry per field line, values untouched", () => {
    const headers = headersOf("Set-Thing: a, b", "X: 0", "set-thing: c");
    assert.deepEqual(headers.getAll("SET-THING"), ["a, b", "c"]);
    assert.deepEqual(headers.getAll("missing"), []);
  });

  it("has() is case-insensitive and true for empty values", () => {
    const headers = headersOf("X-Flag:");
    assert.equal(headers.has("x-flag"), true);
    assert.equal(headers.has("HOST"), true);
    assert.equal(headers.has("x-fla"), false);
  });

  it("raw keeps arrival order, repeats and the names' case", () => {
    const headers = headersOf("B: 2", "a: 1", "B: 3");
    assert.deepEqual(headers.raw, ["Host", "h", "B", "2", "a", "1", "B", "3"]);
    assert.equal(headers.raw, headers.raw, "raw is computed once");
    assert.equal(headers.size, 4);
  });

  it("values are latin1: each byte is one character", () => {
    const headers = headersOf("X-Name: caf\xe9 \x80\xff");
    assert.equal(headers.get("x-name"), "caf\xe9 \x80\xff");
    assert.equal(headers.get("x-name")!.length, 7);
  });

  it("iterates lowercased names once each with joined values", () => {
    const headers = headersOf("Accept: a", "Cookie: x=1", "ACCEPT: b", "cookie: y=2");
    assert.deepEqual(
      [...headers],
      [
        ["host", "h"],
        ["accept", "a, b"],
        ["cookie", "x=1; y=2"],
      ],
    );
    assert.deepEqual(headers.toJSON(), { host: "h", accept: "a, b", cookie: "x=1; y=2" });
  });

  it("EMPTY_HEADERS has nothing", () => {
    assert.equal(EMPTY_HEADERS.size, 0);
    assert.equal(EMPTY_HEADERS.get("host"), undefined);
    assert.equal(EMPTY_HEADERS.has("host"), false);
    assert.deepEqual(EMPTY_HEADERS.getAll("host"), []);
    assert.deepEqual(EMPTY_HEADERS.raw, []);
    assert.deepEqual([...EMPTY_HEADERS], []);
  });
});
