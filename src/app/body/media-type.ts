/**
 * Media types (RFC 9110 §8.3.1) and the header-parameter syntax they share with Content-Disposition:
 * `type/subtype; name=token; name="quoted \" string"`.
 */

export interface MediaType {
  /** Lowercased, e.g. `multipart`. */
  readonly type: string;
  /** Lowercased, e.g. `form-data`. */
  readonly subtype: string;
  /** `type/subtype`, lowercased: what to compare against. */
  readonly essence: string;
  /** Lowercased names; values as sent (quoted strings unescaped). Null prototype. */
  readonly params: Readonly<Record<string, string>>;
}

function byteTable(accept: (code: number) => boolean): Uint8Array {
  const table = new Uint8Array(256);
  for (let code = 0; code < 256; code++) table[code] = accept(code) ? 1 : 0;
  return table;
}

/** tchar (RFC 9110 §5.6.2). */
export const TOKEN_CHAR = byteTable(
  (code) =>
    (code >= 0x30 && code <= 0x39) ||
    (code >= 0x41 && code <= 0x5a) ||
    (code >= 0x61 && code <= 0x7a) ||
    "!#$%&'*+-.^_`|~".includes(String.fromCharCode(code)),
);

/** qdtext: HTAB, SP, visible ASCII except `"` and `\`, obs-text. */
const QDTEXT_CHAR = byteTable(
  (code) =>
    code === 0x09 ||
    (code >= 0x20 && code !== 0x22 && code !== 0x5c && code !== 0x7f && code < 0x100),
);

/** What may follow `\` in a quoted-pair: HTAB, SP, VCHAR, obs-text. */
const QUOTED_PAIR_CHAR = byteTable((code) => code === 0x09 || (code >= 0x20 && code !== 0x7f));

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Index just past the token starting at `start` (equal to `start` when there is none). */
export function scanToken(text: string, start: number): number {
  let index = start;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code > 0xff || TOKEN_CHAR[code] === 0) break;
    index++;
  }
  return index;
}

export function skipOws(text: string, start: number): number {
  let index = start;
  while (index < text.length && isOws(text.charCodeAt(index))) index++;
  return index;
}

/**
 * A parameter value starting at `start`: a token, or a quoted string whose quoted-pairs are resolved
 * by `unescapeQuoted` (so Content-Disposition can apply browser rules instead of RFC ones). Undefined when
 * malformed.
 */
export function scanParamValue(
  text: string,
  start: number,
  unescapeQuoted: (raw: string) => string = unescapeQuotedPairs,
): { value: string; end: number } | undefined {
  if (text.charCodeAt(start) !== 0x22) {
    const end = scanToken(text, start);
    return end === start ? undefined : { value: text.slice(start, end), end };
  }
  let index = start + 1;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code === 0x22)
      return { value: unescapeQuoted(text.slice(start + 1, index)), end: index + 1 };
    if (code === 0x5c) {
      const next = text.charCodeAt(index + 1);
      if (!(next < 0x100 && QUOTED_PAIR_CHAR[next] === 1)) return undefined;
      index += 2;
    } else if (code < 0x100 && QDTEXT_CHAR[code] === 1) {
      index++;
    } else {
      return undefined;
    }
  }
  return undefined;
}

function unescapeQuotedPairs(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\(.)/gs, "$1") : raw;
}

/**
 * `*( OWS ";" OWS [ name "=" value ] )` from `start` to the end of `text`, into a null-prototype
 * record with lowercased names. Undefined when malformed or when a name repeats (a repeated
 * `boundary` or `charset` has no safe reading).
 */
export function parseParams(
  text: string,
  start: number,
  unescapeQuoted?: (raw: string) => string,
): Record<string, string> | undefined {
  const params: Record<string, string> = Object.create(null);
  let index = skipOws(text, start);
  while (index < text.length) {
    if (text.charCodeAt(index) !== 0x3b) return undefined;
    index = skipOws(text, index + 1);
    if (index >= text.length || text.charCodeAt(index) === 0x3b) continue;
    const nameEnd = scanToken(text, index);
    if (nameEnd === index || text.charCodeAt(nameEnd) !== 0x3d) return undefined;
    const name = text.slice(index, nameEnd).toLowerCase();
    const value = scanParamValue(text, nameEnd + 1, unescapeQuoted);
    if (value === undefined || name in params) return undefined;
    params[name] = value.value;
    index = skipOws(text, value.end);
  }
  return params;
}

/** Where the `type/subtype` that starts at `start` ends, or -1 when there is none. */
function essenceEnd(header: string, start: number): number {
  const typeEnd = scanToken(header, start);
  if (typeEnd === start || header.charCodeAt(typeEnd) !== 0x2f) return -1;
  const subtypeEnd = scanToken(header, typeEnd + 1);
  return subtypeEnd === typeEnd + 1 ? -1 : subtypeEnd;
}

/** Parses a Content-Type style value. Never throws: anything malformed gives `undefined`. */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined) return undefined;
  const start = skipOws(header, 0);
  const end = essenceEnd(header, start);
  if (end === -1) return undefined;
  const params = parseParams(header, end);
  if (params === undefined) return undefined;
  const essence = header.slice(start, end).toLowerCase();
  const slash = essence.indexOf("/");
  return { type: essence.slice(0, slash), subtype: essence.slice(slash + 1), essence, params };
}

/**
 * Just the `type/subtype` of a Content-Type value, lowercased, even when its parameters are
 * malformed: tells "a JSON body with a broken charset" (400) from "not JSON at all" (415).
 */
export function mediaTypeEssence(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const start = skipOws(header, 0);
  const end = essenceEnd(header, start);
  return end === -1 ? undefined : header.slice(start, end).toLowerCase();
}

/**
 * `parseMediaType(header)?.essence` without building the parameters: a request's `contentType` is
 * read on every body parse, and most Content-Types have no parameters to check.
 */
export function wellFormedEssence(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const start = skipOws(header, 0);
  const end = essenceEnd(header, start);
  if (end === -1) return undefined;
  if (skipOws(header, end) !== header.length && parseParams(header, end) === undefined) {
    return undefined;
  }
  return header.slice(start, end).toLowerCase();
}
