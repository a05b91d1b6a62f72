import type { RequestBody } from "./body.js";
import type { RequestHead } from "./head.js";
import type { RequestHeaders } from "./headers.js";

/** What a request knows about the connection it came on. */
export interface ConnectionInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  readonly encrypted: boolean;
  /** Fires when the client goes away before the response is complete. */
  onAbort(listener: () => void): void;
}

const EMPTY_BODY: AsyncIterable<Buffer> = {
  async *[Symbol.asyncIterator]() {},
};
const EMPTY = Buffer.alloc(0);

/**
 * A request as the engine sees it: method, target, headers and a body that can be read once,
 * as a whole or as it arrives. The framework's Request extends it.
 */
export class WireRequest implements AsyncIterable<Buffer> {
  readonly method: string;
  /** The request-target exactly as sent, e.g. `/search?q=1`. */
  readonly url: string;
  readonly headers: RequestHeaders;
  readonly head: RequestHead;
  /** @internal the body, present only when the request has one. */
  readonly bodyStream: RequestBody | undefined;
  readonly connection: ConnectionInfo;
  #path: string | undefined = undefined;
  #abort: AbortController | undefined = undefined;

  constructor(head: RequestHead, body: RequestBody | undefined, connection: ConnectionInfo) {
    this.method = head.method;
    this.url = head.target;
    this.headers = head.headers;
    this.head = head;
    this.bodyStream = body;
    this.connection = connection;
  }

  /** "1.0" or "1.1". */
  get httpVersion(): string {
    return this.head.versionMinor === 1 ? "1.1" : "1.0";
  }

  /** The path of the target without the query (for absolute-form targets, the URL's path). */
  get path(): string {
    if (this.#path === undefined) this.#path = pathOf(this.url);
    return this.#path;
  }

  /**
   * The host (and port) the request is for: the authority of an absolute-form target, which
   * RFC 9112 §3.2.2 says wins over `Host`, else the `Host` header; "" when neither is there.
   * (CONNECT, the one authority-form request, is answered by the engine and never gets here.)
   */
  get authority(): string {
    return authorityOf(this.url) ?? this.headers.get("host") ?? "";
  }

  /** Header fields in arrival order as a flat `[name, value, …]` list. */
  get rawHeaders(): readonly string[] {
    return this.headers.raw;
  }

  /** Trailer fields of a chunked body (flat list), available once the body has been read. */
  get trailers(): readonly string[] {
    return this.bodyStream?.trailers ?? [];
  }

  /** Aborted when the client disconnects before the response is complete. */
  get signal(): AbortSignal {
    if (this.#abort === undefined) {
      const controller = new AbortController();
      this.#abort = controller;
      this.connection.onAbort(() => controller.abort(new Error("The client went away")));
    }
    return this.#abort.signal;
  }

  /**
   * Aborts `signal` from the server side (e.g. a handler timeout), so work tied to it stops. The
   * connection is not touched: the response decides what the client is told.
   */
  abortSignal(reason: unknown): void {
    const signal = this.signal;
    if (!signal.aborted) this.#abort!.abort(reason);
  }

  /** The largest body this request may have; a route can raise it before reading. */
  get bodyLimit(): number {
    return this.bodyStream?.limit ?? 0;
  }

  set bodyLimit(bytes: number) {
    if (this.bodyStream !== undefined) this.bodyStream.limit = bytes;
  }

  /** The whole body. Over the body limit: HttpError 413. */
  bytes(): Promise<Buffer> {
    return this.bodyStream === undefined ? Promise.resolve(EMPTY) : this.bodyStream.bytes();
  }

  /** The whole body decoded as UTF-8. */
  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  /** The body as it arrives, with backpressure: `for await (const chunk of request) …`. */
  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return (this.bodyStream ?? EMPTY_BODY)[Symbol.asyncIterator]();
  }
}

/** The path part of a request-target: origin-form up to `?`, or the path of an absolute URL. */
export function pathOf(target: string): string {
  const first = target.charCodeAt(0);
  if (first === 0x2f) {
    const query = target.indexOf("?");
    return query === -1 ? target : target.slice(0, query);
  }
  if (target === "*") return "*";
  const scheme = target.indexOf("://");
  if (scheme === -1) return "/";
  const end = authorityEnd(target, scheme + 3);
  // "http://host?q=/x" has an empty path: a "/" inside the query is not where the path starts.
  if (target.charCodeAt(end) !== 0x2f) return "/";
  const query = target.indexOf("?", end);
  return query === -1 ? target.slice(end) : target.slice(end, query);
}

/**
 * The authority of an absolute-form target (`http://host:port/…` → `host:port`), or undefined
 * for the other forms. RFC 9112 §3.2.2: for absolute-form the target's authority replaces `Host`.
 */
export function authorityOf(target: string): string | undefined {
  const first = target.charCodeAt(0);
  if (first === 0x2f || target === "*") return undefined;
  const scheme = target.indexOf("://");
  if (scheme === -1) return undefined;
  return target.slice(scheme + 3, authorityEnd(target, scheme + 3));
}

/** Where the authority that starts at `start` ends: at the first "/" or "?", or the end. */
function authorityEnd(target: string, start: number): number {
  for (let index = start; index < target.length; index++) {
    const code = target.charCodeAt(index);
    if (code === 0x2f || code === 0x3f) return index;
  }
  return target.length;
}
