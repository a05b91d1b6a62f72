/**
 * Cookie parsing (lenient, RFC 6265 §5.4 style) and `Set-Cookie` serialisation (strict, RFC 6265bis).
 *
 * Values are written exactly as given and must already be cookie-octets; encode anything else
 * yourself (e.g. `encodeURIComponent`, base64url) and decode on the way in (`decodeCookieValue`).
 */

/** Default cap on the pairs read from one `Cookie` header; the rest are ignored. */
export const DEFAULT_MAX_COOKIE_PAIRS = 200;
/** Browsers ignore cookies whose name plus value exceed this many bytes (RFC 6265bis §5.6). */
export const MAX_COOKIE_NAME_VALUE_BYTES = 4096;
/** Browsers ignore attribute values longer than this (RFC 6265bis §5.6). */
export const MAX_COOKIE_ATTRIBUTE_BYTES = 1024;
/** Browsers clamp Max-Age (and Expires) to 400 days (RFC 6265bis §5.6.1/§5.6.2). */
export const MAX_COOKIE_AGE_SECONDS = 400 * 24 * 60 * 60;

export interface ParseCookieOptions {
  /** Pairs beyond this are ignored, bounding work per request. Default 200. */
  maxPairs?: number;
}

function isCookieWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Parses a `Cookie` request header into a null-prototype record. Never throws: pairs without "=" or
 * with an empty name are skipped, the first occurrence of a name wins (browsers send the most
 * specific path first), one pair of surrounding double quotes is removed, and values are not
 * percent-decoded.
 */
export function parseCookieHeader(
  header: string | undefined,
  options: ParseCookieOptions = {},
): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  if (typeof header !== "string" || header.length === 0) return cookies;
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_COOKIE_PAIRS;
  let pairs = 0;
  let start = 0;
  while (start < header.length && pairs < maxPairs) {
    let end = header.indexOf(";", start);
    if (end === -1) end = header.length;
    pairs++;
    const eq = header.indexOf("=", start);
    if (eq !== -1 && eq < end) {
      let nameStart = start;
      let nameEnd = eq;
      while (nameStart < nameEnd && isCookieWhitespace(header.charCodeAt(nameStart))) nameStart++;
      while (nameEnd > nameStart && isCookieWhitespace(header.charCodeAt(nameEnd - 1))) nameEnd--;
      if (nameEnd > nameStart) {
        const name = header.slice(nameStart, nameEnd);
        if (cookies[name] === undefined) {
          let valueStart = eq + 1;
          let valueEnd = end;
          while (valueStart < valueEnd && isCookieWhitespace(header.charCodeAt(valueStart))) {
            valueStart++;
          }
          while (valueEnd > valueStart && isCookieWhitespace(header.charCodeAt(valueEnd - 1))) {
            valueEnd--;
          }
          if (
            valueEnd - valueStart >= 2 &&
            header.charCodeAt(valueStart) === 0x22 &&
            header.charCodeAt(valueEnd - 1) === 0x22
          ) {
            valueStart++;
            valueEnd--;
          }
          cookies[name] = header.slice(valueStart, valueEnd);
        }
      }
    }
    start = end + 1;
  }
  return cookies;
}

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

// Bytes in a UTF-8 sequence, by lead byte; 1 for bytes that cannot start one (decoding then fails).
function utf8SequenceLength(lead: number): number {
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  if (lead >= 0xe0) return lead <= 0xef ? 3 : 1;
  if (lead >= 0xc2) return 2;
  return 1;
}

// Decodes one character's escapes at a time, so one bad byte leaves only itself undecoded.
function decodeRun(run: string): string {
  let out = "";
  let i = 0;
  while (i < run.length) {
    const length = utf8SequenceLength(Number.parseInt(run.slice(i + 1, i + 3), 16)) * 3;
    try {
      out += decodeURIComponent(run.slice(i, i + length));
      i += length;
    } catch {
      out += run.slice(i, i + 3);
      i += 3;
    }
  }
  return out;
}

/**
 * Percent-decodes a cookie value without ever throwing: sequences that are not valid UTF-8 are left
 * as written, everything else is decoded.
 */
export function decodeCookieValue(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value.replace(PERCENT_RUN, decodeRun);
  }
}

export type CookieSameSite = "Strict" | "Lax" | "None";
export type CookiePriority = "Low" | "Medium" | "High";

