import { CR, HEX_VALUE, HTAB, LF, latin1, NEVER_IN_HEAD, SP, TOKEN } from "./chars.js";
import { parseFieldLines, parseHead, type RequestHead } from "./head.js";
import { RequestHeaders } from "./headers.js";
import { HttpError } from "./http-error.js";

/**
 * An incremental HTTP/1.1 request parser (RFC 9112). Bytes go in through `execute` in whatever
 * pieces the socket delivers; the same bytes split any other way give the same calls on the sink.
 * It never buffers a body: body bytes are handed on as views of the input. Heads keep views of
 * the input too (RequestHeaders), except heads split across reads, which are copied.
 */

export interface ParserLimits {
  /** Longest request-line, CRLF included. Over it: 414. */
  maxRequestLineBytes: number;
  /** Largest header section, request-line included. Over it: 431. */
  maxHeaderBytes: number;
  /** Most header fields. Over it: 431. */
  maxHeaderCount: number;
  /** Longest chunk extension (everything between the chunk size and its CRLF). Over it: 400. */
  maxChunkExtensionBytes: number;
  /** Largest trailer section. Over it: 431. */
  maxTrailerBytes: number;
  /** Accept a bare LF as a line ending (RFC 9112 §2.2 allows it; smuggling defences reject it). */
  allowBareLf: boolean;
}

export const DEFAULT_PARSER_LIMITS: Readonly<ParserLimits> = Object.freeze({
  maxRequestLineBytes: 8 * 1024,
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxChunkExtensionBytes: 1024,
  maxTrailerBytes: 8 * 1024,
  allowBareLf: false,
});

export interface ParserSink {
  /** A complete request head; body bytes (if any) follow through `onBody`. */
  onHead(head: RequestHead): void;
  /**
   * Body bytes, de-chunked: a view of the input, so a sink that keeps them must copy them if the
   * input's memory is reused (the connection does, for the shared read buffer).
   */
  onBody(bytes: Buffer): void;
  /** The body is complete; `trailers` is a flat name/value list, empty without trailers. */
  onComplete(trailers: readonly string[]): void;
  /** The input is not a valid request; the parser ignores every later byte. */
  onError(error: HttpError): void;
  /**
   * A chunk-size line announced `size` (> 0) more body bytes, before any of them arrive. Returning
   * an HttpError refuses the chunk (e.g. 413: the body would pass its limit): the parser fails
   * with it, as with broken framing.
   */
  onChunkSize?(size: number): HttpError | undefined;
}

enum State {
  Head = 0,
  Body = 1,
  ChunkSize = 2,
  ChunkExtension = 4,
  ChunkSizeLf = 5,
  ChunkData = 6,
  ChunkDataCr = 7,
  ChunkDataLf = 8,
  Trailers = 9,
  /** After an error or a request that ends the connection: every later byte is ignored. */
  Done = 10,
  /**
   * After the message of a request that asks to upgrade: later bytes are kept, unparsed, until
   * its answer says whether they are HTTP (`resume`) or the new protocol's (`takeHeld`).
   */
  Held = 11,
}

/** 2^53 / 16: one more hex digit past this would lose precision. */
const CHUNK_SIZE_GUARD = 2 ** 49;

/** How much of a head that failed `failedHead` keeps: enough to tell what it was. */
export const FAILED_HEAD_BYTES = 64;

