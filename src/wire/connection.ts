import type { Socket } from "node:net";
import { type BodyHost, RequestBody } from "./body.js";
import { bytePreview } from "./byte-preview.js";
import { type DeferredWriter, writeNowOrDefer } from "./deferred-writes.js";
import type { RequestHead } from "./head.js";
import type { RequestHeaders } from "./headers.js";
import { HttpError } from "./http-error.js";
import type { HttpLimits, HttpTimeouts } from "./options.js";
import { type ParserSink, RequestParser } from "./parser.js";
import type { ConnectionInfo, WireRequest } from "./request.js";
import { isAsyncIterable, type WireResponse } from "./response.js";
import { readIntoSharedBuffer } from "./shared-reads.js";
import { statusText } from "./status.js";
import { detachSocket, type SessionHost, startSession } from "./upgrade.js";
import {
  buildHead,
  CONTINUE_RESPONSE,
  ConnectionHeader,
  dateHeaderLine,
  Framing,
  statusForbidsBody,
} from "./writer.js";

/** What the layer above supplies: how to make request/response objects and how to answer. */
export interface ExchangeHandler<
  Req extends WireRequest = WireRequest,
  Res extends WireResponse<unknown> = WireResponse<unknown>,
> {
  createRequest(head: RequestHead, body: RequestBody | undefined, connection: ConnectionInfo): Req;
  createResponse(request: Req): Res;
  /** Fills in the response. May return a promise; the response goes out when it settles. */
  handle(request: Req, response: Res): void | PromiseLike<void>;
  /** Turns a failure of `handle` into an error response. Must not throw. */
  handleError(error: unknown, request: Req, response: Res): void;
  /** Reports a failure that can no longer reach the client (e.g. a stream that broke mid-body). */
  reportError(error: unknown, request: Req | undefined): void;
  /**
   * Optional: told of each error that belongs to no request (a malformed head, a header timeout)
   * as its response goes out. `preview` is the start of the offending head, escaped and at most
   * 64 bytes (bytePreview), or "" when no bytes are to blame (a timeout). Called on errors only;
   * clients can cause as many as they like, so a logger behind it should be cheap or limited.
   */
  reportProtocolError?(error: HttpError, preview: string, connection: ConnectionInfo): void;
}

/**
 * The client as a proxy reported it (PROXY protocol, read by the listener before the connection
 * exists): preferred over the socket's own peer address and TLS state.
 */
export interface ReportedPeer {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly encrypted: boolean;
}

/** The part of the listener that connections see. */
export interface ConnectionOwner {
  readonly limits: HttpLimits;
  readonly timeouts: HttpTimeouts;
  readonly closing: boolean;
  connectionClosed(connection: Connection): void;
  /** Takes a socket leaving HTTP; without it, upgrades are refused (in-memory injection). */
  connectionUpgraded?(connection: Connection): SessionHost;
}

/** A streamed response waiting for 'drain': when its output last moved, and how much was left. */
interface DrainWait {
  readonly resolve: () => void;
  pending: number;
  progressAt: number;
}

const kConnection = Symbol("slow-serv.connection");
type OwnedSocket = Socket & { [kConnection]?: Connection };

/**
 * The connection's timestamps count milliseconds from here, not from 1970: small integers, which
 * V8 keeps in the field itself, where a `Date.now()` value is a double it boxes on the heap (16
 * bytes per idle connection, and an allocation whenever a request starts). One millisecond before
 * load, so no time read from the clock is 0, which means "not started". Past 24 days of uptime
 * they are boxed again: a cost in memory only.
 */
const EPOCH = Date.now() - 1;
function clock(): number {
  return Date.now() - EPOCH;
}

/**
 * Whether the read being parsed is the shared read buffer, whose bytes the next read overwrites:
 * what outlives the read is copied. Parsing one read is synchronous and no other connection's
 * runs inside it, so one flag for the module does, rather than a field on every connection.
 */
let parsingSharedRead = false;

/** In a deferred batch: end the socket here, after what came before it. */
const END_SOCKET = Symbol("slow-serv.end-socket");
type Output = string | Buffer;

