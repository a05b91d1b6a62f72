import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Server } from "../app/server.js";
import type { BoundAddress, ListenOptions } from "../wire/listener.js";
import { serve } from "./fetch/serve.js";

/**
 * Loads an app module for `slow-serv start` and starts what its default export is: a Server, an
 * object with a `fetch` method, or a (possibly async) function returning either. Every mistake is
 * an `AppLoadError` whose message is one line saying what to do.
 */

export class AppLoadError extends Error {
  override readonly name = "AppLoadError";
}

/** A fetch-handler app: `export default { fetch(request) { return new Response("hi") } }`. */
export interface FetchApp {
  fetch(request: Request): Response | Promise<Response>;
}

/** Something started that `runWorkers` and signals can close, with the addresses it bound. */
export interface StartedApp {
  readonly addresses: readonly BoundAddress[];
  close(): Promise<void>;
}

export type LoadedApp = { kind: "server"; server: Server } | { kind: "fetch"; app: FetchApp };

const EXPORT_HELP =
  "end the module with `export default app` (a slow-serv Server, an object with a fetch method, or a function returning either)";

function classify(value: unknown, file: string): LoadedApp | undefined {
  if (value instanceof Server) return { kind: "server", server: value };
  if (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { fetch?: unknown }).fetch === "function"
  ) {
    return { kind: "fetch", app: value as FetchApp };
  }
  if (value === undefined) throw new AppLoadError(`${file} has no default export: ${EXPORT_HELP}`);
  return undefined;
}

export async function loadApp(file: string): Promise<LoadedApp> {
  const path = resolve(file);
  if (!existsSync(path)) {
    throw new AppLoadError(
      `Cannot find ${file}: give the path of your app's compiled module, e.g. slow-serv start ./build/app.js`,
    );
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new AppLoadError(`Could not load ${file}: ${reason}`);
  }
  const exported = module.default;
  const direct = classify(exported, file);
  if (direct !== undefined) return direct;
  if (typeof exported === "function") {
    let made: unknown;
    try {
      made = await (exported as () => unknown)();
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new AppLoadError(`The default export of ${file} threw while making the app: ${reason}`);
    }
    const result = classify(made, file);
    if (result !== undefined) return result;
    throw new AppLoadError(
      `The function exported by ${file} returned ${describe(made)}: return a slow-serv Server or an object with a fetch method`,
    );
  }
  throw new AppLoadError(`The default export of ${file} is ${describe(exported)}: ${EXPORT_HELP}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an object without a fetch method`;
  return `a ${typeof value}`;
}

/**
 * Serves a `{ fetch }` app on slow-serv's engine through `serve()`, with the command line's
 * address, TLS and PROXY protocol; `slow-serv start --access-log` turns its access log on.
 */
export async function startFetchApp(app: FetchApp, listen: ListenOptions): Promise<StartedApp> {
  const accessLog = process.env.SLOW_SERV_ACCESS_LOG;
  return serve({
    ...listen,
    fetch: (request) => app.fetch(request),
    accessLog: accessLog !== undefined && accessLog !== "off",
  });
}