const CHUNK_EXTENSION =
  /^(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;

/**
 * The read being parsed and where the head being read starts in it, for `failedHead` only. They
 * matter during one synchronous `execute` (a head continued from an earlier read is in `#pending`),
 * so they live here rather than in every parser: 16 bytes less per idle connection.
 */
const parsing: { input: Buffer | undefined; headOffset: number } = {
  input: undefined,
  headOffset: 0,
};

export class RequestParser {
  readonly limits: ParserLimits;
  #sink: ParserSink;
  #state: State = State.Head;

  /** Bytes of a head (or trailer section) that arrived in earlier reads; `#pendingLength` used. */
  #pending: Buffer | undefined = undefined;
  #pendingLength = 0;
  /** Where the current line starts, counted from the start of the head. */
  #lineStart = 0;
  #lineCount = 0;
  #lastWasCr = false;
  /** Empty lines skipped before a request-line (RFC 9112 §2.2). */
  #leadingBytes = 0;

  #remaining = 0;
  #chunkSizeDigits = 0;
  #extension = "";
  #keepAlive = true;
  #upgrading = false;
  /** Bytes that arrived while held: a copy, as the input may be the shared read buffer. */
  #held: Buffer | undefined = undefined;
  #failedHead: Buffer | undefined = undefined;

  constructor(sink: ParserSink, limits: ParserLimits = DEFAULT_PARSER_LIMITS) {
    this.#sink = sink;
    this.limits = limits;
  }

  /** True once the parser will accept no more requests (after an error or a closing request). */
  get done(): boolean {
    return this.#state === State.Done;
  }

  /** True between requests, with no partial request buffered. */
  get idle(): boolean {
    return this.#state === State.Head && this.#pendingLength === 0 && this.#leadingBytes === 0;
  }

  /** True while a head is partly received. */
  get inHead(): boolean {
    return this.#state === State.Head && (this.#pendingLength > 0 || this.#leadingBytes > 0);
  }

  /** True after an upgrade request's message, until `resume` or `takeHeld`. */
  get held(): boolean {
    return this.#state === State.Held;
  }

  /**
   * After an error in a request head: a copy of its first bytes (at most FAILED_HEAD_BYTES), so a
   * log can say what arrived. Undefined after any other error and while parsing goes on.
   */
  get failedHead(): Buffer | undefined {
    return this.#failedHead;
  }

  /** Stops parsing: later bytes are ignored (used when the connection is closing). */
  stop(): void {
    this.#state = State.Done;
    this.#pending = undefined;
    this.#held = undefined;
  }

  /** The upgrade was declined: parse what arrived meanwhile as the next requests. */
  resume(): void {
    if (this.#state !== State.Held) return;
    const held = this.#held;
    this.#held = undefined;
    this.#state = this.#keepAlive ? State.Head : State.Done;
    if (held !== undefined) this.execute(held);
  }

  /** The upgrade was taken: the bytes after the request belong to the new protocol. */
  takeHeld(): Buffer {
    const held = this.#held ?? EMPTY;
    this.stop();
    return held;
  }

  execute(input: Buffer): void {
    let position = 0;
    const length = input.length;
    parsing.input = input;
    while (position < length) {
      switch (this.#state) {
        case State.Head:
        case State.Trailers:
          position = this.#readLines(input, position);
          break;
        case State.Body:
          position = this.#readBody(input, position);
          break;
        case State.ChunkData:
          position = this.#readChunkData(input, position);
          break;
        case State.Done:
          position = length;
          break;
        case State.Held:
          this.#hold(input, position);
          position = length;
          break;
        default:
          position = this.#readChunkFraming(input, position);
      }
    }
    // A read from a TLS socket is its own buffer: nothing may keep it alive after the parse.
    parsing.input = undefined;
  }

  #hold(input: Buffer, position: number): void {
    const bytes = input.subarray(position);
    this.#held = this.#held === undefined ? Buffer.from(bytes) : Buffer.concat([this.#held, bytes]);
  }

  /** `head`: the bytes of a whole head that failed to parse, if they are no longer in `#pending`. */
  #fail(status: number, message: string, head?: Buffer): number {
    if (this.#state === State.Head) this.#failedHead = head ?? this.#headSoFar();
    this.#state = State.Done;
    this.#pending = undefined;
    this.#sink.onError(new HttpError(status, message, { close: true }));
    return Number.MAX_SAFE_INTEGER;
  }

  /** The start of the head being read: what earlier reads left in `#pending`, then this read's. */
  #headSoFar(): Buffer {
    const pending = this.#pending?.subarray(0, Math.min(this.#pendingLength, FAILED_HEAD_BYTES));
    const input = parsing.input ?? Buffer.alloc(0);
    const rest = FAILED_HEAD_BYTES - (pending?.length ?? 0);
    // A head continued from earlier reads goes on at the start of this one.
    const from = this.#pendingLength > 0 ? 0 : parsing.headOffset;
    const fresh = input.subarray(from, from + rest);
    // Copies: the read may be the shared buffer, which the next read overwrites.
    return Buffer.concat(pending === undefined ? [fresh] : [pending, fresh]);
  }

  /**
   * Finds the end of a head or trailer section: scans for LF with indexOf (native speed), checks
   * each line ending and the limits, and parses the section once it is whole.
   */
  #readLines(input: Buffer, position: number): number {
    const isHead = this.#state === State.Head;
    const limits = this.limits;
    if (isHead && this.#pendingLength === 0) {
      parsing.headOffset = position;
      position = this.#skipLeadingEmptyLines(input, position);
      if (position >= input.length || this.#state === State.Done) return position;
    }
    const sectionStart = position - this.#pendingLength;
    let lineLimit = this.#lineLimit(isHead);
    let lineFeed = input.indexOf(LF, position);
    while (lineFeed !== -1) {
      const offset = lineFeed - sectionStart;
      // A byte before this LF was already over the limit: that is what byte-by-byte input reports.
      if (offset > lineLimit) return this.#overLimit(isHead, input, position, sectionStart);
      const crBefore = lineFeed > position ? input[lineFeed - 1] === CR : this.#lastWasCr;
      if (!crBefore && !limits.allowBareLf) return this.#fail(400, "Bare LF line ending");
      if (offset === lineLimit) return this.#overLimit(isHead, input, position, sectionStart);
      if (offset - this.#lineStart + 1 === (crBefore ? 2 : 1)) {
        return this.#sectionComplete(input, position, lineFeed);
      }
      this.#lineCount++;
      if (this.#lineCount > limits.maxHeaderCount + (isHead ? 1 : 0)) {
        if (this.#invalidByte(input, position, lineFeed, isHead)) return this.#invalid();
        return this.#fail(431, isHead ? "Too many header fields" : "Too many trailer fields");
      }
      this.#lineStart = offset + 1;
      if (this.#lineCount === 1) lineLimit = this.#lineLimit(isHead);
      lineFeed = input.indexOf(LF, lineFeed + 1);
    }
    if (input.length - sectionStart > lineLimit) {
      return this.#overLimit(isHead, input, position, sectionStart);
    }
    // An unfinished section: a byte that can never be part of one is refused now, not when the
    // header timeout ends the wait. Only split sections pay for this scan; whole ones are
    // checked field by field when parsed, which refuses the same bytes (with 400 too).
    if (this.#invalidByte(input, position, input.length, isHead)) return this.#invalid();
    this.#lastWasCr = input[input.length - 1] === CR;
    this.#appendPending(input, position, input.length);
    return input.length;
  }

  /**
   * Whether `input[from, to)`, the new bytes of the section being read, holds a byte that makes
   * it invalid whatever follows: a control byte (NUL…), a CR followed by anything but LF, or a
   * request-line that does not start with a method character (e.g. `{` or NUL after a request).
   */
  #invalidByte(input: Buffer, from: number, to: number, isHead: boolean): boolean {
    if (from >= to) return false;
    if (this.#pendingLength === 0) {
      if (isHead && TOKEN[input[from]!] !== 1) return true;
    } else if (this.#lastWasCr && input[from] !== LF) {
      return true;
    }
    for (let index = from; index < to; index++) {
      const byte = input[index]!;
      if (NEVER_IN_HEAD[byte] === 1) return true;
      if (byte === CR && index + 1 < to && input[index + 1] !== LF) return true;
    }
    return false;
  }

  #invalid(): number {
    return this.#fail(400, "Invalid byte in the request head");
  }

  /**
   * The section offset the current line's LF must come before. The request-line has its own
   * limit (414) inside the section's (431); whichever is smaller is reached first.
   */
  #lineLimit(isHead: boolean): number {
    const limits = this.limits;
    if (!isHead) return limits.maxTrailerBytes;
    if (this.#lineCount > 0) return limits.maxHeaderBytes;
    return Math.min(limits.maxRequestLineBytes, limits.maxHeaderBytes);
  }

  /**
   * The line being read passed its limit at section offset `#lineLimit`. The bytes before that
   * point decide first: one that is invalid anyway is a 400, as it is when the same bytes arrive
   * one at a time; a request-line without a space yet is a method longer than any this server
   * implements (RFC 9112 §3: 501), not a long target (414).
   */
  #overLimit(isHead: boolean, input: Buffer, position: number, sectionStart: number): number {
    const limits = this.limits;
    const limitAt = sectionStart + this.#lineLimit(isHead);
    if (this.#invalidByte(input, position, Math.min(limitAt, input.length), isHead)) {
      return this.#invalid();
    }
    if (isHead && this.#lineCount === 0) {
      const method = this.#methodEnd(input, position, limitAt);
      if (method !== SP) {
        return method === -1
          ? this.#fail(501, "Method too long: not implemented")
          : this.#fail(400, "Malformed request-line: method");
      }
      if (limits.maxRequestLineBytes <= limits.maxHeaderBytes) {
        return this.#fail(414, "Request-line too long");
      }
    }
    return this.#tooLarge(isHead);
  }

  /**
   * The first byte of the request-line before `limitAt` that is not a method character (SP if
   * the method ended properly), or -1 if the method runs up to the limit.
   */
  #methodEnd(input: Buffer, position: number, limitAt: number): number {
    const pending = this.#pending;
    for (let index = 0; index < this.#pendingLength; index++) {
      const byte = pending![index]!;
      if (TOKEN[byte] !== 1) return byte;
    }
    const end = Math.min(limitAt, input.length);
    for (let index = position; index < end; index++) {
      const byte = input[index]!;
      if (TOKEN[byte] !== 1) return byte;
    }
    return -1;
  }

  #tooLarge(isHead: boolean): number {
    return this.#fail(431, isHead ? "Header section too large" : "Trailer section too large");
  }

  #skipLeadingEmptyLines(input: Buffer, position: number): number {
    while (position < input.length) {
      const byte = input[position]!;
      if (byte === CR && !this.#lastWasCr) {
        this.#lastWasCr = true;
      } else if (byte === LF && (this.#lastWasCr || this.limits.allowBareLf)) {
        this.#lastWasCr = false;
      } else if (this.#lastWasCr || byte === LF) {
        return this.#fail(400, "Malformed empty line before request-line");
      } else {
        return position;
      }
      position++;
      if (++this.#leadingBytes > this.limits.maxHeaderBytes) return this.#tooLarge(true);
    }
    return position;
  }

  #appendPending(input: Buffer, start: number, end: number): void {
    const needed = this.#pendingLength + (end - start);
    if (this.#pending === undefined || this.#pending.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * (this.#pending?.length ?? 256)));
      if (this.#pending !== undefined) this.#pending.copy(grown, 0, 0, this.#pendingLength);
      this.#pending = grown;
    }
    input.copy(this.#pending, this.#pendingLength, start, end);
    this.#pendingLength = needed;
  }

  #sectionComplete(input: Buffer, position: number, lineFeed: number): number {
    let source = input;
    let start = position;
    let end = lineFeed + 1;
    if (this.#pendingLength > 0) {
      this.#appendPending(input, position, end);
      source = this.#pending!;
      start = 0;
      end = this.#pendingLength;
      // The head keeps views into this buffer, so the next head gets a fresh one.
      this.#pending = undefined;
    }
    this.#pendingLength = 0;
    this.#lineStart = 0;
    this.#lineCount = 0;
    this.#lastWasCr = false;
    this.#leadingBytes = 0;
    const next = lineFeed + 1;
    if (this.#state === State.Trailers) {
      const trailers = parseTrailers(source, start, end);
      if (trailers instanceof HttpError) return this.#fail(trailers.status, trailers.message);
      this.#finishMessage(trailers);
      return next;
    }
    const head = parseHead(source, start, end);
    if (head instanceof HttpError) {
      const failed = source.subarray(start, Math.min(end, start + FAILED_HEAD_BYTES));
      return this.#fail(head.status, head.message, Buffer.from(failed));
    }
    this.#keepAlive = head.keepAlive;
    this.#upgrading = head.upgrade !== undefined;
    this.#sink.onHead(head);
    if (this.#state === State.Done) return next;
    if (head.chunked) {
      this.#beginChunk();
    } else if (head.contentLength > 0) {
      this.#state = State.Body;
      this.#remaining = head.contentLength;
    } else {
      this.#finishMessage(NO_TRAILERS);
    }
    return next;
  }

  #finishMessage(trailers: readonly string[]): void {
    this.#state = this.#upgrading ? State.Held : this.#keepAlive ? State.Head : State.Done;
    this.#sink.onComplete(trailers);
  }

  #readBody(input: Buffer, position: number): number {
    const available = input.length - position;
    if (available < this.#remaining) {
      this.#remaining -= available;
      this.#sink.onBody(position === 0 ? input : input.subarray(position));
      return input.length;
    }
    const end = position + this.#remaining;
    this.#remaining = 0;
    this.#sink.onBody(input.subarray(position, end));
    if (this.#state === State.Body) this.#finishMessage(NO_TRAILERS);
    return end;
  }

  #beginChunk(): void {
    this.#state = State.ChunkSize;
    this.#remaining = 0;
    this.#chunkSizeDigits = 0;
    this.#extension = "";
  }

  #readChunkData(input: Buffer, position: number): number {
    const available = input.length - position;
    const take = Math.min(available, this.#remaining);
    this.#remaining -= take;
    this.#sink.onBody(input.subarray(position, position + take));
    if (this.#remaining === 0 && this.#state === State.ChunkData) this.#state = State.ChunkDataCr;
    return position + take;
  }

  /** Chunk-size lines and the CRLF after chunk data, one byte at a time (they are short). */
  #readChunkFraming(input: Buffer, position: number): number {
    const byte = input[position]!;
    switch (this.#state) {
      case State.ChunkSize: {
        const digit = HEX_VALUE[byte]!;
        if (digit !== 255) {
          if (this.#remaining >= CHUNK_SIZE_GUARD) return this.#fail(400, "Chunk size too large");
          this.#remaining = this.#remaining * 16 + digit;
          if (++this.#chunkSizeDigits > 64) return this.#fail(400, "Chunk size too long");
          return position + 1;
        }
        if (this.#chunkSizeDigits === 0) return this.#fail(400, "Invalid chunk size");
        if (byte === CR) this.#state = State.ChunkSizeLf;
        else if (byte === 0x3b || byte === SP || byte === HTAB) {
          this.#state = State.ChunkExtension;
          return this.#readChunkExtension(input, position);
        } else return this.#fail(400, "Invalid chunk size");
        return position + 1;
      }
      case State.ChunkExtension:
        return this.#readChunkExtension(input, position);
      case State.ChunkSizeLf:
        if (byte !== LF) return this.#fail(400, "Chunk size line must end with CRLF");
        if (this.#remaining === 0) {
          this.#state = State.Trailers;
        } else {
          const refusal = this.#sink.onChunkSize?.(this.#remaining);
          if (refusal !== undefined) return this.#fail(refusal.status, refusal.message);
          if (this.#state === State.ChunkSizeLf) this.#state = State.ChunkData;
        }
        return position + 1;
      case State.ChunkDataCr:
        if (byte !== CR) return this.#fail(400, "Chunk data must be followed by CRLF");
        this.#state = State.ChunkDataLf;
        return position + 1;
      case State.ChunkDataLf:
        if (byte !== LF) return this.#fail(400, "Chunk data must be followed by CRLF");
        this.#beginChunk();
        return position + 1;
      default:
        return this.#fail(500, "Parser in an impossible state");
    }
  }

  #readChunkExtension(input: Buffer, position: number): number {
    // Bounded by the limit: a byte loop here cannot run long, and it sees a bare LF at once.
    const budget = this.limits.maxChunkExtensionBytes - this.#extension.length;
    const length = input.length;
    let cursor = position;
    while (cursor < length) {
      const byte = input[cursor]!;
      if (byte === CR) break;
      if (byte === LF) return this.#fail(400, "Chunk size line must end with CRLF");
      if (cursor - position >= budget) return this.#fail(400, "Chunk extension too long");
      cursor++;
    }
    this.#extension += latin1(input, position, cursor);
    if (cursor === length) return length;
    if (!CHUNK_EXTENSION.test(this.#extension)) return this.#fail(400, "Malformed chunk extension");
    this.#state = State.ChunkSizeLf;
    return cursor + 1;
  }
}

const NO_TRAILERS: readonly string[] = Object.freeze([]);
const EMPTY = Buffer.alloc(0);

function parseTrailers(source: Buffer, start: number, end: number): readonly string[] | HttpError {
  if (end - start <= 2) return NO_TRAILERS;
  const offsets: number[] = [];
  const error = parseFieldLines(source, start, end, offsets);
  if (error !== undefined) return error;
  return new RequestHeaders(source, offsets).raw;
}
