import { parseOrigin, serialisedOrigin } from "../app/origin.js";
import type { Request } from "../app/request.js";
import type { Server, ServerPlugin } from "../app/server.js";
import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { leadingFormToken } from "./multipart-token.js";
import { hasSessions, requestSession } from "./plugin.js";

export interface CsrfOptions {
  /** Request header carrying the token (for fetch/XHR). Default "x-csrf-token". */
  header?: string;
  /**
   * Form field carrying the token (urlencoded or multipart forms). Default "_csrf". In a
   * multipart form it must be the first part (put the hidden input first in the `<form>`): an
   * upload is never buffered to look for it.
   */
  field?: string;
  /**
   * Other origins allowed to send unsafe requests, e.g. `["https://admin.example.com"]`, even
   * when the browser marks them cross-site; the token is still required. (A cross-site origin's
   * requests carry the session cookie only if it is `SameSite=None`.) Origins the CORS plugin
   * allows with credentials are trusted too.
   */
  trustedOrigins?: readonly string[];
  /**
   * Requests this returns true for skip the token check (e.g. a token-authenticated JSON API, or
   * a streamed upload that checks its token itself); cross-site requests are still refused.
   */
  exempt?: (request: Request) => boolean;
}

/** RFC 9110 §9.2.1 safe methods: never state-changing, never checked. */
const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(["header", "field", "trustedOrigins", "exempt"]);
const FORM_TYPES: ReadonlySet<string> = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
]);

export const CROSS_SITE_REFUSED = "Cross-site request refused";
export const TOKEN_REFUSED = "CSRF token missing or invalid";

/** Decides whether an origin (`scheme://host[:port]`) may send this request unsafe methods. */
export type OriginTrust = (origin: string, request: Request) => boolean;

/** Trust other plugins extend per server (CORS with credentials), read when a request comes. */
const extraTrust = new WeakMap<Server, OriginTrust[]>();

/**
 * Lets another plugin (CORS) vouch for cross-site origins on `server`'s CSRF guard, so an origin
 * allowed to make credentialed requests is not refused as cross-site. The token is still checked.
 */
export function trustOriginsFor(server: Server, trust: OriginTrust): void {
  const list = extraTrust.get(server);
  if (list === undefined) extraTrust.set(server, [trust]);
  else list.push(trust);
}

interface ResolvedCsrfOptions {
  readonly header: string;
  readonly field: string;
  readonly trustedOrigins: ReadonlySet<string>;
  readonly exempt: ((request: Request) => boolean) | undefined;
}

/**
 * CSRF protection for unsafe methods, in two steps: refuse requests a browser marks (or whose
 * Origin/Referer shows them) as coming from another site, then require the session's masked
 * synchronizer token in a header or form field. Needs the session plugin installed first.
 */
export function csrfPlugin(options: true | CsrfOptions = {}): ServerPlugin {
  const resolved = resolveCsrfOptions(options === true ? {} : options);
  let extra: OriginTrust[] = [];
  const trusts = (origin: string, request: Request): boolean =>
    resolved.trustedOrigins.has(origin) || extra.some((trust) => trust(origin, request));

  async function guard(request: Request): Promise<void> {
    if (SAFE_METHODS.has(request.method)) return;
    if (!sameOriginOrTrusted(request, trusts)) {
      throw new HttpError(403, CROSS_SITE_REFUSED);
    }
    if (resolved.exempt?.(request) === true) return;
    const token = await submittedToken(request, resolved);
    if (!requestSession(request).verifyCsrfToken(token)) throw new HttpError(403, TOKEN_REFUSED);
  }

  return {
    name: "csrf",
    hooks: {
      before: [
        // Safe methods return synchronously: no promise on the common path.
        (request) => (SAFE_METHODS.has(request.method) ? undefined : guard(request)),
      ],
    },
    install(server: Server): void {
      if (!hasSessions(server)) {
        throw new ConfigError(
          "CSRF protection keeps its secret in the session: pass `session: { keys: [...] }` " +
            "together with `csrf` to new Server() (or app.use(sessionPlugin(...)) first).",
        );
      }
      // Read per request: a CORS plugin added after this one still counts.
      const list = extraTrust.get(server) ?? [];
      extraTrust.set(server, list);
      extra = list;
    },
  };
}

async function submittedToken(request: Request, options: ResolvedCsrfOptions): Promise<unknown> {
  const fromHeader = request.headers.get(options.header);
  if (fromHeader !== undefined) return fromHeader;
  const type = request.contentType;
  if (type === undefined || !FORM_TYPES.has(type)) return undefined;
  // An upload may be gigabytes: only its first part is looked at (multipart-token.ts).
  if (type === "multipart/form-data") return leadingFormToken(request, options.field);
  // form() keeps what it parsed, so the handler can still read the form afterwards.
  const value = (await request.form()).fields[options.field];
  return typeof value === "string" ? value : undefined;
}

/**
 * Sec-Fetch-Site when the browser sends it; otherwise Origin, then Referer, compared with this
 * request's own origin. A request with none of them is not from a browser page (curl, a server)
 * and cannot carry a victim's cookies by itself; the token check still applies to it.
 */
function sameOriginOrTrusted(request: Request, trusts: OriginTrust): boolean {
  const origin = request.headers.get("origin");
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite === "same-origin" || fetchSite === "none") return true;
  if (fetchSite === "cross-site" || fetchSite === "same-site") {
    if (origin === undefined) return false;
    const normal = serialisedOrigin(origin);
    return normal !== "null" && trusts(normal, request);
  }
  if (origin !== undefined) return isOwnOrTrusted(request, serialisedOrigin(origin), trusts);
  const referer = request.headers.get("referer");
  if (referer !== undefined) return isOwnOrTrusted(request, serialisedOrigin(referer), trusts);
  return true;
}

function isOwnOrTrusted(request: Request, origin: string, trusts: OriginTrust): boolean {
  if (origin === "null") return false;
  return origin === request.origin || trusts(origin, request);
}

function resolveCsrfOptions(options: CsrfOptions): ResolvedCsrfOptions {
  if (options === null || typeof options !== "object") {
    throw new ConfigError("`csrf` must be true or an options object such as `{ header, field }`.");
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      throw new ConfigError(
        `Unknown csrf option \`${name}\`. Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
      );
    }
  }
  const header = options.header ?? "x-csrf-token";
  if (typeof header !== "string" || !HEADER_NAME.test(header)) {
    throw new ConfigError(`csrf \`header\` must be a header name like "x-csrf-token".`);
  }
  const field = options.field ?? "_csrf";
  if (typeof field !== "string" || field === "") {
    throw new ConfigError('csrf `field` must be a non-empty form field name like "_csrf".');
  }
  const exempt = options.exempt;
  if (exempt !== undefined && typeof exempt !== "function") {
    throw new ConfigError("csrf `exempt` must be a function (request) => boolean, or left out.");
  }
  return {
    header: header.toLowerCase(),
    field,
    trustedOrigins: new Set(checkedOrigins(options.trustedOrigins ?? [])),
    exempt,
  };
}

function checkedOrigins(origins: readonly string[]): string[] {
  if (!Array.isArray(origins)) {
    throw new ConfigError(
      'csrf `trustedOrigins` must be an array like ["https://admin.example.com"].',
    );
  }
  return origins.map((origin: unknown) => parseOrigin("csrf `trustedOrigins`", origin));
}
