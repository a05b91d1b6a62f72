import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * tsc compiles this file to build/examples/demo/ (and `npm start` to build/dev/examples/demo/)
 * but neither copies static assets, so the public folder is looked up in the source tree: beside
 * this file when run from source, else in examples/demo/ of the nearest folder above the build.
 */
function sourceDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  if (existsSync(join(here, "public"))) return here;
  for (let dir = dirname(here); dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, "examples", "demo");
    if (existsSync(join(candidate, "public"))) return candidate;
  }
  throw new Error(
    `Cannot find the demo's public/ folder next to ${here} or in an examples/demo/ above it: run the demo from a checkout of the repository`,
  );
}

/** The demo's source folder (examples/demo/). */
export const demoDir = sourceDir();
/** CSS, script and logo served under /static/. */
export const publicDir = join(demoDir, "public");
/** The repository root, where the development session key file lives. */
export const repoRoot = join(demoDir, "..", "..");
