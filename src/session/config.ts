import { DEFAULT_MAX_CHUNKS, HARD_MAX_CHUNKS } from "./chunks.js";
import { SessionConfigError } from "./errors.js";
import type { SessionKeyInput } from "./keys.js";
import { Keyring } from "./keys.js";
import type { ExpiryPolicy, JsonRecord } from "./payload.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** RFC 6265bis: browsers cap cookie lifetimes at 400 days. */
const MAX_ABSOLUTE_TIMEOUT = 400 * DAY;
const MAX_CLOCK_SKEW = HOUR;
const MAX_COOKIE_NAME_CHARS = 64;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Cookie path: visible ASCII minus ";" (it would end the attribute).
const COOKIE_PATH = /^\/[\x21-\x3a\x3c-\x7e]*$/;

export type SameSite = "Lax" | "Strict" | "None";

/** Why a presented session cookie was ignored. Identical handling for all; reasons are for metrics. */
export type InvalidSessionReason =
  | "malformed"
  | "oversized"
  | "missing-chunk"
  | "too-many-chunks"
  | "unknown-key"
  | "auth-failed"
  | "bad-payload"
  | "expired"
  | "revoked";

/** What `isRevoked` sees: enough to check a denylist of ids or a per-user "valid after" time. */
export interface SessionRevocationInfo {
  readonly sid: string;
  readonly issuedAt: number;
  readonly lastActive: number;
  readonly data: Readonly<JsonRecord>;
}

export interface SessionClock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export interface SessionOptions {
  /** `[primary, ...fallbacks]`: the primary seals, all open. See `keys.ts` for formats. */
  keys: readonly SessionKeyInput[];
  /** Logical cookie name (default "session"); `__Host-` is prepended when Secure. */
  cookieName?: string;
  /** ms; default 7 days, at most 400 days. */
  absoluteTimeout?: number;
  /** ms; default 24 hours, at most `absoluteTimeout` (equal disables idle expiry). */
  idleTimeout?: number;
  /** ms a timestamp may be in the future; default 60 s. */
  clockSkew?: number;
  /** Cookies one session may span; default 2, at most 5. */
  maxChunks?: number;
  /** Force Secure on (TLS ends at a proxy) or off; default: follow the request. */
  secure?: boolean;
  sameSite?: SameSite;
  /** Default "/". Any other path gives up `__Host-` for the weaker `__Secure-` prefix. */
  path?: string;
  clock?: SessionClock;
  /** Consulted after a session opens; `true` discards it. Errors propagate (fail closed). */
  isRevoked?: (info: SessionRevocationInfo) => boolean | Promise<boolean>;
  /** Debug/metrics hook. Never receives the token. Exceptions from it are ignored. */
  onInvalid?: (reason: InvalidSessionReason) => void;
}

export interface ResolvedSessionConfig extends ExpiryPolicy {
  keyring: Keyring;
  cookieName: string;
  maxChunks: number;
  secure: boolean | undefined;
  sameSite: SameSite;
  path: string;
  clock: SessionClock;
  isRevoked: ((info: SessionRevocationInfo) => boolean | Promise<boolean>) | undefined;
  onInvalid: ((reason: InvalidSessionReason) => void) | undefined;
}

const KNOWN_OPTIONS = new Set<string>([
  "keys",
  "cookieName",
  "absoluteTimeout",
  "idleTimeout",
  "clockSkew",
  "maxChunks",
  "secure",
  "sameSite",
  "path",
  "clock",
  "isRevoked",
  "onInvalid",
]);

