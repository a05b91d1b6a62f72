import zlib from "node:zlib";

/**
 * permessage-deflate (RFC 7692): negotiation, and compression with bounded memory.
 *
 * Outgoing messages are compressed without context takeover (the response always carries
 * `server_no_context_takeover`): each message is a stateless deflate of its own, done in one
 * synchronous call, so no socket keeps a compressor between messages and a published message is
 * compressed once for every subscriber. Incoming messages are inflated through zlib streams on
 * the thread pool as their frames arrive (so bad UTF-8 inside is seen early), at most
 * `maxConcurrentJobs()` at once in the whole process: unbounded zlib concurrency is what ran
 * servers out of memory elsewhere. With `client_no_context_takeover` (the default) a socket holds
 * an inflater only while a compressed message is arriving.
 */

export interface DeflateOptions {
  /** Ask clients not to keep context between messages: memory per socket stays bounded. Default true. */
  clientNoContextTakeover: boolean;
  /** Largest window (2^bits) our compressor uses, 9–15. Default 12 (4 KiB). */
  serverMaxWindowBits: number;
  /** Largest window clients may use, 8–15, if they allow us to choose. Default 15. */
  clientMaxWindowBits: number;
  /** Messages shorter than this go uncompressed unless `send(…, { compress: true })`. Default 1024. */
  threshold: number;
  /** zlib compression level 0–9. Default 1: most of the gain for a fraction of the time. */
  level: number;
}

export const DEFAULT_DEFLATE: Readonly<DeflateOptions> = Object.freeze({
  clientNoContextTakeover: true,
  serverMaxWindowBits: 12,
  clientMaxWindowBits: 15,
  threshold: 1024,
  level: 1,
});

/** What was agreed with one client. */
export interface DeflateAgreement {
  /** The Sec-WebSocket-Extensions response value. */
  readonly header: string;
  readonly serverWindowBits: number;
  /** The client keeps no context: inflate each message on its own. */
  readonly clientNoContextTakeover: boolean;
  readonly level: number;
  readonly threshold: number;
}

type Params = Map<string, string | true>;

/**
 * Parses a Sec-WebSocket-Extensions value (RFC 6455 §9.1) into offers; undefined if malformed
 * (the caller refuses the handshake with 400).
 */
export function parseExtensions(value: string): Array<[string, Params]> | undefined {
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const offers: Array<[string, Params]> = [];
  // Quoted values here are tokens too (§9.1), so commas and semicolons never hide inside one.
  for (const offer of value.split(",")) {
    const parts = offer.split(";").map((part) => part.trim());
    const name = parts[0]!;
    if (!TOKEN.test(name)) return undefined;
    const params: Params = new Map();
    for (const part of parts.slice(1)) {
      const equals = part.indexOf("=");
      const key = (equals === -1 ? part : part.slice(0, equals)).trim();
      if (!TOKEN.test(key)) return undefined;
      let parameter: string | true = true;
      if (equals !== -1) {
        parameter = part.slice(equals + 1).trim();
        if (parameter.startsWith('"')) {
          if (parameter.length < 2 || !parameter.endsWith('"')) return undefined;
          parameter = parameter.slice(1, -1);
        }
        if (!TOKEN.test(parameter)) return undefined;
      }
      // A repeated parameter makes the offer invalid (RFC 7692 §7.1): mark it so.
      params.set(key, params.has(key) ? "\u0000duplicate" : parameter);
    }
    offers.push([name.toLowerCase(), params]);
  }
  return offers;
}

