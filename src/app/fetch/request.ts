import { HttpError } from "../../wire/http-error.js";
import type { WireRequest } from "../../wire/request.js";
import { clientAddress, type TrustPolicy } from "../proxy.js";

/**
 * A fetch `Request` built lazily over a request the engine parsed. Its prototype chain includes
 * the global `Request.prototype`, so `request instanceof Request` holds without replacing any
 * global, but nothing of undici's runs until something needs a real one: the URL string, the
 * `Headers` and the body stream are made on first use, and `text()`/`json()`/`arrayBuffer()`/
 * `bytes()` read straight from the engine's body reader under its limits.
 *
 * A real `Request` ("materialised") is built only when a caller needs undici's own object:
 * `clone()`, `formData()`, or undici reaching for its internal state, e.g. `new Request(request)`.
 * From then on every property reads the real one, so both views stay consistent.
 */

const NativeRequest = globalThis.Request;

/** The body of this request could not be read: too large (413) or broken (400). */
export class RequestBodyError extends HttpError {
  /** Hono's `HTTPException` convention: its default error handler answers with this. */
  getResponse(): Response {
    return new Response(`${this.message}\n`, {
      status: this.status,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  }
}

function bodyError(error: unknown): unknown {
  if (error instanceof HttpError && !(error instanceof RequestBodyError)) {
    return new RequestBodyError(error.status, error.message, { close: error.close });
  }
  return error;
}

/** What the lazy request needs to know beyond the wire request. */
export interface FetchRequestOptions {
  readonly trustProxy: TrustPolicy;
  /**
   * The request-target to show instead of the one sent (a mounted app sees the path below its
   * prefix), origin-form: starts with "/".
   */
  readonly target?: string;
}

const EMPTY = new Uint8Array(0);
const textDecoder = new TextDecoder();

export class FetchRequest {
  readonly #wire: WireRequest;
  readonly #trust: TrustPolicy;
  readonly #target: string | undefined;
  #url: string | undefined = undefined;
  #headers: Headers | undefined = undefined;
  #stream: ReadableStream<Uint8Array> | null | undefined = undefined;
  #used = false;
  #real: globalThis.Request | undefined = undefined;

  constructor(wire: WireRequest, options: FetchRequestOptions) {
    this.#wire = wire;
    this.#trust = options.trustProxy;
    this.#target = options.target;
  }

  /** The engine's request underneath (for hosts: client address, raw head). */
  static wireOf(request: FetchRequest): WireRequest {
    return request.#wire;
  }

  get method(): string {
    return this.#real?.method ?? this.#wire.method;
  }

  get url(): string {
    if (this.#url === undefined) this.#url = this.#buildUrl();
    return this.#url;
  }

  get headers(): Headers {
    if (this.#real !== undefined) return this.#real.headers;
    if (this.#headers === undefined) {
      const headers = new Headers();
      const raw = this.#wire.headers.raw;
      for (let index = 0; index < raw.length; index += 2) {
        headers.append(raw[index]!, raw[index + 1]!);
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  get signal(): AbortSignal {
    return this.#wire.signal;
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.#real !== undefined) return this.#real.body;
    if (this.#stream === undefined) this.#stream = this.#makeStream();
    return this.#stream;
  }

  get bodyUsed(): boolean {
    if (this.#real !== undefined) return this.#real.bodyUsed;
    return this.#used;
  }

  get duplex(): "half" {
    return "half";
  }

  // The rest of the Request interface: what a server-side request always has.
  get cache(): string {
    return "default";
  }
  get credentials(): string {
    return "same-origin";
  }
  get destination(): string {
    return "";
  }
  get integrity(): string {
    return "";
  }
  get keepalive(): boolean {
    return false;
  }
  get mode(): string {
    return "cors";
  }
  get redirect(): string {
    return "follow";
  }
  get referrer(): string {
    return "about:client";
  }
  get referrerPolicy(): string {
    return "";
  }
  get isReloadNavigation(): boolean {
    return false;
  }
  get isHistoryNavigation(): boolean {
    return false;
  }

  async bytes(): Promise<Uint8Array> {
    if (this.#real !== undefined) return new Uint8Array(await this.#real.arrayBuffer());
    const bytes = await this.#read();
    // A Buffer from the engine may be a view of Node's shared pool, whose other bytes belong to
    // others: hand out a view only when it covers its whole ArrayBuffer, else a copy.
    if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
      return new Uint8Array(bytes.buffer, 0, bytes.byteLength);
    }
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    return copy;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    return (await this.bytes()).buffer as ArrayBuffer;
  }

  async text(): Promise<string> {
    if (this.#real !== undefined) return this.#real.text();
    // Decoded from the engine's buffer itself: the copy bytes() may make is for handing it out.
    return textDecoder.decode(await this.#read());
  }

  async json(): Promise<unknown> {
    const text = await this.text();
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new RequestBodyError(400, `Malformed JSON in the request body: ${String(error)}`);
    }
  }

  async blob(): Promise<Blob> {
    if (this.#real !== undefined) return this.#real.blob();
    const type = this.#wire.headers.get("content-type") ?? "";
    return new Blob([await this.bytes()], { type });
  }

  async formData(): Promise<FormData> {
    if (this.#real !== undefined) return this.#real.formData();
    // undici's parser is the reference: it gets the bytes, read under the engine's limits.
    const bytes = await this.bytes();
    const type = this.#wire.headers.get("content-type") ?? "";
    const carrier = new NativeRequest("http://localhost/", {
      method: "POST",
      headers: { "content-type": type },
      body: bytes,
    });
    try {
      return await carrier.formData();
    } catch (error) {
      throw new RequestBodyError(400, `Malformed form body: ${String(error)}`);
    }
  }

  clone(): globalThis.Request {
    return this.materialise().clone();
  }

  /** A real undici `Request` with the same method, URL, headers, body and signal. */
  materialise(): globalThis.Request {
    if (this.#real === undefined) {
      const method = this.#wire.method;
      const body = method === "GET" || method === "HEAD" ? null : this.body;
      this.#real = new NativeRequest(this.url, {
        method,
        headers: this.headers,
        body,
        signal: this.signal,
        duplex: "half",
      } as RequestInit);
    }
    return this.#real;
  }

  /** The whole body as the engine read it, under its limits. */
  async #read(): Promise<Uint8Array> {
    const body = this.#claim();
    if (body === undefined) return EMPTY;
    try {
      return await body.bytes();
    } catch (error) {
      throw bodyError(error);
    }
  }

  #claim() {
    // Looking at `body` (Elysia checks `if (request.body)`) must not stop text() from working:
    // only a stream that was read from makes the body unusable.
    if (this.#used || this.#stream?.locked === true) {
      throw new TypeError("Body is unusable: the request body was already read");
    }
    this.#used = true;
    return this.#wire.bodyStream;
  }

  #makeStream(): ReadableStream<Uint8Array> | null {
    const body = this.#wire.bodyStream;
    if (body === undefined) return null;
    let iterator: AsyncIterator<Buffer> | undefined;
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        this.#used = true;
        iterator ??= body[Symbol.asyncIterator]();
        let next: IteratorResult<Buffer>;
        try {
          next = await iterator.next();
        } catch (error) {
          controller.error(bodyError(error));
          return;
        }
        if (next.done) {
          controller.close();
        } else {
          controller.enqueue(new Uint8Array(next.value));
        }
      },
      cancel: () => {
        void iterator?.return?.();
      },
    });
  }

  #buildUrl(): string {
    const wire = this.#wire;
    const target = this.#target ?? wire.url;
    const absolute = target.charCodeAt(0) !== 0x2f && target !== "*";
    if (absolute && this.#target === undefined && this.#trust.trusts === undefined) return target;
    if (this.#trust.trusts === undefined) {
      // The common case needs neither the forwarded headers nor clientAddress's cached record.
      const scheme = wire.connection.encrypted ? "https://" : "http://";
      const path = absolute ? originForm(target) : target === "*" ? "/" : target;
      return scheme + (wire.authority || "localhost") + path;
    }
    const address = clientAddress(wire, this.#trust);
    // A trusted proxy's host replaces ours, with its port. Without a port but with our own name
    // (nginx's `$host` never has one) it keeps the port this request came with.
    let host = address.authority;
    if (host === address.host && host === stripPort(wire.authority)) host = wire.authority;
    if (host === "") host = "localhost";
    const path = absolute ? originForm(target) : target === "*" ? "/" : target;
    return `${address.protocol}://${host}${path}`;
  }
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

/** `http://host/a?b` → `/a?b`. */
function originForm(target: string): string {
  const scheme = target.indexOf("://");
  if (scheme === -1) return "/";
  for (let index = scheme + 3; index < target.length; index++) {
    const code = target.charCodeAt(index);
    if (code === 0x2f) return target.slice(index);
    if (code === 0x3f) return `/${target.slice(index)}`;
  }
  return "/";
}

Object.setPrototypeOf(FetchRequest.prototype, NativeRequest.prototype);

/**
 * undici up to version 6 (Node 20 and 22) keeps a request's state under symbols on the instance
 * and brand-checks with `instanceof`: answering those symbols from the real request makes undici's
 * own code accept the lazy one (`new Request(request)`, `Request.prototype.clone.call(request)`).
 * Later undici keeps the state in private fields, which no other object can carry: there, pass
 * `request.materialise()` to code that needs undici's own object (see docs/fetch-handlers.md).
 */
const probe = new NativeRequest("http://localhost/");
for (const symbol of Object.getOwnPropertySymbols(probe)) {
  Object.defineProperty(FetchRequest.prototype, symbol, {
    configurable: true,
    get(this: FetchRequest) {
      return (this.materialise() as unknown as Record<symbol, unknown>)[symbol];
    },
  });
}

/** The lazy request typed as what the handler sees. */
export function asRequest(request: FetchRequest): globalThis.Request {
  return request as unknown as globalThis.Request;
}
