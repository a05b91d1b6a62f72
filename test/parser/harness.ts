import assert from "node:assert/strict";
import type { RequestHead } from "../../src/wire/head.js";
import { HttpError } from "../../src/wire/http-error.js";
import {
  DEFAULT_PARSER_LIMITS,
  type ParserLimits,
  type ParserSink,
  RequestParser,
} from "../../src/wire/parser.js";

/**
 * Shared vocabulary for the parser tests: the event shape a case expects, builders that keep the
 * tables short, and a runner that feeds the parser any split of the input and records what it says.
 */

export interface HeadEvent {
  method: string;
  target: string;
  version: "1.0" | "1.1";
  /** Flat [name, value, …] in arrival order, names as sent. */
  headers: string[];
  contentLength: number;
  chunked: boolean;
  keepAlive: boolean;
  expectContinue: boolean;
}

export type ParserEvent =
  | { head: HeadEvent }
  | { body: string }
  | { complete: string[] }
  | { error: number };

export interface ParserCase {
  name: string;
  /** A string is taken as latin1: each char is one byte. */
  input: string | Buffer;
  limits?: Partial<ParserLimits>;
  /**
   * The sink refuses (413) a chunk that would take the body past this many bytes, as the engine
   * does for a handler that is reading. Without it the sink accepts any chunk size.
   */
  bodyLimit?: number;
  expect: ParserEvent[];
}

export function head(
  method: string,
  target: string,
  headers: string[],
  overrides: Partial<HeadEvent> = {},
): ParserEvent {
  const version = overrides.version ?? "1.1";
  return {
    head: {
      method,
      target,
      version,
      headers,
      contentLength: -1,
      chunked: false,
      keepAlive: version === "1.1",
      expectContinue: false,
      ...overrides,
    },
  };
}

export const body = (text: string): ParserEvent => ({ body: text });
export const complete = (trailers: string[] = []): ParserEvent => ({ complete: trailers });
export const error = (status: number): ParserEvent => ({ error: status });

/** A request from its lines: CRLF after each line, then the empty line, then `content`. */
export function request(lines: string[], content = ""): string {
  return `${lines.join("\r\n")}\r\n\r\n${content}`;
}

/** `GET / HTTP/1.1` with `Host: a` and the given extra field lines, then `content`. */
export function get(fieldLines: string[] = [], content = ""): string {
  return request(["GET / HTTP/1.1", "Host: a", ...fieldLines], content);
}

/** `POST / HTTP/1.1` with `Host: a` and the given extra field lines, then `content`. */
export function post(fieldLines: string[], content = ""): string {
  return request(["POST / HTTP/1.1", "Host: a", ...fieldLines], content);
}

/** The expected events for a bare `GET / HTTP/1.1` with `Host: a` and no body. */
export const SIMPLE_GET: ParserEvent[] = [head("GET", "/", ["Host", "a"]), complete()];

export function toBuffer(input: string | Buffer): Buffer {
  return typeof input === "string" ? Buffer.from(input, "latin1") : input;
}

function snapshot(parsed: RequestHead): HeadEvent {
  return {
    method: parsed.method,
    target: parsed.target,
    version: parsed.versionMinor === 1 ? "1.1" : "1.0",
    headers: [...parsed.headers.raw],
    contentLength: parsed.contentLength,
    chunked: parsed.chunked,
    keepAlive: parsed.keepAlive,
    expectContinue: parsed.expectContinue,
  };
}

/** Records sink calls as events; consecutive body pieces merge so any split compares equal. */
export class Recorder implements ParserSink {
  readonly events: ParserEvent[] = [];
  /** Body bytes exactly as received, for checks that must not go through latin1 strings. */
  readonly bodies: Buffer[][] = [];
  /** Every onChunkSize call, as [size, body bytes received before it]. */
  readonly chunkSizes: Array<[number, number]> = [];
  readonly bodyLimit: number;
  #received = 0;

  constructor(bodyLimit = Number.POSITIVE_INFINITY) {
    this.bodyLimit = bodyLimit;
  }

