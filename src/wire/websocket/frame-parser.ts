import { CloseCode } from "./close-codes.js";

/**
 * An incremental parser of client-to-server WebSocket frames (RFC 6455 §5.2), as a byte-level
 * state machine: bytes go in through `execute` in whatever pieces the socket delivers, and any
 * split gives the same calls on the sink. Payload bytes are unmasked into fresh buffers as they
 * arrive (the input may be a reused read buffer), so a sink can check text as it comes.
 *
 * It enforces what needs no message context: the mask bit (clients must mask, §5.1), reserved
 * bits (RSV1 only where permessage-deflate allows it), reserved opcodes, control frames that are
 * fragmented or longer than 125 bytes (§5.5), and the 64-bit length's top bit (§5.2). Message
 * context (continuation order, sizes, UTF-8) is the sink's.
 */

export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export interface FrameSink {
  /**
   * A data frame (text, binary, continuation) begins. Returning a close code means the sink
   * failed the connection (e.g. 1009 when `length` would take the message past its limit): the
   * parser stops.
   */
  onDataFrame(
    opcode: number,
    fin: boolean,
    compressed: boolean,
    length: number,
  ): number | undefined;
  /** Unmasked payload bytes of the current data frame (a buffer of its own); `frameDone` on the last. */
  onDataPayload(bytes: Buffer, frameDone: boolean): void;
  /** The current data frame is complete; `hadPayload` false for an empty frame. */
  onDataFrameEnd(fin: boolean, hadPayload: boolean): void;
  /** A whole control frame (close, ping, pong) with its unmasked payload. */
  onControlFrame(opcode: number, payload: Buffer): void;
  /** A protocol violation: the connection must fail with `code`. No more calls follow. */
  onFrameError(code: number, reason: string): void;
}

enum State {
  Header = 0,
  Length = 1,
  Mask = 2,
  Payload = 3,
  Failed = 4,
}

const EMPTY = Buffer.alloc(0);

export class FrameParser {
  #sink: FrameSink;
  /** Whether RSV1 (permessage-deflate's "compressed" bit) may be set on a message's first frame. */
  allowCompression: boolean;
  #state = State.Header;
  /** Header bytes gathered so far (2 to 14), copied: a header may be split across reads. */
  // A slice of Node's shared pool, not an allocation of its own: idle sockets stay small.
  readonly #header = Buffer.allocUnsafe(14);
  #headerLength = 0;
  #needed = 2;
  #fin = false;
  #opcode = 0;
  #length = 0;
  #remaining = 0;
  /** Where the masking key sits in `#header` (it stays there until the next frame's header). */
  #maskOffset = 0;
  #maskIndex = 0;
  /** A control frame's payload, gathered until complete. */
  #control: Buffer | undefined = undefined;
  #controlFilled = 0;
  #paused = false;

  constructor(sink: FrameSink, allowCompression = false) {
    this.#sink = sink;
    this.allowCompression = allowCompression;
  }

  /** Stops `execute` after the current callback; it returns how far it got. */
  pause(): void {
    this.#paused = true;
  }

  get failed(): boolean {
    return this.#state === State.Failed;
  }

  /** Parses `input`; returns the bytes consumed (less than its length only when paused). */
  execute(input: Buffer): number {
    this.#paused = false;
    let position = 0;
    const length = input.length;
    while (position < length && !this.#paused) {
      switch (this.#state) {
        case State.Header:
        case State.Length:
        case State.Mask:
          position = this.#readHeader(input, position);
          break;
        case State.Payload:
          position = this.#readPayload(input, position);
          break;
        default:
          return length;
      }
    }
    return position;
  }

