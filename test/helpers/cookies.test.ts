import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type CookieOptions,
  DEFAULT_MAX_COOKIE_PAIRS,
  decodeCookieValue,
  deleteCookie,
  MAX_COOKIE_AGE_SECONDS,
  parseCookieHeader,
  ResponseCookies,
  serializeCookie,
} from "../../src/app/cookies.js";

describe("parseCookieHeader", () => {
  const cases: Array<[string, string | undefined, Record<string, string>]> = [
    ["absent header", undefined, {}],
    ["empty header", "", {}],
    ["one pair", "a=1", { a: "1" }],
    ["several pairs with spaces", "a=1; b=2;c=3", { a: "1", b: "2", c: "3" }],
    ["trims spaces and tabs around names and values", " a \t= \t1 ;\tb=2 ", { a: "1", b: "2" }],
    ["keeps inner spaces", "a=hello world", { a: "hello world" }],
    ["first occurrence wins", "a=first; a=second", { a: "first" }],
    ["skips pairs without =", "junk; a=1; ;;; =; b", { a: "1" }],
    ["skips empty names", "=value; a=1", { a: "1" }],
    ["allows empty values", "a=; b=2", { a: "", b: "2" }],
    ["value keeps later =", "a=b=c==", { a: "b=c==" }],
    ["strips one pair of quotes", 'a="x y"; b=""; c="""', { a: "x y", b: "", c: '"' }],
    ["leaves a lone quote", 'a="x', { a: '"x' }],
    ["does not percent-decode", "a=%20%ZZ", { a: "%20%ZZ" }],
    ["keeps odd but harmless bytes", "a=\u00ff\u0000; b=\\", { a: "\u00ff\u0000", b: "\\" }],
    ["ignores trailing semicolon", "a=1;", { a: "1" }],
  ];
  for (const [label, header, expected] of cases) {
    it(label, () => {
      const parsed = parseCookieHeader(header);
      assert.equal(Object.getPrototypeOf(parsed), null);
      assert.deepEqual({ ...parsed }, expected);
    });
  }

  it("treats __proto__ and constructor as ordinary names", () => {
    const parsed = parseCookieHeader("__proto__=x; constructor=y");
    assert.deepEqual(Object.entries(parsed), [
      ["__proto__", "x"],
      ["constructor", "y"],
    ]);
    assert.equal(Object.getPrototypeOf(parsed), null);
  });

  it("stops after maxPairs pairs, counting skipped garbage too", () => {
    const header = Array.from({ length: 500 }, (_, i) => `c${i}=${i}`).join("; ");
    assert.equal(Object.keys(parseCookieHeader(header)).length, DEFAULT_MAX_COOKIE_PAIRS);
    const small = parseCookieHeader("junk; a=1; b=2; c=3", { maxPairs: 3 });
    assert.deepEqual({ ...small }, { a: "1", b: "2" });
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (header) => {
        const parsed = parseCookieHeader(header);
        for (const [name, value] of Object.entries(parsed)) {
          assert.ok(name.length > 0 && !name.includes(";") && !name.includes("="));
          assert.ok(!value.includes(";"));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("parses what serializeCookie writes", () => {
    const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+\-.^_`|~]{1,20}$/);
    const octets = fc.stringMatching(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{0,40}$/);
    fc.assert(
      fc.property(token, octets, (name, value) => {
        const line = serializeCookie(name, value, { path: "/" });
        const pair = line.slice(0, line.indexOf(";"));
        assert.equal(parseCookieHeader(pair)[name], value);
      }),
    );
  });
});

describe("decodeCookieValue", () => {
  const cases: Array<[string, string]> = [
    ["plain", "plain"],
    ["a%20b", "a b"],
    ["%E2%9C%93", "✓"],
    ["100%", "100%"],
    ["%ZZ%20", "%ZZ "],
    ["%E2%9C", "%E2%9C"],
    ["ok%20%FF%20ok", "ok %FF ok"],
    ["%", "%"],
    ["%C3%A9%C3", "é%C3"],
    ["%F0%9F%98%80%80", "😀%80"],
    ["%ED%A0%80", "%ED%A0%80"],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.equal(decodeCookieValue(input), expected);
    });
  }

  it("never throws and inverts encodeURIComponent", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        assert.equal(decodeCookieValue(encodeURIComponent(text)), text);
        decodeCookieValue(text);
      }),
    );
  });
});

describe("serializeCookie", () => {
  it("writes attributes in a fixed order", () => {
    const line = serializeCookie("sid", "abc", {
      maxAge: 3600,
      domain: "example.com",
      path: "/app",
      expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
      httpOnly: true,
      secure: true,
      sameSite: "Lax",
      partitioned: true,
      priority: "High",
    });
    assert.equal(
      line,
      "sid=abc; Max-Age=3600; Domain=example.com; Path=/app; " +
        "Expires=Wed, 02 Jan 2030 03:04:05 GMT; HttpOnly; Secure; SameSite=Lax; Partitioned; " +
        "Priority=High",
    );
  });

  it("writes only the name and value by default", () => {
    assert.equal(serializeCookie("a", "b"), "a=b");
    assert.equal(serializeCookie("a", ""), "a=");
  });

  const maxAges: Array<[number, string]> = [
    [0, "0"],
    [-5, "0"],
    [1, "1"],
    [MAX_COOKIE_AGE_SECONDS, String(MAX_COOKIE_AGE_SECONDS)],
    [MAX_COOKIE_AGE_SECONDS + 1, String(MAX_COOKIE_AGE_SECONDS)],
    [10 * 365 * 24 * 3600, "34560000"],
  ];
  for (const [maxAge, written] of maxAges) {
    it(`writes maxAge ${maxAge} as Max-Age=${written}`, () => {
      assert.equal(serializeCookie("a", "b", { maxAge }), `a=b; Max-Age=${written}`);
    });
  }

  it("writes the epoch as an IMF-fixdate", () => {
    assert.equal(
      serializeCookie("a", "b", { expires: new Date(0) }),
      "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
  });

  const invalid: Array<[string, string, string, CookieOptions, RegExp]> = [
    ["empty name", "", "v", {}, /Invalid cookie name/],
    ["name with space", "a b", "v", {}, /Invalid cookie name/],
    ["name with =", "a=b", "v", {}, /Invalid cookie name/],
    ["name with ;", "a;b", "v", {}, /Invalid cookie name/],
    ["non-ASCII name", "café", "v", {}, /Invalid cookie name/],
    ["value with space", "a", "x y", {}, /encode it first/],
    ["value with ;", "a", "x;y", {}, /encode it first/],
    ["value with comma", "a", "x,y", {}, /encode it first/],
    ["value with quote", "a", '"x"', {}, /encode it first/],
    ["value with backslash", "a", "x\\y", {}, /encode it first/],
    ["value with CR LF", "a", "x\r\nSet-Cookie: evil=1", {}, /encode it first/],
    ["value with NUL", "a", "x\u0000", {}, /encode it first/],
    ["non-ASCII value", "a", "é", {}, /encode it first/],
    ["too long", "a", "x".repeat(4096), {}, /over 4096 bytes/],
    ["fractional maxAge", "a", "b", { maxAge: 1.5 }, /whole number/],
    ["NaN maxAge", "a", "b", { maxAge: Number.NaN }, /whole number/],
    ["Infinity maxAge", "a", "b", { maxAge: Number.POSITIVE_INFINITY }, /whole number/],
    ["invalid Date", "a", "b", { expires: new Date(Number.NaN) }, /valid Date/],
    ["year 10000", "a", "b", { expires: new Date("+010000-01-01T00:00:00Z") }, /outside/],
    ["relative path", "a", "b", { path: "app" }, /path must start with/],
    ["path with ;", "a", "b", { path: "/a;Domain=evil.com" }, /path must start with/],
    ["path with newline", "a", "b", { path: "/a\r\nX: y" }, /path must start with/],
    ["long path", "a", "b", { path: `/${"a".repeat(1024)}` }, /longer than 1024/],
    ["domain with ;", "a", "b", { domain: "a.com; Secure" }, /not a host name/],
    ["domain with port", "a", "b", { domain: "a.com:80" }, /not a host name/],
    ["empty domain", "a", "b", { domain: "" }, /not a host name/],
    ["lowercase sameSite", "a", "b", { sameSite: "lax" as "Lax" }, /sameSite must be/],
    ["bad priority", "a", "b", { priority: "Urgent" as "High" }, /priority must be/],
    ["SameSite=None without Secure", "a", "b", { sameSite: "None" }, /requires secure/],
    ["Partitioned without Secure", "a", "b", { partitioned: true }, /partitioned requires/],
    ["__Secure- without Secure", "__Secure-a", "b", {}, /__Secure- prefix/],
    ["__secure- any case", "__SECURE-a", "b", {}, /__Secure- prefix/],
    ["__Host- without Secure", "__Host-a", "b", { path: "/" }, /__Host- prefix/],
    ["__Host- without path", "__Host-a", "b", { secure: true }, /__Host- prefix/],
    ["__Host- with other path", "__Host-a", "b", { secure: true, path: "/x" }, /__Host- prefix/],
    [
      "__Host- with domain",
      "__Host-a",
      "b",
      { secure: true, path: "/", domain: "example.com" },
      /__Host- prefix/,
    ],
  ];
  for (const [label, name, value, options, message] of invalid) {
    it(`throws TypeError for ${label}`, () => {
      assert.throws(
        () => serializeCookie(name, value, options),
        (error: unknown) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }

  it("accepts the largest allowed name plus value and valid prefixed cookies", () => {
    assert.ok(serializeCookie("a", "x".repeat(4095)).length > 4095);
    assert.equal(
      serializeCookie("__Host-sid", "1", { secure: true, path: "/" }),
      "__Host-sid=1; Path=/; Secure",
    );
    assert.equal(serializeCookie("__Secure-x", "1", { secure: true }), "__Secure-x=1; Secure");
    assert.equal(
      serializeCookie("a", "b", { sameSite: "None", secure: true }),
      "a=b; Secure; SameSite=None",
    );
  });
});

describe("deleteCookie", () => {
  it("expires with an empty value, Max-Age=0 and the epoch", () => {
    assert.equal(
      deleteCookie("sid", { path: "/", domain: "example.com" }),
      "sid=; Max-Age=0; Domain=example.com; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    );
  });

  it("applies the prefix rules so the deletion matches the original cookie", () => {
    assert.throws(() => deleteCookie("__Host-sid"), /__Host- prefix/);
    assert.match(deleteCookie("__Host-sid", { secure: true, path: "/" }), /^__Host-sid=; /);
  });
});

describe("ResponseCookies", () => {
  it("collects header values and lets the latest change per name/path/domain win", () => {
    const cookies = new ResponseCookies();
    cookies.set("a", "1", { path: "/" });
    cookies.set("b", "2");
    cookies.set("a", "3", { path: "/" });
    cookies.set("a", "4", { path: "/other" });
    assert.deepEqual(cookies.toHeaderValues(), ["b=2", "a=3; Path=/", "a=4; Path=/other"]);
    assert.equal(cookies.size, 3);
    assert.equal(cookies.get("a"), "4");
    assert.equal(cookies.get("b"), "2");
    assert.equal(cookies.get("c"), undefined);
  });

  it("treats domain case and a leading dot as the same cookie", () => {
    const cookies = new ResponseCookies();
    cookies.set("a", "1", { domain: ".Example.com" });
    cookies.set("a", "2", { domain: "example.com" });
    assert.deepEqual(cookies.toHeaderValues(), ["a=2; Domain=example.com"]);
  });

  it("delete replaces an earlier set, and set replaces an earlier delete", () => {
    const cookies = new ResponseCookies();
    cookies.set("sid", "x", { path: "/" }).delete("sid", { path: "/" });
    assert.equal(cookies.get("sid"), undefined);
    assert.ok(cookies.has("sid"));
    assert.deepEqual(cookies.toHeaderValues(), [
      "sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]);
    cookies.set("sid", "y", { path: "/" });
    assert.equal(cookies.get("sid"), "y");
    assert.deepEqual(cookies.toHeaderValues(), ["sid=y; Path=/"]);
  });

  it("throws at the set call and keeps the earlier value", () => {
    const cookies = new ResponseCookies();
    cookies.set("a", "ok");
    assert.throws(() => cookies.set("a", "not ok"), TypeError);
    assert.deepEqual(cookies.toHeaderValues(), ["a=ok"]);
  });

  it("returns a copy of the header values", () => {
    const cookies = new ResponseCookies().set("a", "1");
    cookies.toHeaderValues().push("evil=1");
    assert.deepEqual(cookies.toHeaderValues(), ["a=1"]);
  });
});
