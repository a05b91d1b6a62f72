import { HttpError } from "./http-error.js";

/** What a request body needs from its connection: flow control and `100 Continue`. */
export interface BodyHost {
  /** The handler started reading: send `100 Continue` if the client waits for it. */
  bodyWanted(body: RequestBody): void;
  /** Too much is buffered for a handler that is not reading: stop reading the socket. */
  pauseBody(): void;
  /** The handler caught up. */
  resumeBody(): void;
}

enum BodyState {
  Receiving = 0,
  Complete = 1,
  Failed = 2,
  /** The response is done; whatever still arrives is dropped. */
  Discarding = 3,
}

/**
 * A request body arriving from the socket. It buffers at most `highWaterMark` bytes ahead of the
 * reader, then pauses the socket, so a slow reader slows the client instead of growing memory.
 */
export class RequestBody implements AsyncIterable<Buffer> {
  readonly #host: BodyHost;
  /** The size the framing committed to: Content-Length, or the chunk sizes announced so far. */
  #declaredLength: number;
  readonly #highWaterMark: number;
  #limit: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #received = 0;
  #state = BodyState.Receiving;
  #error: Error | undefined = undefined;
  #wake: (() => void) | undefined = undefined;
  #paused = false;
  #started = false;
  #consumed = false;
  /** bytes() collects the whole body (bounded by the limit), so it never pauses the socket. */
  #collecting = false;
  trailers: readonly string[] = [];

  constructor(host: BodyHost, declaredLength: number, limit: number, highWaterMark: number) {
    this.#host = host;
    this.#declaredLength = declaredLength;
    this.#limit = limit;
    this.#highWaterMark = highWaterMark;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.#received;
  }

  get complete(): boolean {
    return this.#state === BodyState.Complete;
  }

  /** Whether the handler began reading (and so the client was sent `100 Continue` if it asked). */
  get started(): boolean {
    return this.#started;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Changes the size limit; only before reading starts (routes use it to allow big uploads). */
  set limit(bytes: number) {
    if (this.#started) throw new Error("The body limit cannot change once reading has started");
    if (!(bytes >= 0)) throw new RangeError("The body limit must be a number ≥ 0");
    this.#limit = bytes;
  }

  push(chunk: Buffer): void {
    if (this.#state !== BodyState.Receiving) return;
    this.#received += chunk.length;
    // Before reading starts the limit may still be raised (route or hook `bodyLimit`), and
    // #start checks what arrived by then; buffering meanwhile is bounded by the high-water mark.
    if (this.#started && this.#received > this.#limit) {
      this.#fail(tooLarge(this.#limit));
      return;
    }
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    if (this.#buffered > this.#highWaterMark && !this.#paused && !this.#collecting) {
      this.#paused = true;
      this.#host.pauseBody();
    }
    this.#notify();
  }

  /**
   * A chunk-size line announced `bytes` more, so the body is at least `received + bytes` long.
   * Past the limit this is a 413 at once if reading has started (the error is returned so the
   * framing stops there), else when reading starts, as for a Content-Length over the limit: never
   * after waiting for data that cannot fit.
   */
  announce(bytes: number): HttpError | undefined {
    if (this.#state !== BodyState.Receiving) return undefined;
    const total = this.#received + bytes;
    if (total > this.#declaredLength) this.#declaredLength = total;
    if (!this.#started || total <= this.#limit) return undefined;
    const error = tooLarge(this.#limit);
    this.#fail(error);
    return error;
  }

  end(trailers: readonly string[]): void {
    if (this.#state !== BodyState.Receiving) return;
    this.trailers = trailers;
    this.#state = BodyState.Complete;
    this.#notify();
  }

  /** The connection broke or the body can no longer arrive. */
  abort(error: Error): void {
    if (this.#state === BodyState.Receiving) this.#fail(error);
  }

  /** The response is finished: drop buffered and future bytes. */
  discard(): void {
    if (this.#state !== BodyState.Receiving) return;
    this.#state = BodyState.Discarding;
    this.#chunks = [];
    this.#buffered = 0;
    this.#resumeIfPaused();
    this.#notify();
  }

  /** Over the limit, aborted, or broken framing: the body will never complete. */
  get failed(): boolean {
    return this.#state === BodyState.Failed;
  }

  get discarding(): boolean {
    return this.#state === BodyState.Discarding;
  }

  /** The whole body as one Buffer, within the limit. */
  async bytes(): Promise<Buffer> {
    this.#start();
    this.#collecting = true;
    this.#resumeIfPaused();
    while (this.#state === BodyState.Receiving) await this.#wait();
    if (this.#state !== BodyState.Complete) throw this.#failure();
    this.#consumed = true;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#buffered = 0;
    this.#resumeIfPaused();
    if (chunks.length === 1) return chunks[0]!;
    return Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.#start();
    for (;;) {
      if (this.#chunks.length > 0) {
        const chunk = this.#chunks.shift()!;
        this.#buffered -= chunk.length;
        if (this.#buffered <= this.#highWaterMark / 2) this.#resumeIfPaused();
        yield chunk;
        continue;
      }
      if (this.#state === BodyState.Complete) {
        this.#consumed = true;
        return;
      }
      if (this.#state !== BodyState.Receiving) throw this.#failure();
      await this.#wait();
    }
  }

  #start(): void {
    if (this.#started) {
      if (this.#consumed) {
        throw new Error("The request body was already read: read it once and keep the result");
      }
      return;
    }
    this.#started = true;
    if (this.#declaredLength > this.#limit) {
      this.#fail(tooLarge(this.#limit));
      return;
    }
    this.#host.bodyWanted(this);
  }

  /**
   * Why the body cannot be read. Made on demand for a discarded body: most handlers that ignore a
   * body never ask, and an Error (with its stack) costs more than the rest of such a request.
   */
  #failure(): Error {
    this.#error ??= new Error(
      "The response was already sent; the request body is no longer available",
    );
    return this.#error;
  }

  #fail(error: Error): void {
    this.#state = BodyState.Failed;
    this.#error = error;
    this.#chunks = [];
    this.#buffered = 0;
    this.#resumeIfPaused();
    this.#notify();
  }

  #resumeIfPaused(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#host.resumeBody();
    }
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake !== undefined) {
      this.#wake = undefined;
      wake();
    }
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body larger than the limit of ${limit} bytes`, {
    close: true,
  });
}