export interface CookieOptions {
  /** Lifetime in whole seconds; 0 or negative expires the cookie now. Clamped to 400 days. */
  maxAge?: number;
  /** Absolute expiry. Browsers also clamp this to 400 days from now. */
  expires?: Date;
  /** Must start with "/". */
  path?: string;
  domain?: string;
  secure?: boolean;
  httpOnly?: boolean;
  sameSite?: CookieSameSite;
  /** CHIPS: keyed to the top-level site. Requires `secure`. */
  partitioned?: boolean;
  priority?: CookiePriority;
}

// RFC 9110 token characters.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 6265 cookie-octet: visible ASCII except DQUOTE, comma, semicolon and backslash.
const COOKIE_OCTETS = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;
// av-octet: any CHAR except CTLs and ";". Non-ASCII is refused too: header bytes are latin1 here.
const ATTRIBUTE_OCTETS = /^[\x20-\x3A\x3C-\x7E]*$/;
const DOMAIN =
  /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const SAME_SITE: ReadonlySet<string> = new Set(["Strict", "Lax", "None"]);
const PRIORITY: ReadonlySet<string> = new Set(["Low", "Medium", "High"]);

function fail(name: string, problem: string): never {
  throw new TypeError(`Cookie "${name}": ${problem}`);
}

function checkName(name: string): void {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new TypeError(
      `Invalid cookie name ${JSON.stringify(name)}: use letters, digits and !#$%&'*+-.^_\`|~ only`,
    );
  }
}

function checkOptions(name: string, options: CookieOptions): void {
  const { sameSite, priority, path, domain } = options;
  if (sameSite !== undefined && !SAME_SITE.has(sameSite)) {
    fail(name, `sameSite must be "Strict", "Lax" or "None", got ${JSON.stringify(sameSite)}`);
  }
  if (priority !== undefined && !PRIORITY.has(priority)) {
    fail(name, `priority must be "Low", "Medium" or "High", got ${JSON.stringify(priority)}`);
  }
  if (path !== undefined) {
    if (typeof path !== "string" || !path.startsWith("/") || !ATTRIBUTE_OCTETS.test(path)) {
      fail(name, `path must start with "/" and contain no ";" or control characters`);
    }
    if (path.length > MAX_COOKIE_ATTRIBUTE_BYTES) {
      fail(name, `path is longer than ${MAX_COOKIE_ATTRIBUTE_BYTES} bytes`);
    }
  }
  if (domain !== undefined) {
    if (typeof domain !== "string" || !DOMAIN.test(domain)) {
      fail(name, `domain ${JSON.stringify(domain)} is not a host name (letters, digits, "-", ".")`);
    }
    if (domain.length > MAX_COOKIE_ATTRIBUTE_BYTES) {
      fail(name, `domain is longer than ${MAX_COOKIE_ATTRIBUTE_BYTES} bytes`);
    }
  }
  const secure = options.secure === true;
  if (sameSite === "None" && !secure) {
    fail(name, `sameSite "None" requires secure: true (browsers reject it otherwise)`);
  }
  if (options.partitioned === true && !secure) fail(name, "partitioned requires secure: true");
  // Browsers match the prefixes case-insensitively, so a "__secure-" cookie gets the same checks.
  const lower = name.toLowerCase();
  if (lower.startsWith("__secure-") && !secure) {
    fail(name, "the __Secure- prefix requires secure: true");
  }
  if (lower.startsWith("__host-")) {
    if (!secure || path !== "/" || domain !== undefined) {
      fail(name, `the __Host- prefix requires secure: true, path: "/" and no domain`);
    }
  }
}

function formatMaxAge(name: string, maxAge: number): string {
  if (typeof maxAge !== "number" || !Number.isInteger(maxAge)) {
    fail(name, `maxAge must be a whole number of seconds, got ${String(maxAge)}`);
  }
  // The grammar has no negative Max-Age; 0 means the same thing ("expire now") everywhere.
  return String(Math.min(Math.max(maxAge, 0), MAX_COOKIE_AGE_SECONDS));
}

function formatExpires(name: string, expires: Date): string {
  if (!(expires instanceof Date) || Number.isNaN(expires.getTime())) {
    fail(name, "expires must be a valid Date");
  }
  const year = expires.getUTCFullYear();
  if (year < 1601 || year > 9999) fail(name, `expires year ${year} is outside 1601–9999`);
  // toUTCString() produces IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  return expires.toUTCString();
}

