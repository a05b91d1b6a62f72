import { HttpError } from "../../wire/http-error.js";

/**
 * The byte-level state machine of a multipart body (RFC 2046 §5.1.1). It pulls from the source only
 * when asked for more, so a slow consumer slows the upload instead of filling memory, and it holds
 * back at most one delimiter's length of part data (a possible delimiter prefix) between chunks.
 */

const CR = 0x0d;
const LF = 0x0a;
const DASH = 0x2d;
const SP = 0x20;
const HTAB = 0x09;
const HEADER_END = Buffer.from("\r\n\r\n", "latin1");
const EMPTY = Buffer.alloc(0);

type State = "data" | "after-delimiter" | "head" | "done";

export class MultipartReader {
  private readonly delimiter: Buffer;
  /** Unconsumed bytes are `buffer[start, end)`; beyond `end` is spare capacity when `owned`. */
  private buffer: Buffer;
  private start = 0;
  private end: number;
  private owned = false;
  private state: State = "data";
  private sourceDone = false;
  private closed = false;
  private busy = false;
  private failure: unknown;
  private totalBytes = 0;
  private headScanFrom = 0;
  private partBytes = 0;
  private partLimit = Number.POSITIVE_INFINITY;
  private partLimitError: () => HttpError = () => new HttpError(413);

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    boundary: string,
    private readonly maxTotalBytes: number,
    private readonly maxHeaderBytes: number,
  ) {
    this.delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
    // A virtual CRLF before the body makes a boundary on the very first line look like any other
    // delimiter, so the preamble is just part data that nobody reads.
    this.buffer = Buffer.from("\r\n", "latin1");
    this.end = 2;
  }

  /** Discards the preamble up to and including the first delimiter. */
  skipPreamble(): Promise<void> {
    return this.guard(async () => {
      while ((await this.readData()) !== null);
    });
  }

  /** After a delimiter: true when a part follows, false on the close delimiter. */
  nextPartFollows(): Promise<boolean> {
    return this.guard(async () => {
      await this.need(2);
      if (this.buffer[this.start] === DASH && this.buffer[this.start + 1] === DASH) {
        this.state = "done";
        return false;
      }
      for (;;) {
        while (this.start < this.end && isPadding(this.buffer[this.start]!)) this.start++;
        await this.need(2);
        if (!isPadding(this.buffer[this.start]!)) break;
      }
      if (this.buffer[this.start] !== CR || this.buffer[this.start + 1] !== LF) {
        throw new HttpError(400, "Unexpected bytes after a multipart boundary (expected CRLF)");
      }
      this.start += 2;
      this.state = "head";
      this.headScanFrom = 0;
      return true;
    });
  }

  /** The raw header block of the next part, without its terminating blank line. */
  readHead(): Promise<Buffer> {
    return this.guard(async () => {
      for (;;) {
        const pending = this.end - this.start;
        if (pending >= 2) {
          if (this.buffer[this.start] === CR && this.buffer[this.start + 1] === LF) {
            this.start += 2;
            return this.enterData(EMPTY);
          }
          const found = this.buffer.indexOf(HEADER_END, this.start + this.headScanFrom);
          if (found !== -1 && found + 4 <= this.end) {
            if (found - this.start > this.maxHeaderBytes) throw this.headerTooLarge();
            const head = this.buffer.subarray(this.start, found);
            this.start = found + 4;
            return this.enterData(head);
          }
          // The terminator may straddle the next chunk; never rescan bytes already ruled out.
          this.headScanFrom = Math.max(0, pending - 3);
          if (pending - 3 > this.maxHeaderBytes) throw this.headerTooLarge();
        }
        if (!(await this.pull())) throw truncated();
      }
    });
  }

  /** Sets the size limit of the part whose data comes next. */
  limitPart(limit: number, error: () => HttpError): void {
    this.partBytes = 0;
    this.partLimit = limit;
    this.partLimitError = error;
  }

  /** The next piece of the current part's data, or null once its closing delimiter is reached. */
  nextChunk(): Promise<Buffer | null> {
    return this.guard(() => this.readData());
  }

  /** Reads and drops the rest of the current part. */
  discardPart(): Promise<void> {
    return this.guard(async () => {
      while ((await this.readData()) !== null);
    });
  }

  /** Lets the source release its resources; the parser reads nothing more. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.state = "done";
    if (this.sourceDone) return;
    this.sourceDone = true;
    try {
      await this.source.return?.();
    } catch {
      // The source failing to clean up must not hide the parse result or error.
    }
  }

  private async readData(): Promise<Buffer | null> {
    const delimiter = this.delimiter;
    for (;;) {
      if (this.state !== "data") return null;
      const found = this.buffer.indexOf(delimiter, this.start);
      if (found !== -1 && found + delimiter.length <= this.end) {
        const data = this.buffer.subarray(this.start, found);
        this.start = found + delimiter.length;
        this.state = "after-delimiter";
        if (data.length === 0) return null;
        this.count(data.length);
        return data;
      }
      const keepFrom = this.possibleDelimiterStart();
      if (keepFrom > this.start) {
        const data = this.buffer.subarray(this.start, keepFrom);
        this.start = keepFrom;
        this.count(data.length);
        return data;
      }
      if (!(await this.pull())) throw truncated();
    }
  }

  /** Where a delimiter could begin that the next chunk might complete (`end` when nowhere). */
  private possibleDelimiterStart(): number {
    const delimiter = this.delimiter;
    let candidate = Math.max(this.start, this.end - delimiter.length + 1);
    for (;;) {
      candidate = this.buffer.indexOf(CR, candidate);
      if (candidate === -1 || candidate >= this.end) return this.end;
      const length = this.end - candidate;
      if (this.buffer.compare(delimiter, 0, length, candidate, this.end) === 0) return candidate;
      candidate++;
    }
  }

  private count(length: number): void {
    this.partBytes += length;
    if (this.partBytes > this.partLimit) throw this.partLimitError();
  }

  private enterData(head: Buffer): Buffer {
    this.state = "data";
    return head;
  }

  private async need(length: number): Promise<void> {
    while (this.end - this.start < length) {
      if (!(await this.pull())) throw truncated();
    }
  }

  /** Appends the next source chunk; false at the end of the source. */
  private async pull(): Promise<boolean> {
    if (this.sourceDone) return false;
    const result = await this.source.next();
    if (result.done) {
      this.sourceDone = true;
      return false;
    }
    const value: unknown = result.value;
    if (!(value instanceof Uint8Array)) {
      throw new TypeError("A multipart source must yield Uint8Array (or Buffer) chunks");
    }
    this.totalBytes += value.length;
    if (this.totalBytes > this.maxTotalBytes) {
      throw new HttpError(
        413,
        `Multipart body is larger than ${this.maxTotalBytes} bytes (maxTotalBytes)`,
      );
    }
    if (value.length > 0) this.append(value);
    return true;
  }

  private append(value: Uint8Array): void {
    const chunk = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const pending = this.end - this.start;
    if (pending === 0) {
      this.buffer = chunk;
      this.start = 0;
      this.end = chunk.length;
      this.owned = false;
    } else if (this.owned && this.buffer.length - this.end >= chunk.length) {
      // Only bytes past `end` are written: slices already handed to the consumer stay intact.
      chunk.copy(this.buffer, this.end);
      this.end += chunk.length;
    } else {
      // Doubling keeps a header block arriving one byte at a time linear rather than quadratic.
      const grown = Buffer.allocUnsafe(Math.max(pending + chunk.length, pending * 2, 256));
      this.buffer.copy(grown, 0, this.start, this.end);
      chunk.copy(grown, pending);
      this.buffer = grown;
      this.start = 0;
      this.end = pending + chunk.length;
      this.owned = true;
    }
  }

  private headerTooLarge(): HttpError {
    return new HttpError(
      413,
      `Multipart part headers are larger than ${this.maxHeaderBytes} bytes (maxPartHeaderBytes)`,
    );
  }

  /** One operation at a time, and once failed always failed: a half-parsed body has no next part. */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.failure !== undefined) throw this.failure;
    if (this.closed) throw new Error("The multipart parser is closed; it cannot read any more");
    if (this.busy) {
      throw new Error(
        "Multipart parts must be read one at a time, in order (a read is in progress)",
      );
    }
    this.busy = true;
    try {
      return await operation();
    } catch (error) {
      this.failure = error;
      throw error;
    } finally {
      this.busy = false;
    }
  }
}

function isPadding(byte: number): boolean {
  return byte === SP || byte === HTAB;
}

function truncated(): HttpError {
  return new HttpError(400, "Multipart body ended before its closing boundary");
}