  #fail(code: number, reason: string): number {
    this.#state = State.Failed;
    this.#control = undefined;
    this.#sink.onFrameError(code, reason);
    return Number.MAX_SAFE_INTEGER;
  }

  /** Header bytes: first the two fixed ones, then the extended length, then the mask key. */
  #readHeader(input: Buffer, position: number): number {
    const take = Math.min(this.#needed - this.#headerLength, input.length - position);
    input.copy(this.#header, this.#headerLength, position, position + take);
    this.#headerLength += take;
    position += take;
    if (this.#headerLength < this.#needed) return position;
    switch (this.#state) {
      case State.Header:
        return this.#firstBytes(position);
      case State.Length:
        return this.#extendedLength(position);
      default:
        return this.#maskKey(position);
    }
  }

  #firstBytes(position: number): number {
    const first = this.#header[0]!;
    const second = this.#header[1]!;
    const fin = (first & 0x80) !== 0;
    const rsv1 = (first & 0x40) !== 0;
    const opcode = first & 0x0f;
    if ((first & 0x30) !== 0) return this.#fail(CloseCode.ProtocolError, "RSV2 and RSV3 must be 0");
    const control = opcode >= 0x8;
    if (control) {
      if (opcode > Opcode.Pong) return this.#fail(CloseCode.ProtocolError, "Reserved opcode");
      if (!fin) return this.#fail(CloseCode.ProtocolError, "Fragmented control frame");
      if (rsv1) return this.#fail(CloseCode.ProtocolError, "RSV1 on a control frame");
    } else if (opcode > Opcode.Binary) {
      return this.#fail(CloseCode.ProtocolError, "Reserved opcode");
    } else if (rsv1 && !this.allowCompression) {
      return this.#fail(CloseCode.ProtocolError, "RSV1 set without a negotiated extension");
    }
    if ((second & 0x80) === 0) return this.#fail(CloseCode.ProtocolError, "Unmasked client frame");
    const length = second & 0x7f;
    if (control && length > 125) {
      return this.#fail(CloseCode.ProtocolError, "Control frame payload over 125 bytes");
    }
    this.#fin = fin;
    this.#opcode = opcode;
    if (rsv1) this.#opcode |= 0x40;
    if (length < 126) {
      this.#length = length;
      this.#state = State.Mask;
      this.#needed = 6;
    } else {
      this.#state = State.Length;
      this.#needed = length === 126 ? 4 : 10;
    }
    return position;
  }

  #extendedLength(position: number): number {
    const header = this.#header;
    let length: number;
    if (this.#needed === 4) {
      length = header.readUInt16BE(2);
      // §5.2: the minimal number of bytes must be used; strict peers refuse the rest.
      if (length < 126) return this.#fail(CloseCode.ProtocolError, "Non-minimal length encoding");
    } else {
      const high = header.readUInt32BE(2);
      if (high & 0x80000000)
        return this.#fail(CloseCode.ProtocolError, "Payload length top bit set");
      // Past 2^53 - 1 a number cannot count the bytes; no limit would allow such a message anyway.
      if (high > 0x1fffff) return this.#fail(CloseCode.MessageTooBig, "Payload length too large");
      length = high * 0x100000000 + header.readUInt32BE(6);
      if (length < 0x10000)
        return this.#fail(CloseCode.ProtocolError, "Non-minimal length encoding");
    }
    this.#length = length;
    this.#state = State.Mask;
    this.#needed += 4;
    return position;
  }

  #maskKey(position: number): number {
    this.#maskOffset = this.#needed - 4;
    this.#maskIndex = 0;
    this.#headerLength = 0;
    this.#needed = 2;
    this.#remaining = this.#length;
    const opcode = this.#opcode & 0x0f;
    if (opcode >= 0x8) {
      this.#control = this.#length === 0 ? EMPTY : Buffer.allocUnsafe(this.#length);
      this.#controlFilled = 0;
    } else {
      const refusal = this.#sink.onDataFrame(
        opcode,
        this.#fin,
        (this.#opcode & 0x40) !== 0,
        this.#length,
      );
      if (refusal !== undefined) {
        this.#state = State.Failed;
        return Number.MAX_SAFE_INTEGER;
      }
    }
    this.#state = State.Payload;
    if (this.#length === 0) this.#frameComplete();
    return position;
  }

  #readPayload(input: Buffer, position: number): number {
    const take = Math.min(this.#remaining, input.length - position);
    const control = this.#control;
    let target: Buffer;
    let offset: number;
    if (control !== undefined) {
      target = control;
      offset = this.#controlFilled;
      this.#controlFilled += take;
    } else {
      target = Buffer.allocUnsafe(take);
      offset = 0;
    }
    const header = this.#header;
    const maskOffset = this.#maskOffset;
    let maskIndex = this.#maskIndex;
    for (let index = 0; index < take; index++) {
      target[offset + index] = input[position + index]! ^ header[maskOffset + maskIndex]!;
      maskIndex = (maskIndex + 1) & 3;
    }
    this.#maskIndex = maskIndex;
    this.#remaining -= take;
    if (control === undefined && take > 0) this.#sink.onDataPayload(target, this.#remaining === 0);
    if (this.#remaining === 0 && this.#state === State.Payload) this.#frameComplete();
    return position + take;
  }

  #frameComplete(): void {
    this.#state = State.Header;
    const control = this.#control;
    if (control !== undefined) {
      this.#control = undefined;
      this.#sink.onControlFrame(this.#opcode, control);
    } else {
      this.#sink.onDataFrameEnd(this.#fin, this.#length > 0);
    }
  }
}
