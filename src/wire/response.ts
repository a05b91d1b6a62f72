import type { Readable } from "node:stream";
import { ResponseHeaders } from "./response-headers.js";
import type { UpgradeHandler } from "./upgrade.js";

/** What the engine can send: text (UTF-8), bytes, a stream or async iterable of chunks, or nothing. */
export type WireBody =
  | string
  | Uint8Array
  | Readable
  | AsyncIterable<Uint8Array | string>
  | null
  | undefined;

/**
 * The response a handler fills in: status, headers and body. The connection turns it into bytes
 * once the handler returns (or its promise settles), so there is no per-response stream object.
 */
export class WireResponse<Body = WireBody> {
  status = 200;
  /** The framework widens what a body may be (e.g. JSON values) and converts before sending. */
  body: Body | undefined = undefined;
  #headers: ResponseHeaders | undefined = undefined;
  /** Set by the connection when the head has been handed to the socket. */
  headersSent = false;
  /** Set by the connection when the whole response has been handed to the socket. */
  finished = false;
  /**
   * Takes the socket over instead of sending this response (see upgrade.ts): only for a request
   * whose `head.upgrade` is set; on any other it is a programming error, answered with 500.
   */
  upgrade: UpgradeHandler | undefined = undefined;

  /** Created on first use: most fast responses never touch their headers. */
  get headers(): ResponseHeaders {
    if (this.#headers === undefined) this.#headers = new ResponseHeaders();
    return this.#headers;
  }

  /** The headers if any were set, without creating them. */
  get headersIfAny(): ResponseHeaders | undefined {
    return this.#headers;
  }
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<Uint8Array | string> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function"
  );
}

/** The byte length of a body known in full when it is sent (for access logs); undefined for a stream. */
export function knownBodyBytes(body: unknown): number | undefined {
  if (typeof body === "string") return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.byteLength;
  return body == null ? 0 : undefined;
}
