import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseOrigin, serialisedOrigin } from "../../src/app/origin.js";
import { ConfigError } from "../../src/wire/options.js";

/**
 * The one spelling of a configured origin shared by the CSRF guard's `trustedOrigins`, CORS's
 * `origin` and `frameAncestors`: what it accepts, in the form browsers send in `Origin`, and
 * every kind of value it refuses at start-up.
 */

describe("parseOrigin: accepted origins, as browsers serialise them", () => {
  const accepted: Array<[string, string]> = [
    ["https://app.example.com", "https://app.example.com"],
    ["https://app.example.com/", "https://app.example.com"],
    ["HTTPS://App.Example.COM:443", "https://app.example.com"],
    ["http://app.example.com:80", "http://app.example.com"],
    ["http://localhost:5173", "http://localhost:5173"],
    ["https://[::1]:8443", "https://[::1]:8443"],
  ];
  for (const [value, origin] of accepted) {
    it(`${value} → ${origin}`, () => {
      assert.equal(parseOrigin("cors `origin`", value), origin);
    });
  }
});

describe("parseOrigin: refused values name the option and the value", () => {
  const refused: Array<[string, unknown]> = [
    ["a wildcard host", "https://*.example.com"],
    ["a bare wildcard", "*"],
    ["a path", "https://app.example.com/admin"],
    ["a query", "https://app.example.com/?a=1"],
    ["a fragment", "https://app.example.com/#top"],
    ["a user name", "https://user@app.example.com"],
    ["a password without a user name", "https://:secret@app.example.com"],
    ["an opaque origin (file:)", "file:///"],
    ["a relative reference", "app.example.com"],
    ["an empty string", ""],
    ["a number", 443],
    ["an array holding an origin", ["https://app.example.com"]],
    ["an object that stringifies to an origin", { toString: () => "https://app.example.com" }],
    ["undefined", undefined],
  ];
  for (const [what, value] of refused) {
    it(what, () => {
      assert.throws(
        () => parseOrigin("csrf `trustedOrigins`", value),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.startsWith("csrf `trustedOrigins` entries must be origins like") &&
          error.message.endsWith(`got ${JSON.stringify(value)}.`),
      );
    });
  }
});

describe("serialisedOrigin: the origin of a URL, or null", () => {
  const cases: Array<[string, string]> = [
    ["https://App.Example.com:443/path?q#f", "https://app.example.com"],
    ["http://example.com:8080/", "http://example.com:8080"],
    ["file:///etc/passwd", "null"],
    ["not a url", "null"],
    ["", "null"],
  ];
  for (const [url, origin] of cases) {
    it(`${JSON.stringify(url)} → ${origin}`, () => {
      assert.equal(serialisedOrigin(url), origin);
    });
  }
});
