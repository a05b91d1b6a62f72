/**
 * Byte classes from RFC 9110 §5.6 and RFC 3986, as lookup tables: the parser tests one byte with one
 * array read instead of a chain of comparisons.
 */

function table(accept: (byte: number) => boolean): Uint8Array {
  const result = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) result[byte] = accept(byte) ? 1 : 0;
  return result;
}

function isAlphaNumeric(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a)
  );
}

/** tchar: the characters of a token (method, header name, transfer coding). */
export const TOKEN = table(
  (byte) => isAlphaNumeric(byte) || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(byte)),
);

/** field-vchar / obs-text plus SP and HTAB: what may appear inside a field value. */
export const FIELD_VALUE = table((byte) => byte === 0x09 || (byte >= 0x20 && byte !== 0x7f));

/**
 * Bytes that can appear nowhere in a head or trailer section: controls other than HTAB, CR and LF,
 * and DEL. The parser refuses them as they arrive instead of waiting for the section to end.
 */
export const NEVER_IN_HEAD = table(
  (byte) => (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0x7f,
);

/**
 * Visible ASCII but "#" and "\\": what a request-target may contain (no spaces, controls, DEL,
 * non-ASCII, no fragment, which RFC 9112 §3.2 leaves out of every target form, and no backslash,
 * which RFC 3986 has nowhere and which browsers read as "/", so `/\evil.example` would be an
 * off-site path to them).
 */
export const TARGET = table((byte) => byte > 0x20 && byte < 0x7f && byte !== 0x23 && byte !== 0x5c);

/** reg-name characters: unreserved, sub-delims and "%" of pct-encoded (RFC 3986 §3.2.2). */
const REG_NAME = table(
  (byte) => isAlphaNumeric(byte) || "-._~!$&'()*+,;=%".includes(String.fromCharCode(byte)),
);

/** What an IPv6 (or IPv4-mapped) literal holds between its brackets. */
const IP_LITERAL = table(
  (byte) =>
    (byte >= 0x30 && byte <= 0x3a) ||
    byte === 0x2e ||
    (byte >= 0x41 && byte <= 0x46) ||
    (byte >= 0x61 && byte <= 0x66),
);

/**
 * Whether `source[start, end)` is a Host value: uri-host [ ":" port ] (RFC 9110 §7.2), the host a
 * reg-name or a bracketed IP literal, the port at most five digits. One colon only outside
 * brackets, so `a:b:c`, `[::1` or `a]:80` are rejected rather than guessed at. The host must not
 * be empty, with or without a port (an empty value, `:80`): an http URI with an empty host is invalid
 * (RFC 9110 §4.2.1), so a request naming one is refused. Also used for the authority of an
 * absolute-form target (RFC 9112 §3.2.2).
 */
export function isValidHost(source: Uint8Array, start: number, end: number): boolean {
  let cursor = start;
  if (cursor < end && source[cursor] === 0x5b) {
    cursor++;
    while (cursor < end && IP_LITERAL[source[cursor]!] === 1) cursor++;
    if (cursor === start + 1 || cursor === end || source[cursor] !== 0x5d) return false;
    cursor++;
  } else {
    while (cursor < end && REG_NAME[source[cursor]!] === 1) cursor++;
    if (cursor === start) return false;
  }
  if (cursor === end) return true;
  if (source[cursor] !== COLON) return false;
  const port = ++cursor;
  while (cursor < end && source[cursor]! >= 0x30 && source[cursor]! <= 0x39) cursor++;
  return cursor === end && end - port <= 5;
}

/** Hex digit values; 255 for non-hex bytes. */
export const HEX_VALUE = (() => {
  const result = new Uint8Array(256).fill(255);
  for (let digit = 0; digit < 10; digit++) result[0x30 + digit] = digit;
  for (let letter = 0; letter < 6; letter++) {
    result[0x41 + letter] = 10 + letter;
    result[0x61 + letter] = 10 + letter;
  }
  return result;
})();

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;

/** Compares `buffer[start, start + lowerName.length)` with an all-lowercase ASCII name, ignoring case. */
export function equalsLowercase(buffer: Uint8Array, start: number, lowerName: string): boolean {
  for (let index = 0; index < lowerName.length; index++) {
    if ((buffer[start + index]! | 0x20) !== lowerName.charCodeAt(index)) return false;
  }
  return true;
}

interface Latin1Slicer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Bytes to a string, one character per byte. Node's `latin1Slice` skips the encoding lookup that
 * `toString("latin1", …)` does on every call; it is undocumented but stable since Node 0.x.
 */
export function latin1(buffer: Uint8Array, start: number, end: number): string {
  return (buffer as unknown as Latin1Slicer).latin1Slice(start, end);
}
