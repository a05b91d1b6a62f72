// Runs every compiled *.test.js under build/test with node:test. Node 20's `node --test DIR`
// would also run every other .js file inside a folder named "test" (helpers, fixtures), so the
// files are listed explicitly.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith(".test.js") ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = testFiles("build/test")
  .filter((file) => only.length === 0 || only.some((part) => file.includes(part)))
  .sort();
if (files.length === 0) {
  console.error("No test files found under build/test: run `npx tsc -p tsconfig.json` first.");
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ["--test", "--test-concurrency=2", "--test-timeout=180000", ...files],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
