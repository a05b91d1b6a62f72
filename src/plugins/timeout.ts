import type { AnyHandler, HandlerResult } from "../app/pipeline.js";
import type { Request } from "../app/request.js";
import type { Response } from "../app/response.js";
import type { RouteDefinition, RouteOptions } from "../app/routes.js";
import type { ServerPlugin } from "../app/server.js";
import type { RouteSchemas } from "../app/validation.js";
import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { checkOptionNames } from "./options.js";

declare module "../app/routes.js" {
  // biome-ignore lint/complexity/noBannedTypes: must repeat RouteOptions' own parameters.
  interface RouteOptions<Schemas extends RouteSchemas = {}> {
    /**
     * Milliseconds this route's handler may take before the request is answered with the
     * timeout plugin's status (and `request.signal` is aborted); false for no deadline.
     * Overrides the plugin's `ms`. Needs `timeoutPlugin` installed.
     */
    timeout?: number | false;
  }
}

export interface TimeoutOptions {
  /** Default deadline for every route's handler, in milliseconds; false for none. Default 30 000. */
  ms?: number | false;
  /**
   * Status of the answer. Default 503 Service Unavailable: this server is the origin and is
   * temporarily unable to answer in time. 504 Gateway Timeout would tell clients and monitoring
   * that an upstream gateway failed; choose it if the handler is itself a proxy.
   */
  status?: 503 | 504;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(["ms", "status"]);
/** setTimeout's largest delay; longer ones fire at once. */
const MAX_MS = 2_147_483_647;

/**
 * A deadline on route handlers. When a handler's promise has not settled after its deadline,
 * `request.signal` is aborted (so a fetch, a query or a stream given that signal stops) and the
 * request is answered with 503 (or 504) through the usual error path: error hooks, after hooks
 * and the error page all apply. Whatever the handler does later is ignored. Synchronous
 * handlers cannot be interrupted and are not timed; neither is streaming the body once the
 * handler has returned (the engine's `timeouts` cover slow clients).
 *
 *     app.use(timeoutPlugin({ ms: 5000 }));
 *     app.get("/report", slowReport, { timeout: 60_000 });
 */
export function timeoutPlugin(options: TimeoutOptions = {}): ServerPlugin {
  checkOptionNames("timeoutPlugin", options, KNOWN_OPTIONS, "{ ms: 5000 }");
  const fallback = checkMs("timeoutPlugin `ms`", options.ms ?? 30_000);
  const status = options.status ?? 503;
  if (status !== 503 && status !== 504) {
    throw new ConfigError(`timeoutPlugin \`status\` must be 503 or 504, got ${String(status)}`);
  }

  return {
    name: "timeout",
    wrapHandler(handler: AnyHandler, route: RouteDefinition): AnyHandler {
      const own = (route.options as RouteOptions).timeout;
      const ms =
        own === undefined ? fallback : checkMs(`'timeout' of route '${route.pattern}'`, own);
      if (ms === false) return handler;
      return (request, response) => withDeadline(handler, request, response, ms, status);
    },
  };
}

function withDeadline(
  handler: AnyHandler,
  request: Request,
  response: Response,
  ms: number,
  status: number,
): HandlerResult {
  const result = handler(request, response);
  if (!isThenable(result)) return result;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new HttpError(status, `The handler did not finish within ${ms} ms`);
      request.abortSignal(error);
      reject(error);
    }, ms);
    // After the deadline these settle an already rejected promise: ignored, never unhandled.
    result.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function checkMs(option: string, value: unknown): number | false {
  if (value === false) return false;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_MS) {
    throw new ConfigError(
      `${option} must be a whole number of milliseconds from 1 to ${MAX_MS}, or false; ` +
        `got ${String(value)}`,
    );
  }
  return value;
}
