import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  type ContentCoding,
  DEFAULT_MAX_ACCEPT_ENTRIES,
  parseAccept,
  preferredEncoding,
  preferredMediaType,
} from "../../src/app/negotiate.js";

describe("parseAccept", () => {
  it("parses types, parameters and q-values", () => {
    const ranges = parseAccept(
      'Text/HTML;Level=1;q=0.5;ext=x, application/*;q=0, */*;charset="a,b"',
    );
    assert.deepEqual(
      ranges.map(({ type, subtype, params, q, index }) => [type, subtype, { ...params }, q, index]),
      [
        ["text", "html", { level: "1" }, 0.5, 0],
        ["application", "*", {}, 0, 1],
        ["*", "*", { charset: "a,b" }, 1, 2],
      ],
    );
  });

  const garbage: Array<[string, string]> = [
    ["no slash", "html"],
    ["empty parts", "/, text/, /html"],
    ["wildcard type with concrete subtype", "*/html"],
    ["bad q", "text/html;q=abc, text/css;q=1.5, text/x;q=0.1234, text/y;q=-1"],
    ["spaces inside a type", "text /html x"],
    ["only separators", ",,,;;;"],
  ];
  for (const [label, header] of garbage) {
    it(`skips ${label}`, () => {
      assert.deepEqual(parseAccept(header), []);
    });
  }

  it("keeps good entries next to garbage", () => {
    const ranges = parseAccept("garbage, text/plain;q=0.3, ;q=1");
    assert.deepEqual(
      ranges.map((r) => [r.type, r.subtype, r.q]),
      [["text", "plain", 0.3]],
    );
  });

  it("bounds the number of entries examined", () => {
    const header = Array.from({ length: 1000 }, (_, i) => `type${i}/x`).join(",");
    assert.equal(parseAccept(header).length, DEFAULT_MAX_ACCEPT_ENTRIES);
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (header) => {
        for (const range of parseAccept(header)) assert.ok(range.q >= 0 && range.q <= 1);
        preferredMediaType(header, ["text/html", "application/json"]);
        preferredEncoding(header);
      }),
      { numRuns: 1000 },
    );
  });
});

describe("preferredMediaType", () => {
  const offers = ["application/json", "text/html"];
  const cases: Array<[string, string | undefined, readonly string[], string | undefined]> = [
    ["absent header takes the first offer", undefined, offers, "application/json"],
    ["empty header takes the first offer", "", offers, "application/json"],
    ["all-garbage header takes the first offer", "???", offers, "application/json"],
    ["exact match", "text/html", offers, "text/html"],
    ["case-insensitive", "TEXT/Html", offers, "text/html"],
    ["*/* follows server order", "*/*", offers, "application/json"],
    ["type wildcard", "text/*", offers, "text/html"],
    ["higher q wins", "text/html;q=0.9, application/json;q=0.8", offers, "text/html"],
    ["equal q follows client order", "text/html, application/json", offers, "text/html"],
    ["q=0 excludes", "*/*, application/json;q=0", offers, "text/html"],
    ["specific q=0 beats wildcard", "application/*;q=0, */*;q=0.1", offers, "text/html"],
    ["more specific range sets q", "text/*;q=0.1, text/html;q=1, */*;q=0.5", offers, "text/html"],
    ["wildcard q applies to rest", "text/html;q=0.2, */*;q=0.5", offers, "application/json"],
    ["nothing acceptable", "image/png", offers, undefined],
    ["everything refused", "*/*;q=0", offers, undefined],
    ["no offers", "*/*", [], undefined],
    [
      "browser header",
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
      offers,
      "text/html",
    ],
    [
      "equal q prefers the more specific match",
      "*/*, text/html",
      ["application/json", "text/html"],
      "text/html",
    ],
    [
      "offer parameters are matched when the range has them",
      "text/html;level=1, text/html;q=0.5",
      ["text/html", "text/html;level=1"],
      "text/html;level=1",
    ],
    [
      "offer with charset still matches a bare range",
      "text/html",
      ["application/json", "text/html; charset=utf-8"],
      "text/html; charset=utf-8",
    ],
    [
      "q with trailing zeros",
      "application/json;q=0.500, text/html;q=0.5",
      offers,
      "application/json",
    ],
    ["invalid offers are skipped", "*/*", ["nonsense", "text/html"], "text/html"],
  ];
  for (const [label, header, available, expected] of cases) {
    it(label, () => {
      assert.equal(preferredMediaType(header, available), expected);
    });
  }
});

describe("preferredEncoding", () => {
  const both: readonly ContentCoding[] = ["br", "gzip"];
  const cases: Array<[string, string | undefined, readonly ContentCoding[], string | undefined]> = [
    ["absent header: identity", undefined, both, "identity"],
    ["empty header: identity only", "", both, "identity"],
    ["browser header prefers br by server order", "gzip, deflate, br, zstd", both, "br"],
    ["server order decides ties", "gzip, br", ["gzip", "br"], "gzip"],
    ["higher q beats server order", "br;q=0.5, gzip", both, "gzip"],
    ["only gzip", "gzip", both, "gzip"],
    ["x-gzip is gzip", "x-gzip", both, "gzip"],
    ["case-insensitive", "GZIP", both, "gzip"],
    ["wildcard", "*", both, "br"],
    ["wildcard with exclusion", "*, br;q=0", both, "gzip"],
    ["unknown codings only: identity", "deflate, zstd", both, "identity"],
    ["refused coding falls back to identity", "gzip;q=0", ["gzip"], "identity"],
    ["identity explicitly preferred", "gzip;q=0.5, identity", both, "identity"],
    ["identity tie goes to compression", "gzip, identity", both, "gzip"],
    ["identity;q=0 with a coding", "identity;q=0, gzip", both, "gzip"],
    ["identity;q=0 with nothing else", "identity;q=0", both, undefined],
    ["*;q=0 refuses identity too", "*;q=0", both, undefined],
    ["*;q=0 but identity allowed", "*;q=0, identity", both, "identity"],
    ["no server codings", "gzip, br", [], "identity"],
    ["garbage q drops the entry", "br;q=x, gzip;q=0.1", both, "gzip"],
    ["first duplicate wins", "br;q=0, br;q=1", both, "identity"],
  ];
  for (const [label, header, available, expected] of cases) {
    it(label, () => {
      assert.equal(preferredEncoding(header, available), expected);
    });
  }

  it("defaults to br then gzip", () => {
    assert.equal(preferredEncoding("gzip, br"), "br");
  });
});
