/**
 * Validators and conditional requests (RFC 9110 §8.8 and §13). Pure functions over header values,
 * so the precedence rules can be tested without a file system.
 */

/** What the server knows about the selected representation. */
export interface Validators {
  /** The entity tag as sent, e.g. `W/"1f-18c2a"` or `"abc"`; undefined if there is none. */
  readonly etag: string | undefined;
  /** Last modification time in milliseconds; undefined if unknown. */
  readonly lastModified: number | undefined;
}

/** The request header values the evaluation reads. */
export interface ConditionalHeaders {
  readonly ifMatch?: string | undefined;
  readonly ifNoneMatch?: string | undefined;
  readonly ifModifiedSince?: string | undefined;
  readonly ifUnmodifiedSince?: string | undefined;
}

export type ConditionalOutcome = "proceed" | "not-modified" | "precondition-failed";

/**
 * A weak entity tag from size and modification time: cheap (no hashing) and changes whenever a
 * deploy rewrites the file. Weak because equal size and mtime do not prove equal bytes.
 * `suffix` keeps the tags of different encodings of one file apart.
 */
export function weakEtag(size: number, mtimeMs: number, suffix = ""): string {
  const tail = suffix === "" ? "" : `-${suffix}`;
  return `W/"${size.toString(16)}-${Math.round(mtimeMs).toString(16)}${tail}"`;
}

/** `W/"x"` → `"x"`; strong tags unchanged. */
function opaque(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

const ENTITY_TAG = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/;

/**
 * Splits an If-Match / If-None-Match value into entity tags. Commas inside quotes are part of a
 * tag. Returns "*" for the wildcard; malformed members are dropped (so they never match).
 */
export function parseEntityTagList(value: string): string[] | "*" {
  const trimmed = value.trim();
  if (trimmed === "*") return "*";
  const tags: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= trimmed.length; i++) {
    const c = trimmed[i];
    if (c === '"') quoted = !quoted;
    else if ((c === "," && !quoted) || i === trimmed.length) {
      const member = trimmed.slice(start, i).trim();
      if (ENTITY_TAG.test(member)) tags.push(member);
      start = i + 1;
    }
  }
  return tags;
}

/** Weak comparison: the opaque parts match, whichever side is weak (RFC 9110 §8.8.3.2). */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** Strong comparison: both strong and identical. A weak tag never matches strongly. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith("W/") && !b.startsWith("W/") && a === b;
}

/**
 * An HTTP-date in milliseconds, or undefined when the value is not one. Only the three formats
 * of RFC 9110 §5.6.7 are accepted: free-form strings that `Date.parse` would guess at are not.
 */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime carries no zone, and Date.parse would read it as local time.
  const time = Date.parse(text.endsWith("GMT") ? text : `${text} GMT`);
  return Number.isNaN(time) ? undefined : time;
}

const DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
const LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
const MONTH = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const TIME = "\\d\\d:\\d\\d:\\d\\d";
const HTTP_DATE = new RegExp(
  `^(?:${DAY}, \\d\\d ${MONTH} \\d{4} ${TIME} GMT` + // IMF-fixdate
    `|${LONG_DAY}, \\d\\d-${MONTH}-\\d\\d ${TIME} GMT` + // obsolete RFC 850
    `|${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4})$`, // obsolete asctime
);

/** HTTP dates have whole seconds: compare file times at that resolution. */
export function toHttpSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Evaluates the preconditions in the order of RFC 9110 §13.2.2:
 * If-Match, else If-Unmodified-Since (failing → 412); then If-None-Match, else (GET/HEAD only)
 * If-Modified-Since (failing → 304 for GET/HEAD, 412 otherwise). If-None-Match takes precedence
 * over If-Modified-Since, which is ignored whenever If-None-Match is present. An
 * If-Modified-Since date later than `now` is ignored too (RFC 9110 §13.1.3: the date is read on the
 * origin's clock, and a future one cannot come from a Last-Modified this server sent; answering 304
 * to it would let a wrong client clock pin a stale copy).
 */
export function evaluatePreconditions(
  method: string,
  headers: ConditionalHeaders,
  validators: Validators,
  now: number = Date.now(),
): ConditionalOutcome {
  const { etag, lastModified } = validators;
  const safe = method === "GET" || method === "HEAD";

  if (headers.ifMatch !== undefined) {
    const tags = parseEntityTagList(headers.ifMatch);
    // If-Match uses the strong comparison, so a weak ETag never satisfies it (only "*" does).
    const ok = tags === "*" || (etag !== undefined && tags.some((tag) => strongMatch(tag, etag)));
    if (!ok) return "precondition-failed";
  } else if (headers.ifUnmodifiedSince !== undefined && lastModified !== undefined) {
    const since = parseHttpDate(headers.ifUnmodifiedSince);
    if (since !== undefined && toHttpSeconds(lastModified) > since) return "precondition-failed";
  }

  if (headers.ifNoneMatch !== undefined) {
    const tags = parseEntityTagList(headers.ifNoneMatch);
    const matched =
      tags === "*" || (etag !== undefined && tags.some((tag) => weakMatch(tag, etag)));
    if (matched) return safe ? "not-modified" : "precondition-failed";
  } else if (safe && headers.ifModifiedSince !== undefined && lastModified !== undefined) {
    const since = parseHttpDate(headers.ifModifiedSince);
    if (since !== undefined && since <= now && toHttpSeconds(lastModified) <= since) {
      return "not-modified";
    }
  }
  return "proceed";
}

/**
 * Whether a Range request may be honoured under its If-Range (RFC 9110 §13.1.5): true when there
 * is no If-Range, or its validator is a strong ETag match or exactly the Last-Modified date.
 * Weak ETags never match, so with the weak ETags of static files only the date form works;
 * a failed If-Range means "send the whole representation", never an error.
 */
export function ifRangeAllows(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith("W/")) {
    return validators.etag !== undefined && strongMatch(value, validators.etag);
  }
  const date = parseHttpDate(value);
  return (
    date !== undefined &&
    validators.lastModified !== undefined &&
    toHttpSeconds(validators.lastModified) === date
  );
}
