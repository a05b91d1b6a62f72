import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { Connection, type ConnectionOwner, type ExchangeHandler } from "../wire/connection.js";
import type { RequestHead } from "../wire/head.js";
import { HttpError } from "../wire/http-error.js";
import type { HttpLimits, HttpTimeouts } from "../wire/options.js";
import { RequestParser } from "../wire/parser.js";
import type { WireRequest } from "../wire/request.js";
import type { WireResponse } from "../wire/response.js";
import { type ParsedResponse, parseResponses } from "./response-parser.js";

/**
 * `app.inject()`: a request served in memory through the same parser, connection and writer as
 * real traffic. The request is serialised to HTTP/1.1 bytes, fed to an engine `Connection` over a
 * socket look-alike, and the bytes written back are parsed strictly. No network socket is opened
 * and no timer is started.
 */

export interface InjectConnectionOptions {
  /** The client address the request appears to come from. Default "127.0.0.1". */
  remoteAddress?: string;
  remotePort?: number;
  /** Pretend the connection is TLS (request.protocol becomes "https"). Default false. */
  encrypted?: boolean;
  /** Deliver the request bytes in reads of at most this many bytes (exercises split parsing). */
  chunkSize?: number;
}

export interface InjectOptions extends InjectConnectionOptions {
  /** Default "GET". */
  method?: string;
  /** The request-target as sent on the wire, e.g. "/search?q=1" (percent-encode yourself). */
  url: string;
  /** `Host: localhost` is added unless given; Content-Length is added for a body. */
  headers?: Record<string, string | readonly string[]>;
  /** Text (UTF-8), bytes, or any other value sent as JSON with `Content-Type: application/json`. */
  body?: string | Uint8Array | object;
}

export interface InjectedResponse extends ParsedResponse {
  /** The body decoded as UTF-8. */
  text(): string;
  json<T = unknown>(): T;
}

/** What inject needs from the application: the engine's handler interface plus its settings. */
export interface InjectTarget extends ExchangeHandler {
  /** Builds the router once and refuses later registrations, as `run()` does. */
  compile(): void;
  readonly limits: Readonly<HttpLimits>;
  readonly timeouts: Readonly<HttpTimeouts>;
}

/** Bytes a write may queue before `write()` reports backpressure, as a real socket would. */
const HIGH_WATER_MARK = 16 * 1024;

/** Just enough of `net.Socket` for the engine's `Connection`, with the client side in memory. */
class MemorySocket extends EventEmitter {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localPort: number;
  /** As on a `TLSSocket`: the connection reads it to tell http from https. */
  readonly encrypted: boolean;
  readonly #input: Buffer[];
  readonly #output: Buffer[] = [];
  #paused = false;
  #inputScheduled = false;
  #clientEnded = false;
  #serverEnded = false;
  #destroyed = false;
  #closed = false;
  #unflushed = 0;
  #needDrain = false;
  #flushScheduled = false;
  #misuse: Error | undefined = undefined;
  readonly #onClose: () => void;

  constructor(input: Buffer[], options: InjectConnectionOptions, onClose: () => void) {
    super();
    this.#input = input;
    this.remoteAddress = options.remoteAddress ?? "127.0.0.1";
    this.remotePort = options.remotePort ?? 50_000;
    this.encrypted = options.encrypted === true;
    this.localPort = this.encrypted ? 443 : 80;
    this.#onClose = onClose;
    this.#scheduleInput();
  }

