// The load generator's side of RFC 6455, kept apart from its process so it can be tested: client
// frames built once, and server frames delimited and counted without being copied or decoded.

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

/** Splits what the server sends into frames and counts the data messages that end. */
export class FrameCounter {
  #pending: Buffer | undefined = undefined;

  constructor(
    readonly socket: { write(data: Buffer): unknown },
    readonly onClose: () => void,
  ) {}

  /** How many data messages ended in `chunk` (with what an earlier chunk left incomplete). */
  receive(chunk: Buffer): number {
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
      if (data.length - offset < header + length) break;
      const opcode = first & 0x0f;
      if (opcode === 0x9) this.socket.write(PONG_EMPTY);
      else if (opcode === 0x8) this.onClose();
      // A final frame of a message (text, binary or continuation); pongs are not messages.
      else if ((first & 0x80) !== 0 && opcode !== 0xa) messages++;
      offset += header + length;
    }
    if (offset < data.length) this.#pending = data.subarray(offset);
    return messages;
  }
}
