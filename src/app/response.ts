import { Readable } from "node:stream";
import { HttpError } from "../wire/http-error.js";
import { type WireBody, WireResponse } from "../wire/response.js";
import { ResponseCookies } from "./cookies.js";
import type { Request } from "./request.js";
import { type SendFileOptions, sendFile } from "./send-file.js";
import { cleanUrl, SafeHtml, startsWithAuthority } from "./template.js";

/** A JSON value a handler may assign to `response.body`. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue | undefined };

/**
 * An object sent as JSON: a plain object, or any other object whose enumerable properties are
 * its data (an interface's values, a class instance; `toJSON` is honoured). The markers refuse,
 * at compile time, the objects JSON.stringify would turn into `{}` or a half-truth, which the
 * response refuses at run time too: Map, Set, WeakMap, Promise, ArrayBuffer, typed arrays other
 * than Uint8Array, DataView, RegExp, functions, and iterables other than arrays. (TypeScript's
 * structural types cannot tell a data object from one that has methods, so class instances are
 * sent like plain objects, as JSON.stringify sends them.)
 */
export type JsonObject = object & {
  readonly [Symbol.toStringTag]?: never;
  readonly [Symbol.iterator]?: never;
  readonly [Symbol.asyncIterator]?: never;
  readonly [Symbol.hasInstance]?: never;
  readonly [Symbol.match]?: never;
};

/** What may be sent as JSON at any depth the type system checks: arrays of these included. */
export type JsonBody = JsonValue | JsonObject | readonly JsonBody[];

/**
 * What `response.body` accepts: text (text/plain), bytes (application/octet-stream), escaped HTML
 * from the `html` template (text/html), an object or array (JSON), a stream or async iterable of
 * strings or bytes (streamed), or null/undefined (empty).
 */
export type ResponseBody = WireBody | SafeHtml | JsonBody;

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

/**
 * The response a handler fills in. Assign `status`, `headers` and `body`, or use the helpers;
 * nothing is sent until the handler (and the after hooks) are done.
 */
export class Response extends WireResponse<ResponseBody> {
  readonly #request: Request;
  #cookies: ResponseCookies | undefined = undefined;
  /** Set by `end()`: later before hooks and the handler are skipped. */
  ended = false;

  constructor(request: Request) {
    super();
    this.#request = request;
  }

