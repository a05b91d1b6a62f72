import { join } from "node:path";
import { ConfigError } from "../../src/index.js";
import { SessionConfigError } from "../../src/session/index.js";
import { createDemoApp } from "./app.js";
import { loadSessionKeys } from "./dev-key.js";
import { demoDir, repoRoot } from "./paths.js";

/** `npm start`: the demo on http://127.0.0.1:8000 (PORT, HOST, DATA_DIR, SESSION_KEY, NODE_ENV). */
async function start(env: NodeJS.ProcessEnv): Promise<void> {
  const development = env.NODE_ENV !== "production";
  const port = parsePort(env.PORT);
  const host = env.HOST ?? "127.0.0.1";
  const { keys, source } = loadSessionKeys({ env, development, keyDir: repoRoot });
  const app = createDemoApp({
    dataDir: env.DATA_DIR ?? join(demoDir, "data"),
    sessionKeys: keys,
    development,
    accessLog: true,
  });
  app.closeOnSignals();
  const address = await app.run({ port, host });
  console.log(`Session key from ${source}`);
  console.log(`slow-serv demo listening on ${address.url}`);
}

/** PORT as a number; text that is not one is named in the error, not passed on as NaN. */
function parsePort(text: string | undefined): number {
  if (text === undefined || text === "") return 8000;
  const port = /^\d{1,5}$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (!(port <= 65535)) {
    throw new ConfigError(
      `PORT=${JSON.stringify(text)} is not a port number: set PORT to a whole number from 0 to ` +
        "65535 (0 picks a free port), or unset it for 8000.",
    );
  }
  return port;
}

/** Mistakes in the set-up (bad key, port taken): the message says what to do, a stack would not. */
function isSetupError(error: unknown): error is Error {
  if (error instanceof ConfigError || error instanceof SessionConfigError) return true;
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return error instanceof Error && (code === "EADDRINUSE" || code === "EACCES");
}

try {
  await start(process.env);
} catch (error) {
  if (!isSetupError(error)) throw error;
  console.error(`Cannot start the demo: ${error.message}`);
  process.exitCode = 1;
}