  /** Everything the server wrote. */
  get written(): Buffer {
    return Buffer.concat(this.#output);
  }

  /** Set when the server reset the connection instead of ending it. */
  get destroyed(): boolean {
    return this.#destroyed;
  }

  /** As on a real socket: the server called end(). */
  get writableEnded(): boolean {
    return this.#serverEnded;
  }

  /** A write after end(): a real socket would fail, so inject reports it. */
  get misuse(): Error | undefined {
    return this.#misuse;
  }

  setNoDelay(): this {
    return this;
  }

  cork(): void {}

  uncork(): void {}

  pause(): this {
    this.#paused = true;
    return this;
  }

  resume(): this {
    this.#paused = false;
    this.#scheduleInput();
    return this;
  }

  write(data: string | Uint8Array, encoding?: BufferEncoding | (() => void)): boolean {
    if (this.#serverEnded || this.#destroyed) {
      this.#misuse ??= new Error("The server wrote to the connection after ending it");
      return false;
    }
    const bytes =
      typeof data === "string"
        ? Buffer.from(data, typeof encoding === "string" ? encoding : "utf8")
        : Buffer.from(data);
    this.#output.push(bytes);
    this.#unflushed += bytes.length;
    this.#scheduleFlush();
    if (this.#unflushed < HIGH_WATER_MARK) return true;
    this.#needDrain = true;
    return false;
  }

  end(data?: string | Uint8Array): this {
    if (this.#serverEnded || this.#destroyed) return this;
    if (data !== undefined) this.write(data);
    this.#serverEnded = true;
    this.#maybeClose();
    return this;
  }

  destroySoon(): void {
    this.end();
  }

  destroy(): this {
    if (this.#destroyed) return this;
    this.#destroyed = true;
    this.#maybeClose();
    return this;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#unflushed = 0;
      if (this.#needDrain && !this.#closed) {
        this.#needDrain = false;
        this.emit("drain");
      }
    });
  }

  // One read per turn of the event loop, as from a real socket, so async handlers interleave.
  #scheduleInput(): void {
    if (this.#inputScheduled || this.#paused || this.#clientEnded) return;
    this.#inputScheduled = true;
    setImmediate(() => {
      this.#inputScheduled = false;
      if (this.#paused || this.#closed || this.#destroyed) return;
      const chunk = this.#input.shift();
      if (chunk !== undefined) {
        this.emit("data", chunk);
      } else {
        // The client half-closes after its last request and waits for the answers.
        this.#clientEnded = true;
        this.emit("end");
        this.#maybeClose();
        return;
      }
      this.#scheduleInput();
    });
  }

  #maybeClose(): void {
    if (this.#closed || !(this.#destroyed || (this.#serverEnded && this.#clientEnded))) return;
    this.#closed = true;
    setImmediate(() => {
      this.emit("close", this.#destroyed);
      this.#onClose();
    });
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TARGET = /^[\x21-\x7e]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The request as HTTP/1.1 bytes; mistakes in the options throw before anything is sent. */
export function serializeRequest(options: InjectOptions): Buffer {
  if (typeof options !== "object" || options === null || typeof options.url !== "string") {
    throw new TypeError('inject() needs { url: "/path" } or the raw request bytes');
  }
  const method = options.method ?? "GET";
  if (!TOKEN.test(method)) throw new TypeError(`Invalid method ${JSON.stringify(method)}`);
  if (!TARGET.test(options.url)) {
    throw new TypeError(
      `Invalid request-target ${JSON.stringify(options.url)}: percent-encode spaces, controls and non-ASCII characters`,
    );
  }
  const lines: string[] = [`${method} ${options.url} HTTP/1.1`];
  const given = new Set<string>();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!TOKEN.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`);
    given.add(name.toLowerCase());
    for (const item of typeof value === "string" ? [value] : value) {
      if (!FIELD_VALUE.test(item)) {
        throw new TypeError(`Invalid value for header '${name}': no CR, LF or other controls`);
      }
      lines.push(`${name}: ${item}`);
    }
  }
  if (!given.has("host")) lines.push("Host: localhost");
  let body: Buffer | undefined;
  const value = options.body;
  if (typeof value === "string") body = Buffer.from(value, "utf8");
  else if (value instanceof Uint8Array) body = Buffer.from(value);
  else if (value !== undefined && value !== null) {
    body = Buffer.from(JSON.stringify(value), "utf8");
    if (!given.has("content-type")) lines.push("Content-Type: application/json");
  }
  if (body !== undefined && !given.has("content-length") && !given.has("transfer-encoding")) {
    lines.push(`Content-Length: ${body.length}`);
  }
  const head = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  return body === undefined ? head : Buffer.concat([head, body]);
}

/** For each request in a raw stream, whether it is HEAD: read with the engine's own parser. */
export function headRequestsOf(raw: Buffer, limits: Readonly<HttpLimits>): boolean[] {
  const heads: boolean[] = [];
  const parser = new RequestParser(
    {
      onHead: (head: RequestHead) => heads.push(head.method === "HEAD"),
      onBody: () => {},
      onComplete: () => {},
      onError: () => {},
    },
    limits,
  );
  parser.execute(raw);
  return heads;
}

function split(bytes: Buffer, chunkSize: number | undefined): Buffer[] {
  if (chunkSize === undefined) return bytes.length === 0 ? [] : [bytes];
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new TypeError("'chunkSize' must be a whole number of bytes ≥ 1");
  }
  const chunks: Buffer[] = [];
  for (let start = 0; start < bytes.length; start += chunkSize) {
    chunks.push(bytes.subarray(start, start + chunkSize));
  }
  return chunks;
}

function withHelpers(response: ParsedResponse): InjectedResponse {
  return {
    ...response,
    text: () => response.body.toString("utf8"),
    json: <T>() => JSON.parse(response.body.toString("utf8")) as T,
  };
}

/**
 * What an upgrade route (`app.upgrade()`, `app.ws()`) answers in memory. The request is valid, but
 * a protocol switch needs a real socket to hand over: 501, as RFC 9110 §15.6.2 says for a
 * server that does not support what the request needs, rather than a 500 that reads as a bug
 * in the route.
 */
export const INJECT_UPGRADE_MESSAGE =
  "app.inject() cannot hand a socket over to an upgrade (WebSocket) route: test it over TCP, " +
  "with app.run({ port: 0 }) and a WebSocket client";

function refuseUpgrade(response: WireResponse<unknown>): void {
  if (response.upgrade === undefined) return;
  response.upgrade = undefined;
  throw new HttpError(501, INJECT_UPGRADE_MESSAGE, { expose: true });
}

/** `target`, with a hand-off its routes arrange turned into the 501 above. */
function inMemory(target: InjectTarget): ExchangeHandler {
  return {
    createRequest: (head, body, connection) => target.createRequest(head, body, connection),
    createResponse: (request) => target.createResponse(request),
    handle(request: WireRequest, response: WireResponse<unknown>) {
      const result = target.handle(request, response);
      if (result === undefined) return refuseUpgrade(response);
      return Promise.resolve(result).then(() => refuseUpgrade(response));
    },
    handleError: (error, request, response) => target.handleError(error, request, response),
    reportError: (error, request) => target.reportError(error, request),
    reportProtocolError: (error, preview, connection) =>
      target.reportProtocolError?.(error, preview, connection),
  };
}

/** Serves one connection carrying `bytes` and resolves with every response written on it. */
export async function injectRaw(
  target: InjectTarget,
  bytes: string | Uint8Array,
  options: InjectConnectionOptions = {},
): Promise<InjectedResponse[]> {
  const input = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : Buffer.from(bytes);
  target.compile();
  const chunks = split(input, options.chunkSize);
  const owner: ConnectionOwner = {
    limits: target.limits,
    timeouts: target.timeouts,
    closing: false,
    connectionClosed: () => {},
  };
  let socket!: MemorySocket;
  await new Promise<void>((resolve) => {
    socket = new MemorySocket(chunks, options, resolve);
    new Connection(socket as unknown as Socket, owner, inMemory(target), Date.now());
  });
  if (socket.misuse !== undefined) throw socket.misuse;
  const written = socket.written;
  const responses = parseResponses(written, { headRequests: headRequestsOf(input, target.limits) });
  return responses.map(withHelpers);
}

/** Serves one request in memory and resolves with its (final) response. */
export async function inject(
  target: InjectTarget,
  options: InjectOptions,
): Promise<InjectedResponse> {
  const bytes = serializeRequest(options);
  const responses = (await injectRaw(target, bytes, options)).filter(
    (response) => response.status >= 200,
  );
  if (responses.length !== 1) {
    throw new Error(
      responses.length === 0
        ? `The server closed the connection without answering ${options.method ?? "GET"} ${options.url}`
        : `Expected one response, got ${responses.length}`,
    );
  }
  return responses[0]!;
}
