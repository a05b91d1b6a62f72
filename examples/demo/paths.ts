import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * tsc compiles this file to build/examples/demo/ but does not copy static assets, so the public
 * folder is looked up in the source tree: beside this file when run from source, three levels up
 * (past build/) when compiled.
 */
function sourceDir(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  if (existsSync(join(here, "public"))) return here;
  const fromBuild = fileURLToPath(new URL("../../../examples/demo/", import.meta.url));
  if (existsSync(join(fromBuild, "public"))) return fromBuild;
  throw new Error(
    `Cannot find the demo's public/ folder next to ${here} or in ${fromBuild}: run the demo from a checkout of the repository`,
  );
}

/** The demo's source folder (examples/demo/). */
export const demoDir = sourceDir();
/** CSS, script and logo served under /static/. */
export const publicDir = join(demoDir, "public");
/** The repository root, where the development session key file lives. */
export const repoRoot = join(demoDir, "..", "..");
