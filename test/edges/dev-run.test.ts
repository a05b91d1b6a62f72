import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

// The repository root, from build/test/edges/ where this file runs compiled.
const root = fileURLToPath(new URL("../../../", import.meta.url));

/** Without the npm_* variables of an enclosing `npm test`, which would change what npm prints. */
function npmEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("npm_")) delete env[name];
  }
  return env;
}

// In this repository SESSION_KEY=$(npm run keygen --silent) makes a key: that only works while
// the development runner (scripts/dev-run.mjs, esbuild) prints nothing of its own on stdout.
test("npm run keygen --silent prints the key and nothing else", { timeout: 60_000 }, async () => {
  const keys: string[] = [];
  for (let run = 0; run < 2; run++) {
    const { stdout } = await promisify(execFile)("npm", ["run", "keygen", "--silent"], {
      cwd: root,
      env: npmEnv(),
    });
    assert.match(stdout, /^base64url:[A-Za-z0-9_-]{43}\n$/);
    keys.push(stdout);
  }
  assert.notEqual(keys[0], keys[1]);
});
