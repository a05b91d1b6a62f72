import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { main } from "../../src/edges/cli.js";

test("keygen prints a base64url key of 32 random bytes, different each time", () => {
  const keys: string[] = [];
  for (let run = 0; run < 2; run++) {
    let output = "";
    assert.equal(
      main(["keygen"], (text) => (output += text)),
      0,
    );
    const match = /^base64url:([A-Za-z0-9_-]{43})\n$/.exec(output);
    assert.ok(match, output);
    assert.equal(Buffer.from(match[1]!, "base64url").length, 32);
    keys.push(output);
  }
  assert.notEqual(keys[0], keys[1]);
});

test("an unknown command exits 2 with the usage", () => {
  let output = "";
  assert.equal(
    main(["serve-everything"], (text) => (output += text)),
    2,
  );
  assert.match(output, /Unknown command 'serve-everything'/);
  assert.match(output, /slow-serv keygen/);
});

test("the compiled CLI runs as a program", async () => {
  const cli = fileURLToPath(new URL("../../src/edges/cli.js", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [cli, "keygen"]);
  assert.match(stdout, /^base64url:[A-Za-z0-9_-]{43}\n$/);
});