  /** Cookies to set or delete with this response. */
  get cookies(): ResponseCookies {
    if (this.#cookies === undefined) this.#cookies = new ResponseCookies();
    return this.#cookies;
  }

  /** The cookies if any were set, without creating them. */
  get cookiesIfAny(): ResponseCookies | undefined {
    return this.#cookies;
  }

  /** Sets the status; chainable: `response.setStatus(201).json(created)`. */
  setStatus(status: number): this {
    this.status = status;
    return this;
  }

  /** Sets a header; chainable. */
  header(name: string, value: string | number | readonly string[]): this {
    this.headers.set(name, value);
    return this;
  }

  /** A JSON body (`application/json; charset=utf-8`). */
  json(value: unknown, status?: number): this {
    if (status !== undefined) this.status = status;
    this.headers.setTrusted("content-type", "Content-Type", "application/json; charset=utf-8");
    this.body = JSON.stringify(value) ?? "null";
    return this;
  }

  /** An HTML body (`text/html; charset=utf-8`); pass the result of the `html` template. */
  html(markup: SafeHtml | string, status?: number): this {
    if (status !== undefined) this.status = status;
    this.headers.setTrusted("content-type", "Content-Type", "text/html; charset=utf-8");
    this.body = typeof markup === "string" ? markup : markup.value;
    return this;
  }

  /** A plain-text body (`text/plain; charset=utf-8`). */
  text(value: string, status?: number): this {
    if (status !== undefined) this.status = status;
    this.headers.setTrusted("content-type", "Content-Type", "text/plain; charset=utf-8");
    this.body = value;
    return this;
  }

  /**
   * Redirects to `url` (302 Found unless told otherwise) and ends the response. For a target
   * taken from the request (`?next=…`), pass `{ local: true }`: see RedirectOptions.
   */
  redirect(url: string, options: number | RedirectOptions = 302): this {
    const { status = 302, local = false } =
      typeof options === "number" ? { status: options } : options;
    if (!REDIRECT_STATUSES.has(status)) {
      throw new RangeError(
        `redirect() takes a 3xx status (301, 302, 303, 307 or 308), got ${status}`,
      );
    }
    if (local && !isLocalTarget(url)) {
      throw new HttpError(400, "The redirect target must be a path on this site");
    }
    this.status = status;
    // A lone surrogate (from a JSON string such as "/\ud800") is not text encodeURI can encode:
    // it becomes U+FFFD, as the UTF-8 encoder would make it anyway, instead of a URIError.
    this.headers.set("location", encodeLocation(wellFormed(url)));
    this.headers.setTrusted("content-type", "Content-Type", "text/plain; charset=utf-8");
    this.body = `Redirecting to ${url}\n`;
    this.ended = true;
    return this;
  }

  /**
   * Sends a file with a Content-Type from its name, ETag/Last-Modified, conditional requests and
   * Range support; `{ download: true }` adds Content-Disposition. Await it (404 if missing).
   * The path is trusted: for user-chosen paths use `serveStatic`.
   */
  file(path: string, options?: SendFileOptions): Promise<void> {
    return sendFile(this.#request, this, path, options);
  }

  /** Ends the response here: in a before hook, the remaining before hooks and the handler are skipped. */
  end(body?: ResponseBody): this {
    if (body !== undefined) this.body = body;
    this.ended = true;
    return this;
  }
}

/** The second argument of `response.redirect()`; a number is the status. */
export interface RedirectOptions {
  /** 301, 302 (default), 303, 307 or 308. */
  status?: number;
  /**
   * The target came from the client (a `?next=` parameter, a form field): only a path on this
   * site is followed, i.e. it starts with one "/" (after the tabs, newlines and outer spaces that
   * browsers drop). A scheme, `//host`, `/\host` or a relative path is a 400, never an open
   * redirect.
   */
  local?: boolean;
}

function isLocalTarget(url: unknown): boolean {
  if (typeof url !== "string") return false;
  const cleaned = cleanUrl(url);
  return cleaned.charCodeAt(0) === 0x2f && !startsWithAuthority(cleaned);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, "\uFFFD");
}

/**
 * Percent-encodes what encodeURI would, but leaves existing `%XX` escapes alone: encodeURI after
 * decodeURI turned "/a%2Fb" into "/a%252Fb", because decodeURI keeps reserved escapes encoded.
 * A "%" that starts no escape becomes "%25"; CR and LF can never reach the header.
 */
function encodeLocation(url: string): string {
  return url.replace(NEEDS_ENCODING, (match) =>
    match === "%" ? "%25" : encodeURIComponent(match),
  );
}

const NEEDS_ENCODING = /%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;,/?:@&=+$\-_.!~*'()#%]/gu;

function isPlainJson(value: object): boolean {
  if (Array.isArray(value)) return true;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Whether an object body is sent as JSON: what the `JsonObject` type admits. Refused are the
 * built-ins JSON.stringify turns into `{}` or a half-truth (Map, Set, Promise, ArrayBuffer and
 * typed arrays, RegExp, Error, non-array iterables); `toJSON` always wins.
 */
export function isJsonObject(value: object): boolean {
  if (isPlainJson(value) || typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return true;
  }
  return !(
    Symbol.toStringTag in value ||
    Symbol.iterator in value ||
    value instanceof RegExp ||
    value instanceof Error
  );
}

/**
 * Turns what the handler assigned into what the engine sends, with a default Content-Type for
 * each kind, and writes the cookies. Runs once, after the after hooks.
 */
export function prepareResponse(response: Response): void {
  convertBody(response);
  writeCookies(response);
}

/** The Set-Cookie values each response's jar wrote, so a second pass replaces instead of adding. */
const writtenCookies = new WeakMap<Response, readonly string[]>();

// prepareResponse runs again when the response turns into an error response (a bad body or
// status found late), and the cookie jar must then appear once, not twice.
function writeCookies(response: Response): void {
  const cookies = response.cookiesIfAny;
  if (cookies === undefined || cookies.size === 0) return;
  const values = cookies.toHeaderValues();
  const headers = response.headers;
  const previous = writtenCookies.get(response);
  if (previous !== undefined) {
    const others = [...headers.getAll("set-cookie")];
    for (const value of previous) {
      const at = others.indexOf(value);
      if (at !== -1) others.splice(at, 1);
    }
    headers.delete("set-cookie");
    for (const value of others) headers.append("set-cookie", value);
  }
  for (const value of values) headers.append("set-cookie", value);
  writtenCookies.set(response, values);
}

function convertBody(response: Response): void {
  const body = response.body;
  if (body === undefined || body === null) return;
  const headers = response.headers;
  if (typeof body === "string") {
    if (!headers.has("content-type"))
      headers.setTrusted("content-type", "Content-Type", "text/plain; charset=utf-8");
    return;
  }
  if (typeof body === "number" || typeof body === "boolean") {
    response.body = JSON.stringify(body);
    if (!headers.has("content-type"))
      headers.setTrusted("content-type", "Content-Type", "application/json; charset=utf-8");
    return;
  }
  // Functions, symbols and bigints are mistakes (often a forgotten call), not empty bodies.
  if (typeof body !== "object") throw new TypeError(BODY_KINDS);
  if (body instanceof Uint8Array) {
    if (!headers.has("content-type"))
      headers.setTrusted("content-type", "Content-Type", "application/octet-stream");
    return;
  }
  if (body instanceof SafeHtml) {
    response.body = body.value;
    if (!headers.has("content-type"))
      headers.setTrusted("content-type", "Content-Type", "text/html; charset=utf-8");
    return;
  }
  if (body instanceof Readable || Symbol.asyncIterator in body) return;
  if (isJsonObject(body)) {
    response.body = JSON.stringify(body);
    if (!headers.has("content-type"))
      headers.setTrusted("content-type", "Content-Type", "application/json; charset=utf-8");
    return;
  }
  throw new TypeError(BODY_KINDS);
}

const BODY_KINDS =
  "response.body must be a string, number, boolean, Uint8Array, html`…` template, object or array (JSON), stream, async iterable or null; Map, Set, Promise, Error and other built-ins that JSON would turn into {} are refused (convert them first, e.g. Object.fromEntries(map))";
