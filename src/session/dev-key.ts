import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "../wire/options.js";
import { generateKey } from "./keys.js";

export const DEFAULT_DEV_KEY_FILE = ".slow-serv-dev-key";

/**
 * A session key for development: generated into `path` on first use and read back on every
 * later start, so restarts (and several local instances) keep their sessions. A per-boot random
 * key would sign everyone out on each restart. Refused when `NODE_ENV=production`: production
 * keys come from a secret store (`npx slow-serv keygen`).
 *
 * The file is created with mode 0600, and its name is added to the `.gitignore` next to it, which
 * is created when there is none, so a plain `git add .` never commits the key.
 */
export function developmentKey(path: string = DEFAULT_DEV_KEY_FILE): string {
  if (process.env.NODE_ENV === "production") {
    throw new ConfigError(
      "developmentKey() is for development only, but NODE_ENV is production. Generate a key " +
        "with `npx slow-serv keygen`, store it as a secret (e.g. SESSION_KEY) and pass " +
        "`session: { keys: [process.env.SESSION_KEY] }`.",
    );
  }
  const existing = readKeyFile(path);
  if (existing !== undefined) return existing;
  try {
    // "wx": two processes starting at once must not each write (and use) a different key.
    writeFileSync(path, `${generateKey()}\n`, { flag: "wx", mode: 0o600 });
    ignoreInGit(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const created = readKeyFile(path);
  if (created === undefined) throw new Error(`Could not read the development key at ${path}`);
  return created;
}

function readKeyFile(path: string): string | undefined {
  try {
    const key = readFileSync(path, "utf8").trim();
    if (key === "") {
      throw new ConfigError(
        `The development key file ${path} is empty: delete it and a new key will be generated.`,
      );
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function ignoreInGit(path: string): void {
  const gitignore = join(dirname(path), ".gitignore");
  const name = basename(path);
  let content: string;
  try {
    content = readFileSync(gitignore, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    // A .gitignore applies to its own folder, wherever that is in the repository.
    content = "";
  }
  const listed = content.split(/\r?\n/).some((line) => {
    const entry = line.trim();
    return entry === name || entry === `/${name}`;
  });
  if (listed) return;
  const separator = content === "" || content.endsWith("\n") ? "" : "\n";
  appendFileSync(gitignore, `${separator}# slow-serv development session key\n${name}\n`);
}
