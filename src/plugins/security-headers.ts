import { parseOrigin } from "../app/origin.js";
import type { Request } from "../app/request.js";
import type { Response } from "../app/response.js";
import type { ServerPlugin } from "../app/server.js";
import { ConfigError } from "../wire/options.js";
import { checkOptionNames, wholeNumber } from "./options.js";

/**
 * Response headers that switch on browser defences. Every option takes `false` to leave its
 * header out; a handler that sets one of these headers itself keeps its own value.
 */
export interface SecurityHeadersOptions {
  /** `X-Content-Type-Options: nosniff`: no guessing a script out of a text file. Default true. */
  noSniff?: boolean;
  /**
   * Who may show the pages in a frame (clickjacking): `"none"` (default), `"self"`, or a list of
   * origins. Sent as CSP `frame-ancestors`, plus `X-Frame-Options` (DENY / SAMEORIGIN) for
   * browsers that predate it.
   */
  frameAncestors?: "none" | "self" | readonly string[] | false;
  /**
   * `Referrer-Policy`. Default "strict-origin-when-cross-origin": other sites see only the
   * origin, never paths or queries, while same-origin requests keep the full Referer (which the
   * CSRF guard falls back on when a browser sends no Origin).
   */
  referrerPolicy?: ReferrerPolicy | false;
  /** `Cross-Origin-Opener-Policy`. Default "same-origin": no window handle for other sites. */
  crossOriginOpenerPolicy?: "same-origin" | "same-origin-allow-popups" | "unsafe-none" | false;
  /** `Cross-Origin-Resource-Policy`; off by default (it blocks other sites from embedding). */
  crossOriginResourcePolicy?: "same-origin" | "same-site" | "cross-origin" | false;
  /**
   * `Strict-Transport-Security`, sent only on requests that came over TLS (`request.secure`,
   * which honours `trustProxy`): browsers ignore it over plain HTTP anyway. Default one year,
   * without subdomains or preload (both are hard to take back).
   */
  hsts?: { maxAge?: number; includeSubDomains?: boolean; preload?: boolean } | false;
}

export type ReferrerPolicy =
  | "no-referrer"
  | "no-referrer-when-downgrade"
  | "origin"
  | "origin-when-cross-origin"
  | "same-origin"
  | "strict-origin"
  | "strict-origin-when-cross-origin"
  | "unsafe-url";

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  "noSniff",
  "frameAncestors",
  "referrerPolicy",
  "crossOriginOpenerPolicy",
  "crossOriginResourcePolicy",
  "hsts",
]);
const REFERRER_POLICIES: ReadonlySet<string> = new Set([
  "no-referrer",
  "no-referrer-when-downgrade",
  "origin",
  "origin-when-cross-origin",
  "same-origin",
  "strict-origin",
  "strict-origin-when-cross-origin",
  "unsafe-url",
]);
const OPENER_POLICIES = new Set(["same-origin", "same-origin-allow-popups", "unsafe-none"]);
const RESOURCE_POLICIES = new Set(["same-origin", "same-site", "cross-origin"]);
const YEAR = 31_536_000;

/**
 * The helmet-like set as a plugin. Headers are set before the handler runs, so error responses
 * carry them too and a handler may override one per response.
 *
 *     app.use(securityHeadersPlugin());
 *     app.use(securityHeadersPlugin({ frameAncestors: "self", hsts: { maxAge: 600 } }));
 */
export function securityHeadersPlugin(options: SecurityHeadersOptions = {}): ServerPlugin {
  const fixed = resolveFixed(options);
  const hsts = resolveHsts(options.hsts);

  function apply(request: Request, response: Response): void {
    const headers = response.headers;
    for (const [name, value] of fixed) {
      if (!headers.has(name)) headers.set(name, value);
    }
    if (hsts !== undefined && request.secure && !headers.has("strict-transport-security")) {
      headers.set("strict-transport-security", hsts);
    }
  }

  return {
    name: "security-headers",
    hooks: {
      before: [apply],
      // A plugin installed earlier can fail before `apply` ran: its error page gets them too.
      error: [(_error, request, response) => apply(request, response)],
    },
  };
}

