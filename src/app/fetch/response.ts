import type { WireResponse } from "../../wire/response.js";
import type { ResponseHeaders } from "../../wire/response-headers.js";
import { statusForbidsBody } from "../../wire/writer.js";
import {
  type HeaderEntry,
  type UndiciResponseAccess,
  type UndiciResponseState,
  undiciResponse,
} from "./undici-response.js";

/**
 * A fetch `Response` turned into what the engine sends. Bodies whose bytes are known (string,
 * ArrayBuffer, typed array, Blob) become one string or Uint8Array, so the head and body leave in
 * one write with `Content-Length`; real streams become an async iterable the engine pumps with
 * backpressure, cancelled when the client leaves.
 *
 * Status, header fields and body source of a native `Response` are read from undici's state where
 * undici keeps it under symbols (version 6: Node 20 and 22; see undici-response.ts), which skips
 * its ReadableStream and the sorting copy that iterating `Headers` makes. Elsewhere (subclasses,
 * ponyfills, Node 24) the public getters are used, and the body stream is read as long as each
 * next chunk comes within the current loop iteration (microtasks, then its check phase): a body
 * complete by then still goes out in one write, anything slower is streamed from that point.
 */

/** The part of a `Response` the conversion reads: native, subclassed or a ponyfill's. */
interface ResponseLike {
  readonly status: number;
  readonly headers: Headers;
  readonly body: ReadableStream<Uint8Array> | null;
  readonly bodyUsed: boolean;
}

type ReadResult = Awaited<ReturnType<ReadableStreamDefaultReader<Uint8Array>["read"]>>;

type Source = string | Uint8Array | ArrayBuffer | Blob | null | undefined;

/** undici's own record of what the body was made from, when it is one of the known kinds. */
function sourceOf(state: UndiciResponseState): Source {
  const source = state.body?.source;
  if (
    typeof source === "string" ||
    source instanceof Uint8Array ||
    source instanceof ArrayBuffer ||
    source instanceof Blob
  ) {
    return source;
  }
  return undefined;
}

export function isResponseLike(value: unknown): value is ResponseLike {
  if (value instanceof Response) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<ResponseLike>;
  return (
    typeof candidate.status === "number" &&
    typeof candidate.headers === "object" &&
    candidate.headers !== null &&
    typeof candidate.headers.get === "function" &&
    "body" in candidate
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return value.constructor?.name ?? "an object";
}

/**
 * Copies status, headers and body of `response` into `target`. Returns a promise only when the
 * body needs waiting for (a Blob, or a stream whose end may be close). Throws for anything that
 * cannot be sent: not a Response, a 1xx status, a network error.
 */
export function toWireResponse(
  response: unknown,
  target: WireResponse<unknown>,
  isHead: boolean,
  /** @internal tests pass null to take the standard path on a Node where both exist. */
  undici: UndiciResponseAccess | null = undiciResponse,
): void | Promise<void> {
  if (!isResponseLike(response)) {
    throw new TypeError(
      `The fetch handler must return a Response (or a promise of one), got ${describe(response)}`,
    );
  }
  const state = undici?.stateOf(response);
  const exact = state !== undefined && undici!.isExact(response) ? state : undefined;
  const status = exact === undefined ? response.status : exact.status;
  if (status >= 100 && status < 200) {
    throw new RangeError(
      `A fetch handler cannot answer with ${status}: 1xx responses are sent by the server itself (100 Continue) or by an upgrade`,
    );
  }
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new RangeError(
      `The fetch handler returned a Response with status ${status} (Response.error()?): use 200–599`,
    );
  }
  target.status = status;
  if (exact === undefined) copyHeaders(response.headers, target);
  else copyFields(undici!, exact, target);

  if (statusForbidsBody(status)) {
    if (response.body !== null && !response.bodyUsed) void response.body.cancel().catch(ignore);
    target.body = null;
    return;
  }
  if (exact !== undefined && exact.body == null) {
    target.body = isHead ? EMPTY_ITERABLE : null;
    return;
  }
  const source = state === undefined || response.bodyUsed ? undefined : sourceOf(state);
  if (typeof source === "string" || source instanceof Uint8Array) {
    target.body = source;
    return;
  }
  if (source instanceof ArrayBuffer) {
    target.body = new Uint8Array(source);
    return;
  }
  if (source instanceof Blob) {
    return source.arrayBuffer().then((buffer) => {
      target.body = new Uint8Array(buffer);
    });
  }
  const stream = response.body;
  if (stream === null) {
    // A HEAD answer without a body (Hono's) says nothing about its length: send no length
    // rather than a false "0", unless the handler declared one.
    target.body = isHead ? EMPTY_ITERABLE : null;
    return;
  }
  if (response.bodyUsed || stream.locked) {
    throw new TypeError("The fetch handler returned a Response whose body was already read");
  }
  if (isHead && target.headersIfAny?.has("content-length")) {
    void stream.cancel().catch(ignore);
    target.body = EMPTY_ITERABLE;
    return;
  }
  return collectReady(stream.getReader(), target);
}

