// The load generator's side of RFC 6455, kept apart from its process so it can be tested: client
// frames built once, and server frames delimited, checked against the one reply the scenarios
// expect and counted, without being copied or decoded.

/** A masked text frame (FIN, opcode 1) with a zero key, so the payload is sent as it is. */
export function textFrame(payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error("textFrame: up to 125 bytes (one-byte length)");
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** `count` copies of `frame` in one buffer (cached): one write for all the messages a read released. */
export function frameBatches(frame: Buffer): (count: number) => Buffer {
  const batches = new Map<number, Buffer>();
  return (count) => {
    let batch = batches.get(count);
    if (batch === undefined) {
      batch = Buffer.concat(Array.from({ length: count }, () => frame));
      batches.set(count, batch);
    }
    return batch;
  };
}

const PONG_EMPTY = Buffer.from([0x8a, 0x80, 0, 0, 0, 0]);
/** Longest run of replies the fast path compares in one call. */
const MAX_FAST_RUN = 64;

/**
 * Splits what the server sends into frames and counts the data messages that end. With `expected`
 * (the exact frame every reply must be: the scenarios send one message over and over), a data
 * frame that differs is counted in `unexpected`, not as a message, and a read holding only whole
 * expected frames is checked with one comparison instead of being walked frame by frame.
 */
export class FrameCounter {
  #pending: Buffer | undefined = undefined;
  readonly #expected: Buffer | undefined;
  readonly #runs: ((count: number) => Buffer) | undefined;
  /** Data frames that were not the expected reply. */
  unexpected = 0;

  constructor(
    readonly socket: { write(data: Buffer): unknown },
    readonly onClose: () => void,
    expected?: Buffer,
  ) {
    this.#expected = expected;
    this.#runs = expected === undefined ? undefined : frameBatches(expected);
  }

  /**
   * How many data messages ended in `chunk` (with what an earlier chunk left incomplete). The
   * chunk may be a buffer the caller reuses: nothing keeps a view of it.
   */
  receive(chunk: Buffer): number {
    const expected = this.#expected;
    if (this.#pending === undefined && expected !== undefined) {
      const count = chunk.length / expected.length;
      if (Number.isInteger(count) && count <= MAX_FAST_RUN && chunk.equals(this.#runs!(count))) {
        return count;
      }
    }
    let data = chunk;
    if (this.#pending !== undefined) {
      data = Buffer.concat([this.#pending, chunk]);
      this.#pending = undefined;
    }
    let offset = 0;
    let messages = 0;
    while (data.length - offset >= 2) {
      const first = data[offset]!;
      const length7 = data[offset + 1]! & 0x7f;
      let header = 2;
      let length = length7;
      if (length7 === 126) {
        if (data.length - offset < 4) break;
        length = data.readUInt16BE(offset + 2);
        header = 4;
      } else if (length7 === 127) {
        if (data.length - offset < 10) break;
        length = Number(data.readBigUInt64BE(offset + 2));
        header = 10;
      }
      const end = offset + header + length;
      if (data.length < end) break;
      const opcode = first & 0x0f;
      if (opcode === 0x9) this.socket.write(PONG_EMPTY);
      else if (opcode === 0x8) this.onClose();
      else if (opcode === 0xa) {
        // Pongs are not messages.
      } else if (expected !== undefined && !data.subarray(offset, end).equals(expected)) {
        this.unexpected++;
      } else if ((first & 0x80) !== 0) {
        // The final frame of a message (text, binary or continuation).
        messages++;
      }
      offset = end;
    }
    // A copy: `chunk` may be overwritten by the next read.
    if (offset < data.length) this.#pending = Buffer.from(data.subarray(offset));
    return messages;
  }
}

/** The unmasked text frame a server sends for `payload` (up to 125 bytes). */
export function serverTextFrame(payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error("serverTextFrame: up to 125 bytes (one-byte length)");
  return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
}
