#!/usr/bin/env node
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Server } from "../app/server.js";
import { serveStatic } from "../app/static.js";
import { generateKey } from "../session/keys.js";
import { parseStart, START_USAGE, start } from "./start.js";

const USAGE = `slow-serv — HTTP/1.1 server and microframework

Usage:
  slow-serv keygen          Print a new random session key (base64url:…, 32 bytes).
                            Put it in an environment variable, never in the source:
                              SESSION_KEY=$(npx slow-serv keygen)
  slow-serv serve [dir]     Serve a folder's files (default: the current folder).
      --port N              Port (default 8000; 0 picks a free one).
      --host H              Interface (default 127.0.0.1; 0.0.0.0 for every interface).
${START_USAGE}  slow-serv --version       Print the version.
  slow-serv help            Show this text.
`;

/** The version in the package.json above this file (dist/edges or build/src/edges). */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === "slow-serv" && manifest.version !== undefined) return manifest.version;
    } catch {
      // Not here: look one folder up.
    }
    dir = dirname(dir);
  }
  return "unknown";
}

interface ServeArguments {
  dir: string;
  port: number;
  host: string;
}

function parseServe(args: readonly string[]): ServeArguments | string {
  const parsed: ServeArguments = { dir: ".", port: 8000, host: "127.0.0.1" };
  let sawDir = false;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === "--port" || arg === "--host") {
      const value = args[++index];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === "--port") {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          return `--port must be a number from 0 to 65535, got '${value}'`;
        }
        parsed.port = port;
      } else parsed.host = value;
    } else if (arg.startsWith("-") || sawDir) {
      return `Unexpected argument '${arg}'`;
    } else {
      parsed.dir = arg;
      sawDir = true;
    }
  }
  return parsed;
}

/** `slow-serv serve`: a static file server with the access log on; runs until a signal. */
async function serve(args: ServeArguments, write: (text: string) => void): Promise<Server> {
  const root = resolve(args.dir);
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(
      `'${args.dir}' is not a folder: pass the folder to serve, e.g. slow-serv serve ./public`,
    );
  }
  const app = new Server({ accessLog: true, compression: true });
  app.get("/*path", serveStatic(root));
  const address = await app.run({ port: args.port, host: args.host });
  app.closeOnSignals();
  write(`Serving ${root} on ${address.url}\n`);
  return app;
}

/** The command line; resolves to the exit code so tests can call it without spawning. */
export async function main(
  args: readonly string[],
  write: (text: string) => void,
): Promise<number> {
  const [command] = args;
  switch (command) {
    case "serve": {
      const parsed = parseServe(args.slice(1));
      if (typeof parsed === "string") {
        write(`${parsed}\n\n${USAGE}`);
        return 2;
      }
      await serve(parsed, write);
      return 0;
    }
    case "start": {
      const parsed = parseStart(args.slice(1));
      if (typeof parsed === "string") {
        write(`${parsed}\n\n${USAGE}`);
        return 2;
      }
      await start(parsed, write);
      return 0;
    }
    case "--version":
    case "-v":
    case "version":
      write(`${version()}\n`);
      return 0;
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
  main(process.argv.slice(2), (text) => process.stdout.write(text)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
