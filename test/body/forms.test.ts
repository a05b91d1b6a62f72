import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  mediaTypeEssence,
  parseMediaType,
  wellFormedEssence,
} from "../../src/app/body/media-type.js";
import { allValues, firstValue, parseQuery } from "../../src/app/body/query.js";
import { parseUrlencoded } from "../../src/app/body/urlencoded.js";
import { HttpError } from "../../src/wire/http-error.js";

const plain = (record: object) => ({ ...record });

describe("parseQuery", () => {
  const cases: Array<[string, Record<string, string | string[]>]> = [
    ["", {}],
    ["?", {}],
    ["?a=1", { a: "1" }],
    ["a=1&a=2&b=&a=3", { a: ["1", "2", "3"], b: "" }],
    ["flag&&x=1&", { flag: "", x: "1" }],
    ["a+b=c+d%20e", { "a b": "c d e" }],
    ["k=%2B%26%3D", { k: "+&=" }],
    ["q=caf%C3%A9%20%E2%9C%93", { q: "café ✓" }],
    ["bad=%zz%4&pct=100%", { bad: "%zz%4", pct: "100%" }],
    ["utf=%FF%C3", { utf: "\ufffd\ufffd" }],
    ["raw=é%aa", { raw: "é\ufffd" }],
    ["eq=a=b=c", { eq: "a=b=c" }],
    ["=v", { "": "v" }],
    ["semi=a;b", { semi: "a;b" }],
    [
      "__proto__=x&constructor=y&hasOwnProperty=z",
      {
        ["__proto__"]: "x",
        constructor: "y",
        hasOwnProperty: "z",
      },
    ],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.deepEqual(plain(parseQuery(input)), expected));
  }

  it("has a null prototype, so inherited names are absent", () => {
    const query = parseQuery("a=1");
    assert.equal(Object.getPrototypeOf(query), null);
    assert.equal(query.toString, undefined);
  });

  it("agrees with URLSearchParams on arbitrary input", () => {
    // No raw non-ASCII: Node 20's URLSearchParams turns "é%aa" into "\ufffd" where the WHATWG
    // algorithm (and this parser) give "é\ufffd".
    const alphabet = ["a", "b", "=", "&", "+", "%", "2", "F", "C3", "A9", "aa", " ", "?"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 30 }), (pieces) => {
        const input = pieces.join("");
        const expected: Record<string, string[]> = Object.create(null);
        for (const [name, value] of new URLSearchParams(input)) {
          expected[name] = [...(expected[name] ?? []), value];
        }
        const actual = parseQuery(input);
        assert.deepEqual(Object.keys(actual), Object.keys(expected));
        for (const name of Object.keys(expected))
          assert.deepEqual(allValues(actual, name), expected[name]);
      }),
    );
  });

  it("limits the number of parameters with a 400", () => {
    assert.equal(Object.keys(parseQuery("a&b&c", 3)).length, 3);
    assert.throws(
      () => parseQuery("a&b&c&d", 3),
      (error) =>
        error instanceof HttpError &&
        error.status === 400 &&
        error.message === "Too many query parameters (limit 3)",
    );
    assert.throws(() => parseQuery("a", -1), RangeError);
  });

  it("has typed accessors for single and repeated values", () => {
    const query = parseQuery("a=1&a=2&b=x");
    assert.equal(firstValue(query, "a"), "1");
    assert.equal(firstValue(query, "b"), "x");
    assert.equal(firstValue(query, "missing"), undefined);
    assert.deepEqual(allValues(query, "a"), ["1", "2"]);
    assert.deepEqual(allValues(query, "b"), ["x"]);
    assert.deepEqual(allValues(query, "missing"), []);
  });
});

