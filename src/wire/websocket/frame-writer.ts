/**
 * Server-to-client frames (RFC 6455 §5.2): unmasked (§5.1), header and payload in one buffer, so a
 * frame is one write, and a published frame is encoded once for all its subscribers.
 */

function headerLength(payloadLength: number): number {
  return payloadLength < 126 ? 2 : payloadLength < 0x10000 ? 4 : 10;
}

function writeHeader(
  target: Buffer,
  opcode: number,
  payloadLength: number,
  fin: boolean,
  compressed: boolean,
): number {
  target[0] = (fin ? 0x80 : 0) | (compressed ? 0x40 : 0) | opcode;
  if (payloadLength < 126) {
    target[1] = payloadLength;
    return 2;
  }
  if (payloadLength < 0x10000) {
    target[1] = 126;
    target.writeUInt16BE(payloadLength, 2);
    return 4;
  }
  target[1] = 127;
  target.writeUInt32BE(Math.floor(payloadLength / 0x100000000), 2);
  target.writeUInt32BE(payloadLength >>> 0, 6);
  return 10;
}

export { Opcode } from "./frame-parser.js";

/** A complete frame carrying `payload` (bytes, or text written straight in as UTF-8). */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array | string,
  compressed = false,
  fin = true,
): Buffer {
  if (typeof payload === "string") {
    const length = Buffer.byteLength(payload);
    const frame = Buffer.allocUnsafe(headerLength(length) + length);
    const offset = writeHeader(frame, opcode, length, fin, compressed);
    frame.write(payload, offset, "utf8");
    return frame;
  }
  const length = payload.byteLength;
  const frame = Buffer.allocUnsafe(headerLength(length) + length);
  const offset = writeHeader(frame, opcode, length, fin, compressed);
  frame.set(payload, offset);
  return frame;
}

/** A Close frame's payload: the code, then the reason in UTF-8 (at most 123 bytes, §5.5). */
export function closePayload(code: number | undefined, reason: string): Buffer {
  if (code === undefined) return Buffer.alloc(0);
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, "utf8");
  return payload;
}