/**
 * Builds a `Set-Cookie` header value. Throws `TypeError` on anything a browser would reject or
 * silently drop, so mistakes surface in development rather than as missing cookies.
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  checkName(name);
  if (typeof value !== "string" || !COOKIE_OCTETS.test(value)) {
    fail(
      name,
      "value may contain only visible ASCII without spaces, '\"', ',', ';' or '\\'; " +
        "encode it first (e.g. encodeURIComponent or base64url)",
    );
  }
  if (name.length + value.length > MAX_COOKIE_NAME_VALUE_BYTES) {
    fail(name, `name plus value is over ${MAX_COOKIE_NAME_VALUE_BYTES} bytes; browsers drop it`);
  }
  checkOptions(name, options);
  let out = `${name}=${value}`;
  if (options.maxAge !== undefined) out += `; Max-Age=${formatMaxAge(name, options.maxAge)}`;
  if (options.domain !== undefined) out += `; Domain=${options.domain}`;
  if (options.path !== undefined) out += `; Path=${options.path}`;
  if (options.expires !== undefined) out += `; Expires=${formatExpires(name, options.expires)}`;
  if (options.httpOnly === true) out += "; HttpOnly";
  if (options.secure === true) out += "; Secure";
  if (options.sameSite !== undefined) out += `; SameSite=${options.sameSite}`;
  if (options.partitioned === true) out += "; Partitioned";
  if (options.priority !== undefined) out += `; Priority=${options.priority}`;
  return out;
}

/** Attributes that identify which cookie to delete; they must match the ones it was set with. */
export type DeleteCookieOptions = Omit<CookieOptions, "maxAge" | "expires">;

const EPOCH = new Date(0);

/** A `Set-Cookie` value that removes the cookie: empty value, Max-Age=0 and an Expires in 1970. */
export function deleteCookie(name: string, options: DeleteCookieOptions = {}): string {
  return serializeCookie(name, "", { ...options, maxAge: 0, expires: EPOCH });
}

interface PendingCookie {
  readonly name: string;
  /** `undefined` when this entry deletes the cookie. */
  readonly value: string | undefined;
  readonly header: string;
}

// A cookie is identified by name, domain and path; the browser keeps one per triple, so the
// response only needs the last instruction for each. Domain matching ignores case and a leading dot.
function cookieKey(name: string, options: DeleteCookieOptions): string {
  const domain = options.domain?.toLowerCase().replace(/^\./, "") ?? "";
  return `${name}\u0000${domain}\u0000${options.path ?? ""}`;
}

/**
 * The cookies a response will set or delete. Validation happens in `set`/`delete`, so a bad cookie
 * throws where it was written, not when the response is sent.
 */
export class ResponseCookies {
  readonly #pending = new Map<string, PendingCookie>();

  /** Sets a cookie; replaces an earlier set or delete of the same name, domain and path. */
  set(name: string, value: string, options: CookieOptions = {}): this {
    const header = serializeCookie(name, value, options);
    this.#put(cookieKey(name, options), { name, value, header });
    return this;
  }

  /** Expires a cookie; pass the same path/domain (and secure for prefixed names) used to set it. */
  delete(name: string, options: DeleteCookieOptions = {}): this {
    const header = deleteCookie(name, options);
    this.#put(cookieKey(name, options), { name, value: undefined, header });
    return this;
  }

  /** The value most recently set for `name` in this response, or undefined if none or deleted. */
  get(name: string): string | undefined {
    let found: string | undefined;
    for (const entry of this.#pending.values()) if (entry.name === name) found = entry.value;
    return found;
  }

  /** Whether this response sets or deletes `name` at all. */
  has(name: string): boolean {
    for (const entry of this.#pending.values()) if (entry.name === name) return true;
    return false;
  }

  get size(): number {
    return this.#pending.size;
  }

  /** One `Set-Cookie` value per cookie, in the order of their latest change. */
  toHeaderValues(): string[] {
    const out: string[] = [];
    for (const entry of this.#pending.values()) out.push(entry.header);
    return out;
  }

  #put(key: string, entry: PendingCookie): void {
    // Re-inserting moves the key to the end, so iteration order is the order of latest change.
    this.#pending.delete(key);
    this.#pending.set(key, entry);
  }
}
