import type { Request } from "../app/request.js";
import type { Response } from "../app/response.js";
import type { ServerPlugin } from "../app/server.js";
import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { checkOptionNames, wholeNumber } from "./options.js";

/**
 * Rate limiting per client: a fixed window of `windowSeconds` per key (the client address by
 * default) allowing `limit` requests, advertised with the IETF draft's `RateLimit-Policy` and
 * `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-10), refused with 429 and
 * `Retry-After` beyond it.
 */

/** A key's count in its current window, and when that window ends (milliseconds, same clock). */
export interface RateLimitHit {
  readonly count: number;
  readonly resetAt: number;
}

/**
 * Where counts live. `hit` counts one request for `key` and returns the count so far in the
 * key's window, which starts at its first hit and lasts `windowMs`. May be async (a shared store
 * such as Redis, for several processes); a rejection answers the request with 500.
 */
export interface RateLimitStore {
  hit(key: string, windowMs: number, now: number): RateLimitHit | PromiseLike<RateLimitHit>;
}

export interface RateLimitOptions {
  /** Requests allowed per key and window. Default 100. */
  limit?: number;
  /** Window length in whole seconds. Default 60. */
  windowSeconds?: number;
  /** What is limited. Default the client address (`request.ip`, which honours `trustProxy`). */
  key?: (request: Request) => string;
  /** Requests this returns true for are neither counted nor limited (e.g. health checks). */
  skip?: (request: Request) => boolean;
  /** Default: a `MemoryRateLimitStore` of this process (see its limits in worker mode). */
  store?: RateLimitStore;
  /** The policy's name in the headers. Default "default". */
  policy?: string;
  /** Milliseconds since the epoch; tests pass a fake. Default Date.now. */
  clock?: () => number;
}

/**
 * Counts in this process's memory. Entries live in a Map in the order their windows started,
 * which (for one window length) is the order they expire: every hit first drops the expired
 * entries at the front, so memory holds only live windows and no timer runs. At `maxKeys` live
 * keys the oldest window is dropped to make room (that client starts afresh), so an attacker
 * with many addresses costs bounded memory. Each worker process has its own store: with N
 * workers a client gets up to N × limit, depending on which worker accepts its connections.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  readonly maxKeys: number;
  readonly #entries = new Map<string, { count: number; resetAt: number }>();

  constructor(options: { maxKeys?: number } = {}) {
    this.maxKeys = wholeNumber("MemoryRateLimitStore `maxKeys`", options.maxKeys, 100_000);
  }

  /** Live keys (after the last sweep). */
  get size(): number {
    return this.#entries.size;
  }

  hit(key: string, windowMs: number, now: number): RateLimitHit {
    this.#sweep(now);
    const entries = this.#entries;
    let entry = entries.get(key);
    if (entry === undefined || entry.resetAt <= now) {
      // Re-inserted, so the Map stays in window-start order.
      if (entry !== undefined) entries.delete(key);
      else if (entries.size >= this.maxKeys) entries.delete(entries.keys().next().value!);
      entry = { count: 0, resetAt: now + windowMs };
      entries.set(key, entry);
    }
    entry.count++;
    return { count: entry.count, resetAt: entry.resetAt };
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.resetAt > now) return;
      this.#entries.delete(key);
    }
  }
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  "limit",
  "windowSeconds",
  "key",
  "skip",
  "store",
  "policy",
  "clock",
]);
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/;

/**
 * The rate limiter as a plugin: its before hook counts every request (sessions and CSRF checks
 * installed earlier run first), sets `RateLimit-Policy` and `RateLimit` on the response and
 * throws a 429 with `Retry-After` once the key is over its limit.
 *
 *     app.use(rateLimitPlugin({ limit: 60, windowSeconds: 60 }));
 */
export function rateLimitPlugin(options: RateLimitOptions = {}): ServerPlugin {
  checkOptionNames("rateLimitPlugin", options, KNOWN_OPTIONS, "{ limit: 60, windowSeconds: 60 }");
  const limit = wholeNumber("rateLimitPlugin `limit`", options.limit, 100);
  const windowSeconds = wholeNumber("rateLimitPlugin `windowSeconds`", options.windowSeconds, 60);
  const windowMs = windowSeconds * 1000;
  const key = checkFunction("key", options.key) ?? ((request: Request) => request.ip);
  const skip = checkFunction("skip", options.skip);
  const clock = checkFunction("clock", options.clock) ?? Date.now;
  const store = options.store ?? new MemoryRateLimitStore();
  if (typeof store !== "object" || store === null || typeof store.hit !== "function") {
    throw new ConfigError("rateLimitPlugin `store` must have a hit(key, windowMs, now) method.");
  }
  const policy = options.policy ?? "default";
  if (typeof policy !== "string" || !TOKEN.test(policy)) {
    throw new ConfigError(
      `rateLimitPlugin \`policy\` must be a short name like "default" or "api", got ${JSON.stringify(policy)}`,
    );
  }
  const policyField = `"${policy}";q=${limit};w=${windowSeconds}`;

  function decide(hit: RateLimitHit, now: number, response: Response): void {
    const remaining = Math.max(0, limit - hit.count);
    const reset = Math.max(0, Math.ceil((hit.resetAt - now) / 1000));
    // Both fields are lists: several limiters on one server each add their policy.
    const headers = response.headers;
    headers.append("ratelimit-policy", policyField);
    headers.append("ratelimit", `"${policy}";r=${remaining};t=${reset}`);
    if (hit.count > limit) {
      // Retry-After names the same moment as the RateLimit reset, as the draft asks.
      throw new HttpError(429, `Too many requests: try again in ${reset} s`, {
        headers: { "retry-after": String(Math.max(1, reset)) },
      });
    }
  }

  function count(request: Request, response: Response): void | Promise<void> {
    if (skip?.(request) === true) return;
    const now = clock();
    const result = store.hit(key(request), windowMs, now);
    if (typeof (result as PromiseLike<RateLimitHit>).then === "function") {
      return Promise.resolve(result).then((hit) => decide(hit, now, response));
    }
    decide(result as RateLimitHit, now, response);
  }

  // Named after the policy, so a server can have several (a global one and a stricter one).
  return { name: `rate-limit:${policy}`, hooks: { before: [count] } };
}

function checkFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new ConfigError(`rateLimitPlugin \`${name}\` must be a function, or left out.`);
  }
  return value;
}
