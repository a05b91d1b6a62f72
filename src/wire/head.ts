import {
  COLON,
  CR,
  equalsLowercase,
  FIELD_VALUE,
  HTAB,
  isValidHost,
  LF,
  latin1,
  SP,
  TARGET,
  TOKEN,
} from "./chars.js";
import { RequestHeaders } from "./headers.js";
import { HttpError } from "./http-error.js";

/**
 * A parsed request head (RFC 9112 §3–§6). Built once per request by the parser, after the whole
 * head has arrived; the framing fields decide how the body is read.
 */
export class RequestHead {
  constructor(
    readonly method: string,
    /** The request-target exactly as sent (latin1). */
    readonly target: string,
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    readonly versionMinor: number,
    readonly headers: RequestHeaders,
    /** The declared body length; -1 when there is no Content-Length. */
    readonly contentLength: number,
    readonly chunked: boolean,
    /** Whether the client allows another request on this connection (version and Connection). */
    readonly keepAlive: boolean,
    readonly expectContinue: boolean,
    /**
     * The `Upgrade` field value when an HTTP/1.1 request lists `upgrade` in `Connection` (RFC 9110
     * §7.8); undefined otherwise. The parser holds the bytes after such a request's message until
     * it is answered, so a protocol switch never sees them parsed as HTTP.
     */
    readonly upgrade: string | undefined = undefined,
  ) {}

  get hasBody(): boolean {
    return this.chunked || this.contentLength > 0;
  }
}

const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+):[0-9]{1,5}$/;
/** The scheme of an absolute-form target; its authority is checked like Host (isValidHost). */
const ABSOLUTE_SCHEME = /^https?:\/\//i;
/** A list field value with no element: only commas and optional whitespace (RFC 9110 §5.6.1). */
const EMPTY_LIST = /^[\t ,]*$/;

function bad(message: string): HttpError {
  return new HttpError(400, message, { close: true });
}

/** "HTTP/" at `at`, compared byte by byte: no string made per request just to compare it. */
function isHttpSlash(source: Buffer, at: number): boolean {
  return (
    source[at] === 0x48 &&
    source[at + 1] === 0x54 &&
    source[at + 2] === 0x54 &&
    source[at + 3] === 0x50 &&
    source[at + 4] === 0x2f
  );
}

function lineContentEnd(source: Buffer, lineFeed: number): number {
  return source[lineFeed - 1] === CR ? lineFeed - 1 : lineFeed;
}

/**
 * Validates field lines from `position` up to the empty line, recording
 * [nameStart, nameEnd, valueStart, valueEnd] for each. Line endings were checked by the scanner.
 */
export function parseFieldLines(
  source: Buffer,
  position: number,
  end: number,
  offsets: number[],
): HttpError | undefined {
  while (position < end) {
    const lineFeed = source.indexOf(LF, position);
    const contentEnd = lineContentEnd(source, lineFeed);
    if (contentEnd === position) return undefined;
    const first = source[position]!;
    if (first === SP || first === HTAB) return bad("Obsolete line folding is not allowed");
    let cursor = position;
    while (cursor < contentEnd && TOKEN[source[cursor]!] === 1) cursor++;
    if (cursor === position) return bad("Invalid header field name");
    const separator = source[cursor];
    if (cursor === contentEnd || separator !== COLON) {
      if (separator === SP || separator === HTAB) {
        return bad("Whitespace between header field name and colon");
      }
      return bad(
        cursor === contentEnd ? "Header field without a colon" : "Invalid header field name",
      );
    }
    const nameEnd = cursor;
    cursor++;
    while (cursor < contentEnd && (source[cursor] === SP || source[cursor] === HTAB)) cursor++;
    let valueEnd = contentEnd;
    while (valueEnd > cursor && (source[valueEnd - 1] === SP || source[valueEnd - 1] === HTAB)) {
      valueEnd--;
    }
    for (let index = cursor; index < valueEnd; index++) {
      if (FIELD_VALUE[source[index]!] !== 1) return bad("Invalid character in header field value");
    }
    offsets.push(position, nameEnd, cursor, valueEnd);
    position = lineFeed + 1;
  }
  return undefined;
}

function methodString(source: Buffer, start: number, end: number): string {
  // Interned constants for the common methods: no allocation, and comparisons are pointer-cheap.
  const length = end - start;
  const first = source[start];
  if (length === 3 && first === 0x47 && source[start + 1] === 0x45 && source[start + 2] === 0x54) {
    return "GET";
  }
  if (length === 4 && first === 0x50 && latin1(source, start, end) === "POST") return "POST";
  return latin1(source, start, end);
}

