import { appendVary } from "../app/compress.js";
import { parseOrigin } from "../app/origin.js";
import type { Request } from "../app/request.js";
import type { Response } from "../app/response.js";
import type { Server, ServerPlugin } from "../app/server.js";
import { trustOriginsFor } from "../session/csrf-guard.js";
import { ConfigError } from "../wire/options.js";
import { checkOptionNames, headerList } from "./options.js";

/**
 * Cross-Origin Resource Sharing (the Fetch standard's CORS protocol): which other origins may
 * read this server's responses from a browser, with or without the user's cookies.
 */
export interface CorsOptions {
  /**
   * Origins allowed to read responses: `"*"` (anyone, never with credentials), one origin, a list
   * of origins like `["https://app.example.com"]`, or a function deciding per request.
   */
  origin: "*" | string | readonly string[] | ((origin: string, request: Request) => boolean);
  /**
   * Let allowed origins send cookies and read the answers (`Access-Control-Allow-Credentials`).
   * The CSRF guard then trusts those origins too (the token is still required). Default false.
   */
  credentials?: boolean;
  /** Methods a preflight allows. Default GET, HEAD, PUT, PATCH, POST, DELETE. */
  methods?: readonly string[];
  /** Request headers a preflight allows. Default: whichever the browser asks for. */
  allowHeaders?: readonly string[];
  /** Response headers scripts may read beyond the CORS-safelisted ones. Default none. */
  exposeHeaders?: readonly string[];
  /** Seconds browsers may cache a preflight answer; false to not say. Default 600. */
  maxAge?: number | false;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set([
  "origin",
  "credentials",
  "methods",
  "allowHeaders",
  "exposeHeaders",
  "maxAge",
]);
const DEFAULT_METHODS = ["GET", "HEAD", "PUT", "PATCH", "POST", "DELETE"];
const METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

interface ResolvedCors {
  readonly allows: (origin: string, request: Request) => boolean;
  readonly wildcard: boolean;
  readonly credentials: boolean;
  readonly methods: string;
  readonly allowHeaders: string | undefined;
  readonly exposeHeaders: string | undefined;
  readonly maxAge: string | undefined;
}

/**
 * CORS as a server plugin: answers preflights (`OPTIONS` with `Access-Control-Request-Method`)
 * itself with 204, and adds `Access-Control-Allow-Origin` and friends to every response for an
 * allowed origin, error responses included (so the browser shows the real status, e.g. the CSRF
 * guard's 403, instead of a CORS failure). Requests from other origins are served as usual but
 * without CORS headers: the browser then hides the response from the page.
 *
 *     app.use(corsPlugin({ origin: ["https://app.example.com"], credentials: true }));
 */
export function corsPlugin(options: CorsOptions): ServerPlugin {
  const cors = resolveCors(options);

  function before(request: Request, response: Response): void {
    const origin = request.headers.get("origin");
    if (!cors.wildcard) appendVary(response.headers, "Origin");
    if (origin === undefined) return;
    const allowed = cors.wildcard || cors.allows(origin, request);
    const preflight =
      request.method === "OPTIONS" && request.headers.has("access-control-request-method");
    if (preflight) {
      answerPreflight(request, response, allowed ? origin : undefined);
      return;
    }
    if (allowed) addAllowHeaders(response, origin);
  }

  // A plugin installed earlier (sessions, CSRF) may fail before `before` runs here: its error
  // response still needs the headers, or the browser reports a CORS failure instead of it.
  function onError(_error: unknown, request: Request, response: Response): void {
    const origin = request.headers.get("origin");
    if (!cors.wildcard) appendVary(response.headers, "Origin");
    if (origin === undefined || !(cors.wildcard || cors.allows(origin, request))) return;
    addAllowHeaders(response, origin);
  }

  function addAllowHeaders(response: Response, origin: string): void {
    const headers = response.headers;
    headers.set("access-control-allow-origin", cors.wildcard ? "*" : origin);
    if (cors.credentials) headers.set("access-control-allow-credentials", "true");
    if (cors.exposeHeaders !== undefined) {
      headers.set("access-control-expose-headers", cors.exposeHeaders);
    }
  }

  function answerPreflight(request: Request, response: Response, origin?: string): void {
    const headers = response.headers;
    response.status = 204;
    if (origin !== undefined) {
      headers.set("access-control-allow-origin", cors.wildcard ? "*" : origin);
      if (cors.credentials) headers.set("access-control-allow-credentials", "true");
      headers.set("access-control-allow-methods", cors.methods);
      const asked = request.headers.get("access-control-request-headers");
      if (cors.allowHeaders !== undefined) {
        headers.set("access-control-allow-headers", cors.allowHeaders);
      } else if (asked !== undefined) {
        // Echoed, so the answer differs per request: caches must key on what was asked.
        appendVary(headers, "Access-Control-Request-Headers");
        headers.set("access-control-allow-headers", asked);
      }
      if (cors.maxAge !== undefined) headers.set("access-control-max-age", cors.maxAge);
    }
    response.end();
  }

  return {
    name: "cors",
    hooks: { before: [before], error: [onError] },
    install(server: Server): void {
      if (cors.credentials) trustOriginsFor(server, cors.allows);
    },
  };
}

function resolveCors(options: CorsOptions): ResolvedCors {
  checkOptionNames("corsPlugin", options, KNOWN_OPTIONS, '{ origin: ["https://app.example.com"] }');
  const credentials = options.credentials ?? false;
  if (typeof credentials !== "boolean") {
    throw new ConfigError(`cors \`credentials\` must be true or false, got ${String(credentials)}`);
  }
  const { allows, wildcard } = originDecision(options.origin);
  if (wildcard && credentials) {
    throw new ConfigError(
      'cors `origin: "*"` cannot be combined with `credentials: true`: it would let every site ' +
        "read answers made with the user's cookies (and browsers refuse it). List the origins, " +
        "or pass a function (origin, request) => boolean.",
    );
  }
  const methods = options.methods ?? DEFAULT_METHODS;
  if (
    !Array.isArray(methods) ||
    methods.length === 0 ||
    methods.some((m) => typeof m !== "string" || !METHOD.test(m))
  ) {
    throw new ConfigError('cors `methods` must be a non-empty list like ["GET", "POST"].');
  }
  const maxAge = options.maxAge ?? 600;
  if (maxAge !== false && (!Number.isInteger(maxAge) || maxAge < 0)) {
    throw new ConfigError(
      `cors \`maxAge\` must be a whole number of seconds ≥ 0 or false, got ${String(maxAge)}`,
    );
  }
  return {
    allows,
    wildcard,
    credentials,
    methods: methods.map((m) => m.toUpperCase()).join(", "),
    allowHeaders: headerList("cors `allowHeaders`", options.allowHeaders),
    exposeHeaders: headerList("cors `exposeHeaders`", options.exposeHeaders),
    maxAge: maxAge === false ? undefined : String(maxAge),
  };
}

function originDecision(origin: CorsOptions["origin"]): {
  allows: (origin: string, request: Request) => boolean;
  wildcard: boolean;
} {
  if (origin === "*") return { allows: () => true, wildcard: true };
  if (typeof origin === "function") return { allows: origin, wildcard: false };
  const list = typeof origin === "string" ? [origin] : origin;
  if (!Array.isArray(list)) {
    throw new ConfigError(
      'cors `origin` must be "*", an origin, a list of origins like ["https://app.example.com"], ' +
        "or a function (origin, request) => boolean.",
    );
  }
  const origins = new Set(list.map((entry: unknown) => parseOrigin("cors `origin`", entry)));
  // Browsers serialise Origin in lowercase without the default port, as URL#origin does.
  return { allows: (given) => origins.has(given), wildcard: false };
}
