import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../../src/index.js";
import { generateKey } from "../../src/session/keys.js";

/** Git-ignored: a development key must survive restarts, or every restart signs everyone out. */
export const DEV_KEY_FILE = ".slow-serv-dev-key";

export interface LoadedKeys {
  keys: string[];
  /** Where the keys came from, for the start-up message (never the keys themselves). */
  source: string;
}

/**
 * Session keys from `SESSION_KEY` (comma-separated, primary first, for rotation). In development
 * only, without it, a key is generated once into `.slow-serv-dev-key` at the repository root.
 */
export function loadSessionKeys(options: {
  env: NodeJS.ProcessEnv;
  development: boolean;
  keyDir: string;
}): LoadedKeys {
  const fromEnv = options.env.SESSION_KEY?.trim();
  if (fromEnv) {
    return { keys: fromEnv.split(",").map((key) => key.trim()), source: "SESSION_KEY" };
  }
  if (!options.development) {
    throw new ConfigError(
      "SESSION_KEY is not set. Generate one with `npm run keygen` and export SESSION_KEY=<key> " +
        "(comma-separate several to rotate, newest first), or set NODE_ENV=development to use a local key file.",
    );
  }
  const path = join(options.keyDir, DEV_KEY_FILE);
  try {
    return { keys: [readFileSync(path, "utf8").trim()], source: `${path} (development key)` };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  // "wx": two demos starting at once must not overwrite each other's key.
  let created = true;
  try {
    writeFileSync(path, `${generateKey()}\n`, { flag: "wx", mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    created = false;
  }
  const note = created ? "generated now; " : "";
  return {
    keys: [readFileSync(path, "utf8").trim()],
    source: `${path} (development key, ${note}set SESSION_KEY in production)`,
  };
}
