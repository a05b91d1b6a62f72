import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ResponseHeaders } from "../../src/wire/response-headers.js";
import { FRAMING_HEADERS } from "../../src/wire/writer.js";

describe("ResponseHeaders", () => {
  it("is case-insensitive, keeps the first spelling, and replaces on set", () => {
    const headers = new ResponseHeaders();
    headers.set("X-Trace", "a").set("x-trace", "b");
    assert.equal(headers.get("X-TRACE"), "b");
    assert.equal(headers.size, 1);
    assert.equal(headers.serialize(undefined), "X-Trace: b\r\n");
  });

  it("appends field lines and joins them for get()", () => {
    const headers = new ResponseHeaders();
    headers
      .append("Set-Cookie", "a=1")
      .append("set-cookie", "b=2")
      .set("Vary", ["Accept", "Cookie"]);
    assert.deepEqual(headers.getAll("set-cookie"), ["a=1", "b=2"]);
    assert.equal(headers.get("vary"), "Accept, Cookie");
    assert.equal(
      headers.serialize(undefined),
      "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nVary: Accept\r\nVary: Cookie\r\n",
    );
  });

  it("deletes, reports presence, iterates lowercased names in order, and clears", () => {
    const headers = new ResponseHeaders();
    headers.set("A", "1").set("B", 2).set("C", "3");
    assert.equal(headers.delete("b"), true);
    assert.equal(headers.delete("b"), false);
    assert.equal(headers.has("a"), true);
    assert.equal(headers.has("B"), false);
    assert.deepEqual(
      [...headers],
      [
        ["a", "1"],
        ["c", "3"],
      ],
    );
    headers.clear();
    assert.equal(headers.size, 0);
    assert.equal(headers.serialize(undefined), "");
  });

  it("skips the engine's framing headers when serializing", () => {
    const headers = new ResponseHeaders();
    headers.set("Content-Length", "99").set("Connection", "close").set("X-Kept", "yes");
    assert.equal(headers.serialize(FRAMING_HEADERS), "X-Kept: yes\r\n");
  });

  it("rejects names that are not tokens and values that could split the head", () => {
    const headers = new ResponseHeaders();
    for (const name of ["", "Bad Name", "Bad:Name", "Bad\r\nName", "Caf\u00e9"]) {
      assert.throws(() => headers.set(name, "x"), TypeError, JSON.stringify(name));
    }
    for (const value of ["a\r\nInjected: 1", "a\nb", "a\rb", "nul\0", "del\x7f", "wide\u0100"]) {
      assert.throws(() => headers.set("X-Value", value), /CR, LF, NUL/, JSON.stringify(value));
      assert.throws(() => headers.append("X-Value", value), /CR, LF, NUL/);
    }
    assert.equal(headers.size, 0, "nothing is stored when a value is refused");
  });

  it("accepts tabs and latin1 values, flagging the head for latin1 encoding", () => {
    const headers = new ResponseHeaders();
    headers.set("X-Tab", "a\tb");
    assert.equal(headers.nonAscii, false);
    headers.set("X-Latin1", "caf\u00e9");
    assert.equal(headers.nonAscii, true);
  });

  it("setTrusted stores without checks and keeps an earlier spelling", () => {
    const headers = new ResponseHeaders();
    headers.set("content-type", "text/csv");
    headers.setTrusted("content-type", "Content-Type", "text/plain; charset=utf-8");
    assert.equal(headers.serialize(undefined), "content-type: text/plain; charset=utf-8\r\n");
  });
});