function windowBits(value: string | true, allowEmpty: boolean): number | undefined {
  if (value === true) return allowEmpty ? 15 : undefined;
  if (!/^(?:8|9|1[0-5])$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Accepts the first permessage-deflate offer we can honour (RFC 7692 §5, §7.1); undefined when
 * there is none (the connection goes on uncompressed).
 */
export function negotiateDeflate(
  offers: ReadonlyArray<[string, Params]>,
  options: DeflateOptions,
): DeflateAgreement | undefined {
  for (const [name, params] of offers) {
    if (name !== "permessage-deflate") continue;
    let serverBits = options.serverMaxWindowBits;
    let clientBits: number | undefined;
    let clientNoContext = options.clientNoContextTakeover;
    let acceptable = true;
    for (const [key, value] of params) {
      if (value === "\u0000duplicate") acceptable = false;
      else if (key === "server_no_context_takeover") acceptable &&= value === true;
      else if (key === "client_no_context_takeover") {
        acceptable &&= value === true;
        clientNoContext = true;
      } else if (key === "server_max_window_bits") {
        const bits = windowBits(value, false);
        // zlib's raw deflate has no 256-byte window: decline rather than break the limit.
        if (bits === undefined || bits < 9) acceptable = false;
        else serverBits = Math.min(serverBits, bits);
      } else if (key === "client_max_window_bits") {
        const bits = windowBits(value, true);
        if (bits === undefined) acceptable = false;
        else clientBits = Math.min(bits, options.clientMaxWindowBits);
      } else acceptable = false;
    }
    // We may only limit the client's window if it said it can be limited.
    if (!acceptable || (options.clientMaxWindowBits < 15 && clientBits === undefined)) continue;
    let header = "permessage-deflate; server_no_context_takeover";
    if (clientNoContext) header += "; client_no_context_takeover";
    if (serverBits < 15 || params.has("server_max_window_bits")) {
      header += `; server_max_window_bits=${serverBits}`;
    }
    if (clientBits !== undefined && clientBits < 15)
      header += `; client_max_window_bits=${clientBits}`;
    return {
      header,
      serverWindowBits: serverBits,
      clientNoContextTakeover: clientNoContext,
      level: options.level,
      threshold: options.threshold,
    };
  }
  return undefined;
}

/** Compresses one whole message (RFC 7692 §7.2.1): the trailing 00 00 FF FF removed. */
export function deflateMessage(payload: Uint8Array, agreement: DeflateAgreement): Buffer {
  const output = zlib.deflateRawSync(payload, {
    level: agreement.level,
    windowBits: agreement.serverWindowBits,
    memLevel: 8,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  return output.subarray(0, output.length - 4);
}

// ---- the process-wide cap on concurrent inflate jobs -----------------------------------------

let maxJobs = 4;
let running = 0;
const waiting: Array<() => void> = [];

/** Inflate jobs that may run at once in this process (default 4: libuv's thread pool size). */
export function maxConcurrentJobs(): number {
  return maxJobs;
}

export function setMaxConcurrentJobs(jobs: number): void {
  if (!Number.isInteger(jobs) || jobs < 1) {
    throw new RangeError(`The compression job limit must be a whole number ≥ 1, got ${jobs}`);
  }
  maxJobs = jobs;
}

function runJob(job: (done: () => void) => void): void {
  const done = (): void => {
    running--;
    const next = waiting.shift();
    if (next !== undefined) next();
  };
  const start = (): void => {
    running++;
    job(done);
  };
  if (running < maxJobs) start();
  else waiting.push(start);
}

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/**
 * Inflates one socket's compressed messages as their frames arrive. One job at a time per
 * socket (the caller waits for each callback before the next write), so output stays in order.
 */
export class Inflater {
  #stream: zlib.InflateRaw | undefined = undefined;
  readonly #keepContext: boolean;
  #chunks: Buffer[] = [];
  #size = 0;
  #limit = 0;
  #error: Error | undefined = undefined;
  #settle: ((error: Error | undefined) => void) | undefined = undefined;

  constructor(agreement: DeflateAgreement) {
    this.#keepContext = !agreement.clientNoContextTakeover;
  }

  /**
   * Inflates `payload` (and ends the message if `last`); `callback` gets the output, or an error
   * ("too big" when the output would pass `limit` bytes, else the data was not valid deflate).
   */
  write(
    payload: Buffer,
    last: boolean,
    limit: number,
    callback: (error: Error | undefined, output: Buffer[], tooBig: boolean) => void,
  ): void {
    runJob((done) => {
      const stream = this.#open();
      this.#limit = limit;
      // Settles once: on the flush, or on a zlib error (after which no flush callback comes).
      this.#settle = (error) => {
        this.#settle = undefined;
        done();
        const tooBig = this.#size > limit;
        const output = this.#chunks;
        this.#chunks = [];
        this.#size = 0;
        if (error !== undefined || tooBig) this.close();
        else if (last && !this.#keepContext) this.close();
        callback(error, output, tooBig);
      };
      if (payload.length > 0) stream.write(payload);
      if (last) stream.write(TRAILER);
      stream.flush(() => this.#settle?.(this.#error));
    });
  }

  #open(): zlib.InflateRaw {
    if (this.#stream !== undefined) return this.#stream;
    const stream = zlib.createInflateRaw({ windowBits: 15 });
    stream.on("data", (chunk: Buffer) => {
      this.#size += chunk.length;
      // Past the limit nothing more is kept: a decompression bomb cannot fill memory. (Pausing
      // the stream instead would hold back the flush callback that ends the job.)
      if (this.#size <= this.#limit) this.#chunks.push(chunk);
    });
    stream.on("error", (error) => {
      this.#error = error;
      this.#settle?.(error);
    });
    this.#error = undefined;
    this.#stream = stream;
    return stream;
  }

  /** Frees the zlib stream; a job still running ends at once, so its slot is never lost. */
  close(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    this.#error = undefined;
    stream?.close();
    this.#settle?.(new Error("The inflater was closed"));
  }
}