/** Parses a complete head: `source[start, end)` ends with the empty line. */
export function parseHead(source: Buffer, start: number, end: number): RequestHead | HttpError {
  const lineFeed = source.indexOf(LF, start);
  const lineEnd = lineContentEnd(source, lineFeed);

  let cursor = start;
  while (cursor < lineEnd && TOKEN[source[cursor]!] === 1) cursor++;
  if (cursor === start || source[cursor] !== SP) return bad("Malformed request-line: method");
  const method = methodString(source, start, cursor);
  const targetStart = ++cursor;
  while (cursor < lineEnd && TARGET[source[cursor]!] === 1) cursor++;
  if (cursor === targetStart || source[cursor] !== SP) {
    return bad("Malformed request-line: request-target");
  }
  const target = latin1(source, targetStart, cursor);
  const version = cursor + 1;
  if (
    lineEnd - version !== 8 ||
    !isHttpSlash(source, version) ||
    !isDigit(source[version + 5]!) ||
    source[version + 6] !== 0x2e ||
    !isDigit(source[version + 7]!)
  ) {
    return bad("Malformed request-line: HTTP version");
  }
  const offsets: number[] = [];
  const fieldError = parseFieldLines(source, lineFeed + 1, end, offsets);
  // Malformed bytes anywhere are a 400 before the version is judged: the parser refuses some of
  // them before the head is complete, and must say the same whichever way the bytes arrive.
  if (fieldError !== undefined) return fieldError;
  const major = source[version + 5]! - 0x30;
  const minor = source[version + 7]! - 0x30;
  if (major !== 1 || minor > 1) {
    return new HttpError(505, "HTTP version not supported", { close: true });
  }

  let contentLength = -1;
  let hostCount = 0;
  let contentTypeCount = 0;
  let transferEncoding = false;
  let chunkedLast = false;
  let chunkedCount = 0;
  // Codings other than chunked (gzip, unknown ones…) are not decoded here: 501.
  let otherCoding = false;
  let close = false;
  let keepAliveToken = false;
  let expectContinue = false;
  let upgradeToken = false;
  let upgradeStart = -1;
  let upgradeEnd = -1;

  for (let index = 0; index < offsets.length; index += 4) {
    const nameStart = offsets[index]!;
    const valueStart = offsets[index + 2]!;
    const valueEnd = offsets[index + 3]!;
    switch (offsets[index + 1]! - nameStart) {
      case 4:
        if (equalsLowercase(source, nameStart, "host")) {
          hostCount++;
          if (!isValidHost(source, valueStart, valueEnd)) return bad("Invalid Host header");
        }
        break;
      case 6:
        if (equalsLowercase(source, nameStart, "expect")) {
          if (latin1(source, valueStart, valueEnd).toLowerCase() !== "100-continue") {
            return new HttpError(417, "Only 'Expect: 100-continue' is supported", { close: true });
          }
          expectContinue = true;
        }
        break;
      case 7:
        // Offsets only: the value becomes a string just for requests that really ask to upgrade.
        if (equalsLowercase(source, nameStart, "upgrade")) {
          // A list field may come on several lines: then the combined value is read below.
          if (upgradeStart !== -1) upgradeStart = -2;
          else upgradeStart = valueStart;
          upgradeEnd = valueEnd;
        }
        break;
      case 10:
        if (equalsLowercase(source, nameStart, "connection")) {
          for (const option of listElements(source, valueStart, valueEnd)) {
            if (option === "close") close = true;
            else if (option === "keep-alive") keepAliveToken = true;
            else if (option === "upgrade") upgradeToken = true;
          }
        }
        break;
      case 12:
        // A singleton field (RFC 9110 §8.3): two could make two readers see two body types.
        if (equalsLowercase(source, nameStart, "content-type") && ++contentTypeCount > 1) {
          return bad("More than one Content-Type");
        }
        break;
      case 14:
        if (equalsLowercase(source, nameStart, "content-length")) {
          if (contentLength !== -1) return bad("Duplicate Content-Length");
          // Canonical decimal only: "0", or up to 15 digits without a leading zero (below 1 PB).
          // Any other spelling of a number ("005", "00") is refused for its form, whatever its
          // value, so no reader can take it for something else (octal, a different length).
          const digits = valueEnd - valueStart;
          if (digits === 0 || digits > 15) return bad("Invalid Content-Length");
          if (digits > 1 && source[valueStart] === 0x30) {
            return bad("Content-Length with a leading zero");
          }
          let value = 0;
          for (let byte = valueStart; byte < valueEnd; byte++) {
            const code = source[byte]!;
            if (!isDigit(code)) return bad("Invalid Content-Length");
            value = value * 10 + (code - 0x30);
          }
          contentLength = value;
        }
        break;
      case 17:
        if (equalsLowercase(source, nameStart, "transfer-encoding")) {
          transferEncoding = true;
          for (const element of listElements(source, valueStart, valueEnd)) {
            const semicolon = element.indexOf(";");
            const coding = trimWhitespace(semicolon === -1 ? element : element.slice(0, semicolon));
            if (coding === "chunked") {
              if (semicolon !== -1) return bad("The chunked transfer coding takes no parameters");
              chunkedCount++;
              chunkedLast = true;
            } else {
              chunkedLast = false;
              otherCoding = true;
            }
          }
        }
        break;
    }
  }

  if (transferEncoding) {
    // RFC 9112 §6.1 and §6.3: every ambiguity in the framing is an error, and the connection closes.
    if (minor === 0) return bad("Transfer-Encoding is not allowed in an HTTP/1.0 request");
    if (contentLength !== -1) return bad("Both Transfer-Encoding and Content-Length");
    if (!chunkedLast) return bad("Transfer-Encoding must end with chunked");
    if (chunkedCount > 1) return bad("chunked applied more than once");
    if (otherCoding) {
      return new HttpError(501, "Transfer coding not implemented", { close: true });
    }
  }
  if (minor === 1 ? hostCount !== 1 : hostCount > 1) {
    return bad(hostCount === 0 ? "Missing Host header" : "More than one Host header");
  }

  const targetError = checkTargetForm(method, target, source, targetStart);
  if (targetError !== undefined) return targetError;

  const headers = new RequestHeaders(source, offsets);
  let upgrade: string | undefined;
  // RFC 9110 §7.8: Upgrade is ignored in HTTP/1.0 and without the Connection option.
  if (upgradeToken && minor === 1 && upgradeStart !== -1) {
    upgrade =
      upgradeStart === -2 ? headers.get("upgrade") : latin1(source, upgradeStart, upgradeEnd);
    // `Upgrade = #protocol`: a list with no element in it (empty, or only commas) names nothing.
    if (upgrade !== undefined && EMPTY_LIST.test(upgrade)) upgrade = undefined;
  }
  return new RequestHead(
    method,
    target,
    minor,
    headers,
    contentLength,
    transferEncoding,
    minor === 1 ? !close : keepAliveToken && !close,
    // RFC 9110 §10.1.1: an HTTP/1.0 client does not know 100 Continue, so its expectation is ignored.
    expectContinue && minor === 1,
    upgrade,
  );
}

