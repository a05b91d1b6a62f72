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
    assert.throws(() => serveStatic(`${fixture.root}/missing`), /is not a directory/);
    assert.throws(() => serveStatic(`${fixture.root}/hello.txt`), /is not a directory/);
    assert.throws(() => serveStatic(""), /needs a directory path/);
  });

  const invalid: Array<[string, unknown, RegExp]> = [
    ["an unknown option", { maxage: 5 }, /Unknown serveStatic option 'maxage'/],
    ["a negative maxAge", { maxAge: -1 }, /maxAge/],
    ["a fractional maxAge", { maxAge: 1.5 }, /maxAge/],
    ["maxAge in a string", { maxAge: "1d" }, /maxAge/],
    ["an index with a slash", { index: "a/index.html" }, /plain file names/],
    ["a dotfile index", { index: ".index" }, /plain file names/],
    ["an empty index", { index: [""] }, /plain file names/],
    ["an unknown dotfiles policy", { dotfiles: "hide" }, /dotfiles/],
    ["an unknown precompressed coding", { precompressed: ["zstd"] }, /precompressed/],
    ["a cacheControl number", { cacheControl: 60 }, /cacheControl/],
    ["a prefix without a slash", { prefix: "static" }, /prefix/],
    ["a prefix ending in a slash", { prefix: "/static/" }, /prefix/],
  ];
  for (const [name, options, message] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(() => serveStatic(fixture.root, options as StaticOptions), message);
    });
  }
});
