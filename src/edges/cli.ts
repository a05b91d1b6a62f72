#!/usr/bin/env node
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateKey } from "../session/keys.js";

const USAGE = `slow-serv — HTTP/1.1 server and microframework

Usage:
  slow-serv keygen          Print a new random session key (base64url:…, 32 bytes).
                            Put it in an environment variable, never in the source:
                              SESSION_KEY=$(npx slow-serv keygen)
  slow-serv help            Show this text.
`;

/** The command line; returns the exit code so tests can call it without spawning. */
export function main(args: readonly string[], write: (text: string) => void): number {
  const [command] = args;
  switch (command) {
    case "keygen":
      write(`${generateKey()}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      write(USAGE);
      return 0;
    default:
      write(`Unknown command '${command}'.\n\n${USAGE}`);
      return 2;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    // npm links the bin through node_modules/.bin: compare real paths.
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  process.exitCode = main(process.argv.slice(2), (text) => process.stdout.write(text));
}