export function resolveSessionConfig(options: SessionOptions): ResolvedSessionConfig {
  if (options === null || typeof options !== "object") {
    throw new SessionConfigError("Session options must be an object such as `{ keys: [key] }`.");
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new SessionConfigError(
        `Unknown session option \`${name}\`. Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
      );
    }
  }
  const absoluteTimeout = duration("absoluteTimeout", options.absoluteTimeout, 7 * DAY, {
    min: SECOND,
    max: MAX_ABSOLUTE_TIMEOUT,
  });
  const idleTimeout = duration("idleTimeout", options.idleTimeout, DAY, {
    min: SECOND,
    max: absoluteTimeout,
  });
  const clockSkew = duration("clockSkew", options.clockSkew, MINUTE, {
    min: 0,
    max: MAX_CLOCK_SKEW,
  });
  const maxChunks = options.maxChunks ?? DEFAULT_MAX_CHUNKS;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > HARD_MAX_CHUNKS) {
    throw new SessionConfigError(
      `Session \`maxChunks\` must be an integer from 1 to ${HARD_MAX_CHUNKS}, got ${maxChunks}. ` +
        "Each chunk is a 4 KiB cookie sent with every request; keep large data server-side.",
    );
  }
  const sameSite = options.sameSite ?? "Lax";
  if (sameSite !== "Lax" && sameSite !== "Strict" && sameSite !== "None") {
    throw new SessionConfigError(
      `Session \`sameSite\` must be "Lax", "Strict" or "None", got ${String(sameSite)}.`,
    );
  }
  if (sameSite === "None" && options.secure !== true) {
    throw new SessionConfigError(
      'Session `sameSite: "None"` requires `secure: true`: browsers reject SameSite=None ' +
        "cookies without Secure.",
    );
  }
  return {
    keyring: new Keyring(options.keys),
    cookieName: validCookieName(options.cookieName ?? "session"),
    absoluteTimeout,
    idleTimeout,
    clockSkew,
    maxChunks,
    secure: optionalBoolean("secure", options.secure),
    sameSite,
    path: validPath(options.path ?? "/"),
    clock: validClock(options.clock),
    isRevoked: optionalFunction("isRevoked", options.isRevoked),
    onInvalid: optionalFunction("onInvalid", options.onInvalid),
  };
}

/** The cookie name on the wire: `__Host-` binds it to this exact host and forbids Domain. */
export function wireCookieName(config: ResolvedSessionConfig, secure: boolean): string {
  if (!secure) return config.cookieName;
  return (config.path === "/" ? "__Host-" : "__Secure-") + config.cookieName;
}

export function cookieAttributes(
  config: ResolvedSessionConfig,
  secure: boolean,
  maxAgeSeconds: number,
): string {
  return `; Max-Age=${maxAgeSeconds}${commonAttributes(config, secure)}`;
}

/** Expires is for clients that ignore Max-Age=0. */
export function deletionAttributes(config: ResolvedSessionConfig, secure: boolean): string {
  return `; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT${commonAttributes(config, secure)}`;
}

function commonAttributes(config: ResolvedSessionConfig, secure: boolean): string {
  return `; Path=${config.path}; HttpOnly${secure ? "; Secure" : ""}; SameSite=${config.sameSite}`;
}

function duration(
  name: string,
  value: number | undefined,
  fallback: number,
  range: { min: number; max: number },
): number {
  const resolved = value ?? fallback;
  if (!Number.isSafeInteger(resolved) || resolved < range.min || resolved > range.max) {
    throw new SessionConfigError(
      `Session \`${name}\` must be a whole number of milliseconds from ${range.min} to ` +
        `${range.max}, got ${String(value)}.` +
        (name === "idleTimeout"
          ? " Set it equal to `absoluteTimeout` to disable idle expiry."
          : ""),
    );
  }
  return resolved;
}

function validCookieName(name: string): string {
  if (typeof name !== "string" || !COOKIE_NAME.test(name) || name.length > MAX_COOKIE_NAME_CHARS) {
    throw new SessionConfigError(
      `Session \`cookieName\` must be 1 to ${MAX_COOKIE_NAME_CHARS} cookie-name characters ` +
        `(letters, digits, !#$%&'*+-.^_\`|~), got ${JSON.stringify(name)}.`,
    );
  }
  if (/^__(?:host|secure)-/i.test(name)) {
    throw new SessionConfigError(
      "Session `cookieName` must not carry a `__Host-`/`__Secure-` prefix; it is added " +
        "automatically whenever the cookie is Secure.",
    );
  }
  return name;
}

function validPath(path: string): string {
  if (typeof path !== "string" || !COOKIE_PATH.test(path) || path.length > 1024) {
    throw new SessionConfigError(
      `Session \`path\` must start with "/" and contain only visible ASCII without ";", got ${JSON.stringify(path)}.`,
    );
  }
  return path;
}

function validClock(clock: SessionClock | undefined): SessionClock {
  if (clock === undefined) return { now: Date.now };
  if (clock === null || typeof clock.now !== "function") {
    throw new SessionConfigError("Session `clock` must be an object with a `now()` method (ms).");
  }
  return clock;
}

function optionalBoolean(name: string, value: boolean | undefined): boolean | undefined {
  if (value !== undefined && typeof value !== "boolean") {
    throw new SessionConfigError(`Session \`${name}\` must be true, false or left out.`);
  }
  return value;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function") {
    throw new SessionConfigError(`Session \`${name}\` must be a function or left out.`);
  }
  return value;
}
