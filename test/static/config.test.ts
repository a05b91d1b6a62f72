import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type StaticOptions, serveStatic } from "../../src/app/static.js";
import { createFixture, type Fixture } from "./fixture.js";

describe("serveStatic configuration", () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await createFixture();
  });
  after(() => fixture.cleanup());

  it("accepts a valid configuration", () => {
    assert.equal(
      typeof serveStatic(fixture.root, {
        index: ["index.html", "index.htm"],
        maxAge: 60,
        immutable: true,
        precompressed: ["gzip"],
        dotfiles: "deny",
        prefix: "/assets",
      }),
      "function",
    );
  });

  it("refuses a root that does not exist or is a file", () => {
    for (const root of [`${fixture.root}/missing`, `${fixture.root}/hello.txt`]) {
      assert.throws(() => serveStatic(root), {
        message: `serveStatic root '${root}' is not a directory: create it or pass the right path`,
      });
    }
    for (const root of ["", 42]) {
      assert.throws(() => serveStatic(root as string), {
        message: 'serveStatic(root) needs a directory path, e.g. serveStatic("./public")',
      });
    }
  });

  const INDEX = (got: string) =>
    `serveStatic 'index' entries must be plain file names like "index.html", got ${got}`;
  const MAX_AGE = (got: string) =>
    `serveStatic 'maxAge' is in whole seconds ≥ 0 (e.g. 31536000 for a year), got ${got}`;
  const PRECOMPRESSED = `serveStatic 'precompressed' must be a boolean or a list of "br", "gzip"`;
  const PREFIX = `serveStatic 'prefix' must start with "/" and not end with "/"`;
  const invalid: Array<[string, unknown, string]> = [
    [
      "an unknown option",
      { maxage: 5 },
      "Unknown serveStatic option 'maxage'. Known options: index, redirect, dotfiles, " +
        "followSymlinks, precompressed, maxAge, immutable, cacheControl, param, prefix.",
    ],
    ["a negative maxAge", { maxAge: -1 }, MAX_AGE("-1")],
    ["a fractional maxAge", { maxAge: 1.5 }, MAX_AGE("1.5")],
    ["maxAge in a string", { maxAge: "1d" }, MAX_AGE("1d")],
    ["an index with a slash", { index: "a/index.html" }, INDEX('"a/index.html"')],
    ["an index with a backslash", { index: "a\\b" }, INDEX('"a\\\\b"')],
    ["an index with a NUL", { index: "a\0b" }, INDEX('"a\\u0000b"')],
    ["a dotfile index", { index: ".index" }, INDEX('".index"')],
    ["an empty index", { index: [""] }, INDEX('""')],
    ["an index that is not a string", { index: ["index.html", 7] }, INDEX("7")],
    [
      "an unknown dotfiles policy",
      { dotfiles: "hide" },
      `serveStatic 'dotfiles' must be "ignore", "deny" or "allow"`,
    ],
    ["an unknown precompressed coding", { precompressed: ["zstd"] }, PRECOMPRESSED],
    ["an unknown coding after a known one", { precompressed: ["br", "zstd"] }, PRECOMPRESSED],
    ["one precompressed coding not in a list", { precompressed: "br" }, PRECOMPRESSED],
    [
      "a cacheControl number",
      { cacheControl: 60 },
      "serveStatic 'cacheControl' must be a string, false, or a function (relativePath) => string | false | undefined",
    ],
    ["a prefix without a slash", { prefix: "static" }, PREFIX],
    ["a prefix ending in a slash", { prefix: "/static/" }, PREFIX],
    ["a prefix of only a slash", { prefix: "/" }, PREFIX],
  ];
  for (const [name, options, message] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(() => serveStatic(fixture.root, options as StaticOptions), { message });
    });
  }

  it("accepts every documented value", () => {
    const valid: StaticOptions[] = [
      { index: false },
      { index: "home.html" },
      { dotfiles: "ignore" },
      { dotfiles: "allow" },
      { precompressed: true },
      { precompressed: false },
      { precompressed: ["br", "gzip"] },
      { maxAge: 0 },
      { cacheControl: false },
      { cacheControl: "no-store" },
      { cacheControl: () => undefined },
      { prefix: "" },
      { prefix: "/a/b" },
      { redirect: false, followSymlinks: true, param: "file", immutable: false },
    ];
    for (const options of valid) {
      assert.equal(typeof serveStatic(fixture.root, options), "function", JSON.stringify(options));
    }
  });
});