function copyHeaders(headers: Headers, target: WireResponse<unknown>): void {
  const out = target.headers;
  const cookies = typeof headers.getSetCookie === "function" ? headers.getSetCookie() : undefined;
  for (const [name, value] of headers) {
    if (name === "set-cookie" && cookies !== undefined) continue;
    out.append(name, value);
  }
  if (cookies !== undefined) for (const cookie of cookies) out.append("set-cookie", cookie);
}

/** `Map.prototype.forEach` callback with the target headers as `this`: no closure per response. */
function appendField(this: ResponseHeaders, entry: HeaderEntry, lower: string): void {
  if (lower !== "set-cookie") this.append(lower, entry.value);
}

function copyFields(
  undici: UndiciResponseAccess,
  state: UndiciResponseState,
  target: WireResponse<unknown>,
): void {
  const fields = undici.fields(state);
  if (fields.size === 0) return;
  const out = target.headers;
  fields.forEach(appendField, out);
  const cookies = state.headersList.cookies;
  if (cookies !== null) for (const cookie of cookies) out.append("set-cookie", cookie);
}

function ignore(): void {}

const EMPTY_ITERABLE: AsyncIterable<Uint8Array> = {
  async *[Symbol.asyncIterator]() {},
};

/** Chunks read while they are already there, up to this many bytes, go out in one write. */
const COLLECT_LIMIT = 64 * 1024;
const PENDING = Symbol("pending");

/** Resolves after a few microtask turns: long enough for a stream closing in a microtask. */
async function soon(): Promise<typeof PENDING> {
  for (let turn = 0; turn < 4; turn++) await undefined;
  return PENDING;
}

/**
 * Resolves in this loop iteration's check phase. A `Blob`'s stream on Node 24 ends only after a
 * macrotask (its reader is pulled through C++), so waiting this long once per read is what lets
 * `new Response(blob)` go out with Content-Length where undici's state is out of reach.
 */
function thisCheckPhase(): Promise<typeof PENDING> {
  return new Promise((resolve) => setImmediate(resolve, PENDING));
}

async function collectReady(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  target: WireResponse<unknown>,
): Promise<void> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const read = reader.read();
    let result = await Promise.race([read, soon()]);
    if (result === PENDING) result = await Promise.race([read, thisCheckPhase()]);
    if (result === PENDING) {
      target.body = new StreamBody(reader, chunks, read);
      return;
    }
    if (result.done) break;
    chunks.push(result.value);
    size += result.value.byteLength;
    if (size > COLLECT_LIMIT) {
      target.body = new StreamBody(reader, chunks, undefined);
      return;
    }
  }
  target.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

/**
 * A response stream as the engine's async iterable: chunks already read first, then the reader.
 * `destroy()` (the engine calls it when the client leaves) and `return()` (the engine stopped
 * early) cancel the producer.
 */
class StreamBody implements AsyncIterable<Uint8Array>, AsyncIterator<Uint8Array> {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #ready: Uint8Array[];
  #pending: Promise<ReadResult> | undefined;
  #cancelled = false;

  constructor(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    ready: Uint8Array[],
    pending: Promise<ReadResult> | undefined,
  ) {
    this.#reader = reader;
    this.#ready = ready;
    this.#pending = pending;
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return this;
  }

  async next(): Promise<IteratorResult<Uint8Array>> {
    const ready = this.#ready.shift();
    if (ready !== undefined) return { done: false, value: ready };
    if (this.#cancelled) return { done: true, value: undefined };
    const pending = this.#pending;
    this.#pending = undefined;
    const result = await (pending ?? this.#reader.read());
    return result.done ? { done: true, value: undefined } : { done: false, value: result.value };
  }

  async return(): Promise<IteratorResult<Uint8Array>> {
    this.destroy();
    return { done: true, value: undefined };
  }

  destroy(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#ready.length = 0;
    this.#reader.cancel().catch(ignore);
  }
}