function resolveFixed(options: SecurityHeadersOptions): Array<[string, string]> {
  checkOptionNames("securityHeadersPlugin", options, KNOWN_OPTIONS, '{ frameAncestors: "self" }');
  const headers: Array<[string, string]> = [];
  const noSniff = options.noSniff ?? true;
  if (typeof noSniff !== "boolean") {
    throw new ConfigError("securityHeaders `noSniff` must be true or false.");
  }
  if (noSniff) headers.push(["x-content-type-options", "nosniff"]);

  const frames = options.frameAncestors ?? "none";
  if (frames === "none") {
    headers.push(["content-security-policy", "frame-ancestors 'none'"]);
    headers.push(["x-frame-options", "DENY"]);
  } else if (frames === "self") {
    headers.push(["content-security-policy", "frame-ancestors 'self'"]);
    headers.push(["x-frame-options", "SAMEORIGIN"]);
  } else if (Array.isArray(frames)) {
    // X-Frame-Options cannot name other origins (ALLOW-FROM is gone from browsers): CSP only.
    const origins = frames.map((o: unknown) => parseOrigin("securityHeaders `frameAncestors`", o));
    headers.push(["content-security-policy", `frame-ancestors 'self' ${origins.join(" ")}`]);
  } else if (frames !== false) {
    throw new ConfigError(
      'securityHeaders `frameAncestors` must be "none", "self", a list of origins, or false.',
    );
  }

  const referrer = options.referrerPolicy ?? "strict-origin-when-cross-origin";
  if (referrer !== false) {
    if (!REFERRER_POLICIES.has(referrer)) {
      throw new ConfigError(
        `securityHeaders \`referrerPolicy\` must be one of ${[...REFERRER_POLICIES].join(", ")}, ` +
          `or false; got ${JSON.stringify(referrer)}`,
      );
    }
    headers.push(["referrer-policy", referrer]);
  }
  const opener = options.crossOriginOpenerPolicy ?? "same-origin";
  if (opener !== false) {
    if (!OPENER_POLICIES.has(opener)) {
      throw new ConfigError(
        `securityHeaders \`crossOriginOpenerPolicy\` must be one of ${[...OPENER_POLICIES].join(", ")}, or false.`,
      );
    }
    headers.push(["cross-origin-opener-policy", opener]);
  }
  const resource = options.crossOriginResourcePolicy ?? false;
  if (resource !== false) {
    if (!RESOURCE_POLICIES.has(resource)) {
      throw new ConfigError(
        `securityHeaders \`crossOriginResourcePolicy\` must be one of ${[...RESOURCE_POLICIES].join(", ")}, or false.`,
      );
    }
    headers.push(["cross-origin-resource-policy", resource]);
  }
  return headers;
}

function resolveHsts(hsts: SecurityHeadersOptions["hsts"]): string | undefined {
  if (hsts === false) return undefined;
  const given = hsts ?? {};
  if (typeof given !== "object" || given === null) {
    throw new ConfigError(
      "securityHeaders `hsts` must be an object like { maxAge: 31536000 }, or false.",
    );
  }
  const maxAge = wholeNumber("securityHeaders `hsts.maxAge`", given.maxAge, YEAR, 0);
  let value = `max-age=${maxAge}`;
  if (given.includeSubDomains === true) value += "; includeSubDomains";
  if (given.preload === true) {
    if (given.includeSubDomains !== true || maxAge < YEAR) {
      throw new ConfigError(
        "securityHeaders `hsts.preload` needs `includeSubDomains: true` and a `maxAge` of at " +
          "least 31536000 (one year): the preload list refuses anything less.",
      );
    }
    value += "; preload";
  }
  return value;
}