function checkTargetForm(
  method: string,
  target: string,
  source: Buffer,
  targetStart: number,
): HttpError | undefined {
  if (method === "CONNECT") {
    if (!AUTHORITY.test(target)) return bad("CONNECT needs an authority-form target");
    // A 2xx to CONNECT turns the connection into a tunnel (RFC 9110 §9.3.6), which slow-serv does
    // not implement: refuse it before any handler runs, and close, so bytes sent after it are
    // never taken as tunnel data or as another request.
    return new HttpError(501, "CONNECT is not supported: this server does not tunnel", {
      close: true,
    });
  }
  const first = target.charCodeAt(0);
  if (first === 0x2f) return checkPath(target, 0);
  if (target === "*") {
    return method === "OPTIONS" ? undefined : bad("Asterisk-form is only allowed with OPTIONS");
  }
  const scheme = ABSOLUTE_SCHEME.exec(target);
  if (scheme === null) return bad("Malformed request-target");
  // The authority runs to the first "/" or "?" ("#" cannot occur: the target table refuses it).
  const authorityStart = scheme[0].length;
  let authorityEnd = authorityStart;
  while (authorityEnd < target.length) {
    const code = target.charCodeAt(authorityEnd);
    if (code === 0x2f || code === 0x3f) break;
    authorityEnd++;
  }
  // Validated like Host (RFC 9112 §3.2.2): it becomes request.host, so it must be no less strict.
  if (!isValidHost(source, targetStart + authorityStart, targetStart + authorityEnd)) {
    return bad("Invalid authority in the request-target");
  }
  return checkPath(target, authorityEnd);
}

/**
 * Percent-encoded NUL, CR or LF in the path (before "?") are refused: no file name, route or
 * header value built from a path should ever carry them, and decoding them is where injection
 * starts.
 */
function checkPath(target: string, pathStart: number): HttpError | undefined {
  let percent = target.indexOf("%", pathStart);
  if (percent === -1) return undefined;
  const query = target.indexOf("?", pathStart);
  const pathEnd = query === -1 ? target.length : query;
  while (percent !== -1 && percent < pathEnd - 2) {
    if (target.charCodeAt(percent + 1) === 0x30) {
      const low = target.charCodeAt(percent + 2) | 0x20;
      if (low === 0x30 || low === 0x61 || low === 0x64) {
        return bad("Percent-encoded NUL, CR or LF in the path");
      }
    }
    percent = target.indexOf("%", percent + 1);
  }
  return undefined;
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** Lowercased, trimmed, non-empty elements of a comma-separated list (RFC 9110 §5.6.1). */
function listElements(source: Buffer, start: number, end: number): string[] {
  const elements: string[] = [];
  for (const element of latin1(source, start, end).split(",")) {
    const trimmed = trimWhitespace(element).toLowerCase();
    if (trimmed !== "") elements.push(trimmed);
  }
  return elements;
}

/** Trims SP and HTAB only: String.trim() would also strip NBSP (0xA0), an obfuscation vector. */
function trimWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === SP || text.charCodeAt(start) === HTAB)) start++;
  while (end > start && (text.charCodeAt(end - 1) === SP || text.charCodeAt(end - 1) === HTAB))
    end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}