// Shared listeners that find their connection through the socket: no closures per connection.
function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]!.receive(chunk, false);
}
function onSharedRead(this: OwnedSocket, bytesRead: number, buffer: Buffer): void {
  this[kConnection]!.receive(buffer.subarray(0, bytesRead), true);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kConnection]!.peerEnded();
}
function onSocketDrain(this: OwnedSocket): void {
  this[kConnection]!.drained();
}
function onSocketClose(this: OwnedSocket): void {
  this[kConnection]!.closed();
}
function onSocketError(this: OwnedSocket): void {
  // ECONNRESET and friends: 'close' follows and does the cleanup; nothing to tell the client.
}
const SOCKET_LISTENERS = [
  ["data", onSocketData],
  ["end", onSocketEnd],
  ["drain", onSocketDrain],
  ["close", onSocketClose],
  ["error", onSocketError],
] as const;

/**
 * One client connection: parses requests as bytes arrive, answers them strictly in order (one at a
 * time, pipelined requests queued), batches everything produced by one read into one socket write
 * (held to the end of the loop iteration if another connection already wrote in it: see
 * deferred-writes.ts), and enforces keep-alive, limits and timeouts.
 */
export class Connection implements ParserSink, BodyHost, ConnectionInfo, DeferredWriter {
  readonly #socket: OwnedSocket;
  readonly #owner: ConnectionOwner;
  readonly #handler: ExchangeHandler<WireRequest, WireResponse<unknown>>;
  readonly #parser: RequestParser;
  readonly #peer: ReportedPeer | undefined;

  #queue: WireRequest[] = [];
  #request: WireRequest | undefined = undefined;
  #response: WireResponse<unknown> | undefined = undefined;
  /** The handler's promise is pending or a streamed body is being written. */
  #busy = false;
  #receivingBody: RequestBody | undefined = undefined;
  /** The body being received is held back by its client until it gets `100 Continue`. */
  #receivingAwaitsContinue = false;
  #discarded = 0;
  #requestCount = 0;
  /** No request after the last one parsed will be answered: that one's response closes. */
  #lastRequest = false;
  #pendingError: HttpError | undefined = undefined;

  #batch: Output[] | undefined = undefined;
  /** Output held back until the end of this loop iteration (see deferred-writes.ts). */
  #deferred: Array<Output | typeof END_SOCKET> | undefined = undefined;
  #endAfterFlush = false;
  #destroyed = false;
  #peerEnded = false;
  #pauses = 0;
  /** Reading is paused because maxPipelinedRequests requests are queued. */
  #pipelinePaused = false;
  #abortListeners: Array<() => void> | undefined = undefined;
  /** Set only while a streamed response waits for 'drain' (one field, not three, per connection). */
  #drainWait: DrainWait | undefined = undefined;
  /** The body being streamed out, so a client that leaves can stop its producer at once. */
  #streaming: AsyncIterable<Uint8Array | string> | undefined = undefined;

  #headStartedAt = 0;
  #bodyProgressAt = 0;
  #idleSince: number;

  /**
   * Settlement callbacks for async handlers, made on the first async handler: requests are answered
   * one at a time, so one pair serves every request, and idle connections of sync apps carry none.
   */
  #settled: [(value: unknown) => void, (error: unknown) => void] | undefined = undefined;

  constructor(
    socket: Socket,
    owner: ConnectionOwner,
    handler: ExchangeHandler<WireRequest, WireResponse<unknown>>,
    now: number,
    peer?: ReportedPeer,
  ) {
    this.#socket = socket as OwnedSocket;
    this.#owner = owner;
    this.#handler = handler;
    this.#peer = peer;
    this.#parser = new RequestParser(this, owner.limits);
    this.#idleSince = now - EPOCH;
    this.#socket[kConnection] = this;
    socket.setNoDelay(true);
    if (!readIntoSharedBuffer(socket, onSharedRead)) socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    socket.on("drain", onSocketDrain);
    socket.on("close", onSocketClose);
    socket.on("error", onSocketError);
  }