describe("parseUrlencoded", () => {
  const limits = { maxFields: 10 };
  it("decodes like a query string", () => {
    assert.deepEqual(plain(parseUrlencoded("name=J%C3%B6rg+M&tag=a&tag=b&empty", limits)), {
      name: "Jörg M",
      tag: ["a", "b"],
      empty: "",
    });
  });
  const malformed: Array<[string, RegExp]> = [
    ["a=%zz", /Malformed percent-encoding in form body/],
    ["a=%4", /Malformed percent-encoding/],
    ["a%=1", /Malformed percent-encoding/],
    ["a=%FF", /not valid UTF-8/],
  ];
  for (const [body, message] of malformed) {
    it(`rejects ${body} with 400`, () => {
      assert.throws(
        () => parseUrlencoded(body, limits),
        (error) =>
          error instanceof HttpError && error.status === 400 && message.test(error.message),
      );
    });
  }
  it("answers 413 over maxFields and accepts exactly maxFields", () => {
    assert.equal(Object.keys(parseUrlencoded("a&b", { maxFields: 2 })).length, 2);
    assert.throws(
      () => parseUrlencoded("a&b&c", { maxFields: 2 }),
      (error) =>
        error instanceof HttpError && error.status === 413 && /limit 2/.test(error.message),
    );
  });
});

/** Content-Type values parseMediaType must refuse. */
const garbage: Array<string | undefined> = [
  undefined,
  "",
  "text",
  "text/",
  "/html",
  "text/html/x",
  "te xt/html",
  "text/html;charset",
  "text/html; charset=",
  'text/html; charset="utf-8',
  "text/html; charset=utf 8",
  "text/html charset=utf-8",
  "text/html; a=1; A=2",
  "text/html; x=\u0100",
  'text/html; x="\u0001"',
];

describe("parseMediaType", () => {
  it("parses type, subtype and parameters case-insensitively", () => {
    const media = parseMediaType(' Text/HTML ; Charset="UTF-8" ;q=0.5;; ');
    assert.deepEqual(media && { ...media, params: { ...media.params } }, {
      type: "text",
      subtype: "html",
      essence: "text/html",
      params: { charset: "UTF-8", q: "0.5" },
    });
  });
  it("unescapes quoted-pairs", () => {
    assert.equal(parseMediaType('a/b; x="q\\"uo\\\\te"')?.params.x, 'q"uo\\te');
  });
  it("keeps __proto__ as an ordinary parameter", () => {
    const params = parseMediaType("a/b; __proto__=x")!.params;
    assert.equal(Object.getPrototypeOf(params), null);
    assert.deepEqual(Object.entries(params), [["__proto__", "x"]]);
  });
  for (const header of garbage) {
    it(`rejects ${JSON.stringify(header)}`, () => assert.equal(parseMediaType(header), undefined));
  }
  it("never throws", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (header) => {
        parseMediaType(header);
      }),
    );
  });
});

describe("mediaTypeEssence", () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [" Multipart/Form-Data; boundary=", "multipart/form-data"],
    ['application/json; charset="utf-8', "application/json"],
    ["text/html; a=1; A=2", "text/html"],
    ["text/html", "text/html"],
    ["text/html/x", "text/html"],
    [undefined, undefined],
    ["", undefined],
    ["text", undefined],
    ["text/", undefined],
    ["/html", undefined],
  ];
  for (const [header, essence] of cases) {
    it(`${JSON.stringify(header)} → ${String(essence)}`, () => {
      assert.equal(mediaTypeEssence(header), essence);
    });
  }
  it("agrees with parseMediaType whenever that parses", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (header) => {
        const parsed = parseMediaType(header);
        if (parsed !== undefined) assert.equal(mediaTypeEssence(header), parsed.essence);
      }),
    );
  });
});

describe("wellFormedEssence", () => {
  const headers = [
    ...garbage,
    "application/json",
    " Application/JSON \t",
    "application/json; charset=utf-8",
    "text/html; a=1; A=2",
    "text/html ; ",
    "text/html;",
  ];
  for (const header of headers) {
    it(`is parseMediaType(${JSON.stringify(header)})?.essence`, () => {
      assert.equal(wellFormedEssence(header), parseMediaType(header)?.essence);
    });
  }
  it("is parseMediaType(header)?.essence for any string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (header) => {
        assert.equal(wellFormedEssence(header), parseMediaType(header)?.essence);
      }),
    );
  });
});
