import type { ResponseHeaders } from "./response-headers.js";
import { statusText } from "./status.js";

/**
 * Response heads as single strings: prebuilt status lines, a Date line rebuilt at most once a
 * second, and the framing headers the engine owns (Content-Length, Transfer-Encoding, Connection).
 */

const statusLines = new Map<number, string>();

export function statusLine(status: number): string {
  let line = statusLines.get(status);
  if (line === undefined) {
    line = `HTTP/1.1 ${status} ${statusText(status)}\r\n`;
    if (statusLines.size < 1000) statusLines.set(status, line);
  }
  return line;
}

let dateLine: string | undefined;

function expireDateLine(): void {
  dateLine = undefined;
}

/**
 * `Date: …\r\n` for the current second (RFC 9110 §6.6.1). Cached until a timer at the next
 * second boundary clears it, as node:http does: reading the clock for every response cost more
 * than the rest of writing its head (Date.now() takes about 80 ns on a kvm-clock VM).
 */
export function dateHeaderLine(): string {
  if (dateLine === undefined) {
    const now = Date.now();
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
    setTimeout(expireDateLine, 1000 - (now % 1000)).unref();
  }
  return dateLine;
}

/** Header names the engine writes itself from the body and the connection state. */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

export enum ConnectionHeader {
  /** HTTP/1.1 keep-alive is the default: nothing to write. */
  None = 0,
  Close = 1,
  /** An HTTP/1.0 client must be told that the connection stays open. */
  KeepAlive = 2,
}

/** Framing for a response body. */
export enum Framing {
  /** No body, no length header (1xx, 204, 304, HEAD of a stream). */
  None = 0,
  /** `Content-Length` from the argument. */
  Length = 1,
  /** `Transfer-Encoding: chunked` (HTTP/1.1 stream of unknown length). */
  Chunked = 2,
  /** Body delimited by closing the connection (HTTP/1.0 stream of unknown length). */
  Close = 3,
}

export function buildHead(
  status: number,
  headers: ResponseHeaders | undefined,
  framing: Framing,
  contentLength: number,
  connection: ConnectionHeader,
): string {
  let head = statusLine(status);
  if (headers !== undefined && headers.size > 0) {
    head += headers.serialize(FRAMING_HEADERS);
    if (!headers.has("date")) head += dateHeaderLine();
  } else {
    head += dateHeaderLine();
  }
  if (framing === Framing.Length) head += `Content-Length: ${contentLength}\r\n`;
  else if (framing === Framing.Chunked) head += "Transfer-Encoding: chunked\r\n";
  if (connection === ConnectionHeader.Close) head += "Connection: close\r\n";
  else if (connection === ConnectionHeader.KeepAlive) head += "Connection: keep-alive\r\n";
  return `${head}\r\n`;
}

/** Statuses whose responses never carry a body (RFC 9110 §6.4.1). */
export function statusForbidsBody(status: number): boolean {
  return status < 200 || status === 204 || status === 304;
}

export const CONTINUE_RESPONSE = "HTTP/1.1 100 Continue\r\n\r\n";