  /** TLS from the client: on this socket (a `TLSSocket` says so), or before a proxy that said so. */
  get encrypted(): boolean {
    return (
      (this.#socket as { encrypted?: boolean }).encrypted === true || this.#peer?.encrypted === true
    );
  }

  get remoteAddress(): string {
    return this.#peer?.remoteAddress ?? this.#socket.remoteAddress ?? "";
  }

  get remotePort(): number {
    return this.#peer?.remotePort ?? this.#socket.remotePort ?? 0;
  }

  get localPort(): number {
    return this.#socket.localPort ?? 0;
  }

  onAbort(listener: () => void): void {
    if (this.#destroyed || this.#peerEnded) {
      listener();
      return;
    }
    if (this.#abortListeners === undefined) this.#abortListeners = [];
    this.#abortListeners.push(listener);
  }

  /** No request in progress: safe to close now during a graceful shutdown. */
  get idle(): boolean {
    return this.#queue.length === 0 && !this.#busy && this.#parser.idle;
  }

  // ---- socket events ------------------------------------------------------------------------

  /** `reused`: the chunk's memory is overwritten by the next read (see shared-reads.ts). */
  receive(chunk: Buffer, reused: boolean): void {
    if (this.#destroyed) return;
    this.#batch = [];
    parsingSharedRead = reused;
    this.#parser.execute(chunk);
    parsingSharedRead = false;
    if (reused) this.#copyHeadsOutOf(chunk);
    // Handlers start once the whole read is parsed: a body that came with its head is complete
    // by then, so reading it costs no wait, and a handler that ignores it leaves nothing to discard.
    if (this.#queue.length > 0 && !this.#busy) this.#drain();
    if (this.#headStartedAt === 0 && this.#parser.inHead) this.#headStartedAt = clock();
    if (this.#receivingBody !== undefined) this.#bodyProgressAt = clock();
    this.#flush();
  }

  /**
   * Handlers, hooks and loggers may keep a request beyond this read, so every head parsed from
   * the shared buffer gets its own copy: one copy per read, however many requests it held. They
   * are all still queued: no handler starts before the read is parsed, and a request dropped from
   * the queue meanwhile (the connection is closing) never reaches one.
   */
  #copyHeadsOutOf(chunk: Buffer): void {
    let first: RequestHeaders | undefined;
    let last: RequestHeaders | undefined;
    for (const request of this.#queue) {
      if (!request.headers.isViewOf(chunk)) continue;
      first ??= request.headers;
      last = request.headers;
    }
    if (first === undefined || last === undefined) return;
    const start = first.sourceStart;
    const copy = Buffer.from(chunk.subarray(start, last.sourceEnd));
    for (const request of this.#queue) {
      if (request.headers.isViewOf(chunk)) request.headers.moveTo(copy, start);
    }
  }

  peerEnded(): void {
    this.#peerEnded = true;
    // A FIN looks the same whether the client half-closed or went away entirely: like Go's
    // server, tell the handler (request.signal) but still send whatever response it makes.
    this.#notifyAbort();
    // A half-closed client still gets the responses to the requests it sent (RFC 9112 §9.6).
    this.#receivingBody?.abort(
      new HttpError(400, "Connection closed before the body was complete", { close: true }),
    );
    if (this.#queue.length === 0 && !this.#busy) this.#endSocket();
  }

  drained(): void {
    const wait = this.#drainWait;
    this.#drainWait = undefined;
    wait?.resolve();
  }

  closed(): void {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#deferred = undefined;
    this.#parser.stop();
    const body = this.#receivingBody;
    if (body !== undefined || this.#queue.some((request) => request.bodyStream !== undefined)) {
      // Made only when a body is left to fail: an Error captures a stack trace, which cost every
      // closing connection several µs when it was made for all of them.
      const gone = new Error("The client closed the connection");
      body?.abort(gone);
      for (const request of this.#queue) request.bodyStream?.abort(gone);
    }
    this.#queue = [];
    this.#notifyAbort();
    // A Readable waiting for data would otherwise hold its resources until it produced more.
    if (this.#streaming !== undefined) this.#discardStream(this.#streaming);
    this.drained();
    this.#owner.connectionClosed(this);
  }

  #notifyAbort(): void {
    const listeners = this.#abortListeners;
    this.#abortListeners = undefined;
    if (listeners !== undefined && this.#response !== undefined && !this.#response.finished) {
      for (const listener of listeners) listener();
    }
  }

  // ---- parser events ------------------------------------------------------------------------

  onHead(head: RequestHead): void {
    this.#headStartedAt = 0;
    this.#requestCount++;
    const limits = this.#owner.limits;
    let body: RequestBody | undefined;
    if (head.hasBody) {
      body = new RequestBody(
        this,
        head.contentLength,
        limits.maxBodyBytes,
        limits.bodyHighWaterMark,
      );
      this.#receivingBody = body;
      this.#receivingAwaitsContinue = head.expectContinue;
      this.#bodyProgressAt = clock();
    }
    if (
      limits.maxRequestsPerConnection > 0 &&
      this.#requestCount >= limits.maxRequestsPerConnection
    ) {
      this.#lastRequest = true;
    }
    const request = this.#handler.createRequest(head, body, this);
    this.#queue.push(request);
    const max = limits.maxPipelinedRequests;
    if (max > 0 && this.#queue.length >= max && !this.#pipelinePaused && !this.#destroyed) {
      this.#pipelinePaused = true;
      this.pauseBody();
    }
  }

  onBody(bytes: Buffer): void {
    const body = this.#receivingBody!;
    if (body.discarding) {
      this.#discarded += bytes.length;
      if (this.#discarded > this.#owner.limits.maxDiscardBytes) this.#closeAfterFlush();
      return;
    }
    body.push(parsingSharedRead ? Buffer.from(bytes) : bytes);
  }

  onComplete(trailers: readonly string[]): void {
    this.#receivingBody?.end(trailers);
    this.#receivingBody = undefined;
    this.#discarded = 0;
    if (this.#lastRequest) this.#parser.stop();
    // Held bytes are copies: reading pauses until the answer says whose they are.
    else if (this.#parser.held) this.pauseBody();
  }

  /** A chunk size that takes the body past its limit is a 413 now, not after its data arrives. */
  onChunkSize(size: number): HttpError | undefined {
    return this.#receivingBody?.announce(size);
  }

  onError(error: HttpError): void {
    const body = this.#receivingBody;
    if (body !== undefined) {
      // The framing broke inside a body: that request's handler sees the error, and nothing
      // after it on this connection can be trusted.
      this.#receivingBody = undefined;
      body.abort(error);
      if (body.discarding) this.#closeAfterFlush();
      else this.#lastRequest = true;
      return;
    }
    if (this.#queue.length === 0 && !this.#busy) this.#writeProtocolError(error);
    else this.#pendingError = error;
  }

  // ---- flow control (BodyHost) --------------------------------------------------------------

  bodyWanted(body: RequestBody): void {
    const request = this.#request;
    if (request?.bodyStream === body && request.head.expectContinue && body.received === 0) {
      // The body timeout starts now: until this, the client was rightly waiting.
      this.#bodyProgressAt = clock();
      this.#write(CONTINUE_RESPONSE);
      // The client is waiting for it before it sends the body: no reason to hold it back.
      this.#flushBatch(true);
    }
  }

  pauseBody(): void {
    if (this.#pauses++ === 0) this.#socket.pause();
  }

  resumeBody(): void {
    if (this.#pauses > 0 && --this.#pauses === 0 && !this.#destroyed) {
      // Time spent paused was the server's doing, not a stalled client's.
      this.#bodyProgressAt = clock();
      this.#socket.resume();
    }
  }

  // ---- answering ----------------------------------------------------------------------------

  /** Answers queued requests in order until one has to wait for its handler or its stream. */
  #drain(): void {
    while (this.#queue.length > 0 && !this.#busy && !this.#destroyed) {
      const request = this.#queue[0]!;
      const response = this.#handler.createResponse(request);
      this.#request = request;
      this.#response = response;
      let result: void | PromiseLike<void>;
      let closes = false;
      try {
        result = this.#handler.handle(request, response);
      } catch (error) {
        closes = this.#failed(error, request, response);
        result = undefined;
      }
      if (result !== undefined && typeof result.then === "function") {
        this.#busy = true;
        this.#settled ??= [
          () => this.#handlerSettled(undefined, false),
          (error) => this.#handlerSettled(error, true),
        ];
        result.then(this.#settled[0], this.#settled[1]);
        return;
      }
      this.#respond(request, response, closes);
    }
    if (this.#queue.length === 0 && !this.#busy) this.#becameIdle();
  }

  #handlerSettled(error: unknown, failed: boolean): void {
    this.#busy = false;
    const request = this.#request!;
    const response = this.#response!;
    if (this.#destroyed) return;
    const closes = failed && this.#failed(error, request, response);
    this.#batch = [];
    this.#respond(request, response, closes);
    if (!this.#busy) this.#drain();
    this.#flush();
  }

  /** Turns the failure into the response; true if the error demands closing after it. */
  #failed(error: unknown, request: WireRequest, response: WireResponse<unknown>): boolean {
    this.#handler.handleError(error, request, response);
    return error instanceof HttpError && error.close;
  }

  #respond(request: WireRequest, response: WireResponse<unknown>, closes: boolean): void {
    if (response.upgrade !== undefined && this.#upgraded(request, response)) return;
    const status = response.status;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      this.#handler.handleError(
        new TypeError(`Invalid response status ${String(status)}: use an integer from 200 to 599`),
        request,
        response,
      );
    }
    const head = request.head;
    let keepAlive =
      head.keepAlive &&
      !closes &&
      // Requests queued behind this one still get their keep-alive answers.
      !(this.#lastRequest && this.#queue.length === 1) &&
      !this.#owner.closing &&
      !this.#endAfterFlush;
    const body = request.bodyStream;
    if (body !== undefined && !body.complete && !body.discarding) {
      // An unread body: a client still waiting for 100 Continue never sent it, and a failed one
      // (over the limit, broken framing) will not end cleanly, so both close; otherwise the rest
      // is read and dropped, up to maxDiscardBytes, to keep the connection.
      if (body.failed || (head.expectContinue && !body.started)) keepAlive = false;
      else body.discard();
    }
    if (keepAlive) {
      const connection = response.headersIfAny?.get("connection");
      if (connection !== undefined && /(?:^|,)\s*close\s*(?:,|$)/i.test(connection))
        keepAlive = false;
    }
    this.#writeResponse(request, response, keepAlive);
  }

  #writeResponse(request: WireRequest, response: WireResponse<unknown>, keepAlive: boolean): void {
    const status = response.status;
    const headers = response.headersIfAny;
    const isHead = request.method === "HEAD";
    const http10 = request.head.versionMinor === 0;
    const payload = response.body;
    let connection = keepAlive
      ? http10
        ? ConnectionHeader.KeepAlive
        : ConnectionHeader.None
      : ConnectionHeader.Close;

    if (statusForbidsBody(status)) {
      this.#emitHead(buildHead(status, headers, Framing.None, 0, connection), headers);
      this.#discardStream(payload);
      this.#finish(response, keepAlive);
      return;
    }
    if (typeof payload === "string") {
      const length = Buffer.byteLength(payload);
      const text = buildHead(status, headers, Framing.Length, length, connection);
      if (isHead) this.#emitHead(text, headers);
      else if (headers?.nonAscii) {
        this.#emitHead(text, headers);
        this.#write(payload);
      } else this.#write(text + payload);
      this.#finish(response, keepAlive);
      return;
    }
    if (payload === undefined || payload === null || payload instanceof Uint8Array) {
      const length = payload?.byteLength ?? 0;
      this.#emitHead(buildHead(status, headers, Framing.Length, length, connection), headers);
      if (!isHead && length > 0) {
        this.#write(
          Buffer.isBuffer(payload)
            ? payload
            : Buffer.from(payload!.buffer, payload!.byteOffset, length),
        );
      }
      this.#finish(response, keepAlive);
      return;
    }
    if (!isAsyncIterable(payload)) {
      this.#handler.handleError(
        new TypeError(
          "response.body must be a string, a Uint8Array, a stream, an async iterable or null",
        ),
        request,
        response,
      );
      this.#writeResponse(request, response, keepAlive);
      return;
    }
    const declared = Number(headers?.get("content-length") ?? Number.NaN);
    const framing =
      Number.isSafeInteger(declared) && declared >= 0
        ? Framing.Length
        : http10
          ? Framing.Close
          : Framing.Chunked;
    if (framing === Framing.Close) {
      keepAlive = false;
      connection = ConnectionHeader.Close;
    }
    // HEAD gets the Content-Length GET would have, but no chunked or close framing: no body follows.
    const headFraming = isHead && framing !== Framing.Length ? Framing.None : framing;
    this.#emitHead(buildHead(status, headers, headFraming, declared, connection), headers);
    response.headersSent = true;
    if (isHead) {
      this.#discardStream(payload);
      this.#finish(response, keepAlive);
      return;
    }
    this.#busy = true;
    // #pump writes to the socket directly, so the head (and anything before it) goes out first.
    this.#flushBatch(true);
    void this.#pump(request, response, payload, framing, declared, keepAlive);
  }

  /**
   * The handler took the socket over (see upgrade.ts). The request is the last one parsed (the
   * parser holds everything after it), so whatever precedes it is written first, then this
   * connection lets go of the socket for good. False if the response must go out as HTTP.
   */
  #upgraded(request: WireRequest, response: WireResponse<unknown>): boolean {
    const upgrade = response.upgrade!;
    response.upgrade = undefined;
    const host = this.#parser.held ? this.#owner.connectionUpgraded?.(this) : undefined;
    if (host === undefined) {
      const error = this.#parser.held
        ? new Error("This connection cannot be upgraded (no engine behind it)")
        : new Error("response.upgrade was set for a request that did not ask to upgrade");
      this.#handler.handleError(error, request, response);
      return false;
    }
    response.headersSent = true;
    response.finished = true;
    this.#queue.length = 0;
    this.#abortListeners = undefined;
    this.#flushBatch(true);
    const socket = this.#socket;
    const head = this.#parser.takeHeld();
    // Inert from now on: later calls from the read in progress or the sweep change nothing.
    this.#destroyed = true;
    this.#batch = undefined;
    socket[kConnection] = undefined;
    detachSocket(socket, SOCKET_LISTENERS);
    startSession(socket, head, upgrade, host);
    return true;
  }

  #emitHead(text: string, headers: { nonAscii: boolean } | undefined): void {
    this.#write(headers?.nonAscii ? Buffer.from(text, "latin1") : text);
  }

  /** Writes a streamed body with backpressure: waits for 'drain' whenever the socket is full. */
  async #pump(
    request: WireRequest,
    response: WireResponse<unknown>,
    source: AsyncIterable<Uint8Array | string>,
    framing: Framing,
    declared: number,
    keepAlive: boolean,
  ): Promise<void> {
    const socket = this.#socket;
    let sent = 0;
    this.#streaming = source;
    try {
      for await (const chunk of source) {
        if (this.#destroyed) break;
        const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
        if (bytes.byteLength === 0) continue;
        sent += bytes.byteLength;
        if (framing === Framing.Length && sent > declared) {
          throw new Error(
            `The response stream produced more than its Content-Length of ${declared} bytes`,
          );
        }
        let writable: boolean;
        if (framing === Framing.Chunked) {
          socket.cork();
          socket.write(`${bytes.byteLength.toString(16)}\r\n`);
          socket.write(bytes);
          writable = socket.write("\r\n");
          socket.uncork();
        } else {
          writable = socket.write(bytes);
        }
        if (!writable) {
          await this.#waitForDrain();
          // Cut while waiting (send timeout, client gone): stop here, so the loop's exit ends
          // the producer now rather than after it made one more chunk nobody will read.
          if (this.#destroyed) break;
        }
      }
      if (this.#destroyed) return;
      if (framing === Framing.Length && sent !== declared) {
        throw new Error(
          `The response stream ended after ${sent} of its ${declared} bytes (Content-Length)`,
        );
      }
    } catch (error) {
      this.#streaming = undefined;
      this.#busy = false;
      // The head is out: the only honest signal left is to cut the connection, so the client
      // sees a truncated body instead of a complete-looking wrong one. A stream stopped because
      // the client left (or sent FIN, which aborts request.signal) is no server error.
      if (!this.#destroyed && !this.#peerEnded) this.#handler.reportError(error, request);
      this.#socket.destroy();
      return;
    }
    this.#streaming = undefined;
    this.#busy = false;
    this.#batch = [];
    if (framing === Framing.Chunked) this.#write("0\r\n\r\n");
    this.#finish(response, keepAlive);
    this.#drain();
    this.#flush();
  }

  #waitForDrain(): Promise<void> {
    if (this.#destroyed) return Promise.resolve();
    const pending = this.#socket.writableLength;
    return new Promise((resolve) => {
      this.#drainWait = { resolve, pending, progressAt: Date.now() };
    });
  }

  #discardStream(payload: unknown): void {
    const destroyable = payload as { destroy?: () => void } | null | undefined;
    if (typeof destroyable?.destroy === "function") destroyable.destroy();
  }

  #finish(response: WireResponse<unknown>, keepAlive: boolean): void {
    response.headersSent = true;
    response.finished = true;
    this.#queue.shift();
    this.#abortListeners = undefined;
    if (this.#pipelinePaused && this.#queue.length < this.#owner.limits.maxPipelinedRequests) {
      this.#pipelinePaused = false;
      this.resumeBody();
    }
    if (!keepAlive) this.#closeAfterFlush();
    // An upgrade request answered as plain HTTP: the bytes after it are the next requests.
    else if (this.#queue.length === 0 && this.#parser.held) this.#resumeParsing();
  }

  #resumeParsing(): void {
    this.resumeBody();
    this.#parser.resume();
  }

  #becameIdle(): void {
    this.#request = undefined;
    this.#response = undefined;
    this.#idleSince = clock();
    if (this.#pendingError !== undefined) {
      this.#writeProtocolError(this.#pendingError);
      this.#pendingError = undefined;
    } else if (this.#peerEnded || (this.#owner.closing && this.#parser.idle)) {
      this.#closeAfterFlush();
    } else if (this.#lastRequest && this.#parser.done) {
      this.#closeAfterFlush();
    }
  }

  /** Sends an error that belongs to no request (bad head, timeout, overload) and closes. */
  #writeProtocolError(error: HttpError): void {
    this.#handler.reportProtocolError?.(error, bytePreview(this.#parser.failedHead), this);
    this.#write(protocolErrorResponse(error.status, error.message));
    this.#closeAfterFlush();
  }

  #closeAfterFlush(): void {
    this.#endAfterFlush = true;
    // The keep-alive sweep gives the client this long to close its side before destroying.
    this.#idleSince = clock();
    this.#parser.stop();
    // Requests parsed after this point are never answered: the client retries them elsewhere.
    if (!this.#busy) this.#queue.length = 0;
    if (this.#batch === undefined && !this.#busy) this.#endSocket();
  }

  // ---- output -------------------------------------------------------------------------------

  #write(data: Output): void {
    if (this.#destroyed) return;
    if (this.#batch !== undefined) this.#batch.push(data);
    else if (this.#deferred !== undefined) this.#deferred.push(data);
    else this.#socket.write(data);
  }

  #endSocket(): void {
    // Also after a hand-off, when the socket belongs to another protocol. And once only: Node
    // answers end() on an ended socket by building an error with a stack trace, which a client's
    // FIN after a `Connection: close` answer cost every such connection.
    if (this.#destroyed || this.#socket.writableEnded) return;
    if (this.#deferred !== undefined) this.#deferred.push(END_SOCKET);
    else this.#socket.end();
  }

  /** Sends everything one read (or one handler completion) produced, in one write if possible. */
  #flush(): void {
    this.#flushBatch(false);
    this.#batch = undefined;
    if (this.#endAfterFlush && !this.#busy && !this.#destroyed) this.#endSocket();
  }

  /** `now`: write at once, with any deferred output first, instead of maybe deferring. */
  #flushBatch(now: boolean): void {
    const batch = this.#batch;
    if (this.#destroyed) return;
    if (batch !== undefined && batch.length > 0) {
      this.#batch = [];
      if (this.#deferred !== undefined) {
        for (const item of batch) this.#deferred.push(item);
      } else if (now || writeNowOrDefer(this)) {
        this.#send(batch);
        return;
      } else {
        this.#deferred = batch;
        return;
      }
    }
    if (now) this.writeDeferred();
  }

  /** Writes the output held back for this loop iteration (deferred-writes.ts calls it). */
  writeDeferred(): void {
    const deferred = this.#deferred;
    this.#deferred = undefined;
    if (deferred === undefined || this.#destroyed || this.#socket.destroyed) return;
    // Nothing after an end: written at once, a real socket would refuse it too.
    const end = deferred.indexOf(END_SOCKET);
    const output = (end < 0 ? deferred : deferred.slice(0, end)) as Output[];
    if (output.length > 0) this.#send(output);
    if (end >= 0) this.#socket.end();
  }

  #send(batch: Output[]): void {
    const socket = this.#socket;
    if (batch.length === 1) {
      socket.write(batch[0]!);
      return;
    }
    let allText = true;
    for (const item of batch) {
      if (typeof item !== "string") {
        allText = false;
        break;
      }
    }
    if (allText) {
      socket.write(batch.join(""));
      return;
    }
    socket.cork();
    for (const item of batch) socket.write(item);
    socket.uncork();
  }

  // ---- timeouts (called by the listener's sweep) --------------------------------------------

  sweep(now: number): void {
    if (this.#destroyed) return;
    const at = now - EPOCH;
    const timeouts = this.#owner.timeouts;
    const wait = this.#drainWait;
    if (wait !== undefined && timeouts.send > 0) {
      // Progress is any of the waiting output reaching the kernel, not only a full 'drain'.
      const pending = this.#socket.writableLength;
      if (pending < wait.pending) {
        wait.pending = pending;
        wait.progressAt = now;
      } else if (now - wait.progressAt >= timeouts.send) {
        // The head is out and the client takes nothing: cutting the connection is the only
        // answer left; 'close' stops the producer (closed(), and the pump's loop exit).
        this.#socket.destroy();
        return;
      }
    }
    if (
      this.#headStartedAt !== 0 &&
      timeouts.headers > 0 &&
      at - this.#headStartedAt >= timeouts.headers
    ) {
      this.#headStartedAt = 0;
      this.#timedOut("Request header timeout");
      return;
    }
    const body = this.#receivingBody;
    if (
      body !== undefined &&
      this.#pauses === 0 &&
      !(this.#receivingAwaitsContinue && !body.started) &&
      timeouts.body > 0 &&
      at - this.#bodyProgressAt >= timeouts.body
    ) {
      this.#receivingBody = undefined;
      const error = new HttpError(408, "Request body timeout", { close: true });
      if (body.discarding) {
        this.#socket.destroy();
        return;
      }
      body.abort(error);
      this.#lastRequest = true;
      this.#parser.stop();
      return;
    }
    const quiet =
      this.#queue.length === 0 && !this.#busy && (this.#parser.idle || this.#parser.done);
    if (quiet && timeouts.keepAlive > 0 && at - this.#idleSince >= timeouts.keepAlive) {
      if (this.#endAfterFlush) this.#socket.destroy();
      else this.#closeAfterFlush();
    }
  }

  #timedOut(message: string): void {
    const error = new HttpError(408, message, { close: true });
    this.#parser.stop();
    this.#batch = [];
    if (this.#queue.length === 0 && !this.#busy) this.#writeProtocolError(error);
    else this.#pendingError = error;
    this.#flush();
  }

  /** Graceful shutdown: close now if idle, else after the response in progress. */
  shutdown(): void {
    // Stopping the parser too: a request arriving after our FIN must not be answered. A
    // connection yet to send its first request stays: it was accepted for that request, which no
    // client retries on a fresh connection; it is answered with `Connection: close`, or cut by
    // the idle timeout or the shutdown deadline (a reload's old workers hit this on every accept).
    if (!this.#destroyed && this.idle && this.#requestCount > 0) this.#closeAfterFlush();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

export function protocolErrorResponse(status: number, message: string): string {
  const body = `${message}\n`;
  return (
    `HTTP/1.1 ${status} ${statusText(status)}\r\n${dateHeaderLine()}` +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}