  onHead(parsed: RequestHead): void {
    // Snapshot now: the head may keep views into buffers the caller reuses after execute().
    this.events.push({ head: snapshot(parsed) });
    this.bodies.push([]);
    this.#received = 0;
  }

  onBody(bytes: Buffer): void {
    assert.ok(bytes.length > 0, "onBody must not be called with an empty buffer");
    this.#received += bytes.length;
    this.bodies[this.bodies.length - 1]!.push(Buffer.from(bytes));
    const last = this.events[this.events.length - 1];
    const text = bytes.toString("latin1");
    if (last !== undefined && "body" in last) last.body += text;
    else this.events.push({ body: text });
  }

  onComplete(trailers: readonly string[]): void {
    this.events.push({ complete: [...trailers] });
  }

  onChunkSize(size: number): HttpError | undefined {
    assert.ok(Number.isSafeInteger(size) && size > 0, `chunk size ${size}`);
    this.chunkSizes.push([size, this.#received]);
    if (this.#received + size <= this.bodyLimit) return undefined;
    return new HttpError(413, `Request body larger than the limit of ${this.bodyLimit} bytes`, {
      close: true,
    });
  }

  onError(failure: HttpError): void {
    assert.ok(failure instanceof HttpError, "onError must receive an HttpError");
    assert.equal(failure.close, true, "parse errors must close the connection");
    this.events.push({ error: failure.status });
  }
}

export interface ParseRun {
  events: ParserEvent[];
  recorder: Recorder;
  parser: RequestParser;
}

/** Feeds `pieces` in order to a fresh parser. */
export function parsePieces(
  pieces: readonly Buffer[],
  limits?: Partial<ParserLimits>,
  bodyLimit?: number,
): ParseRun {
  const recorder = new Recorder(bodyLimit);
  const parser = new RequestParser(recorder, { ...DEFAULT_PARSER_LIMITS, ...limits });
  for (const piece of pieces) parser.execute(piece);
  return { events: recorder.events, recorder, parser };
}

/** Every split of `input` the table test tries: whole, byte by byte, and each two-piece cut. */
export function* splits(input: Buffer): Generator<{ label: string; pieces: Buffer[] }> {
  yield { label: "whole", pieces: [input] };
  const bytes: Buffer[] = [];
  for (let index = 0; index < input.length; index++) bytes.push(input.subarray(index, index + 1));
  yield { label: "byte by byte", pieces: bytes };
  for (let cut = 1; cut < input.length; cut++) {
    yield { label: `split at ${cut}`, pieces: [input.subarray(0, cut), input.subarray(cut)] };
  }
}

/**
 * The event sequence every run must follow, whatever the input: requests as head, body pieces,
 * complete; at most one error, and nothing after it or after a request that closes.
 */
export function assertWellFormed(run: ParseRun): void {
  const { events, parser } = run;
  let open: HeadEvent | undefined;
  let bodyLength = 0;
  let closing = false;
  for (const event of events) {
    assert.ok(!closing, `event after the connection ended: ${JSON.stringify(event)}`);
    if ("head" in event) {
      assert.equal(open, undefined, "head before the previous request completed");
      open = event.head;
      bodyLength = 0;
      assert.ok(!(open.chunked && open.contentLength !== -1), "both chunked and a length");
    } else if ("body" in event) {
      assert.ok(open !== undefined, "body outside a request");
      bodyLength += event.body.length;
      if (!open.chunked) assert.ok(bodyLength <= open.contentLength, "body beyond its length");
    } else if ("complete" in event) {
      assert.ok(open !== undefined, "complete outside a request");
      if (!open.chunked) {
        assert.equal(event.complete.length, 0, "trailers without chunked framing");
        assert.equal(bodyLength, Math.max(open.contentLength, 0), "body shorter than its length");
      }
      closing = !open.keepAlive;
      open = undefined;
    } else {
      assert.ok([400, 413, 414, 417, 431, 501, 505].includes(event.error), `status ${event.error}`);
      closing = true;
    }
  }
  assert.equal(parser.done, closing, "parser.done must match an error or a closing request");
}
