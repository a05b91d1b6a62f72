import { randomBytes } from "node:crypto";
import { RawSocket } from "./raw-socket.js";

/** Client-side frame building and server-frame reading for the RFC 6455 tests. */

export interface ClientFrameOptions {
  fin?: boolean;
  rsv?: number;
  /** false sends the frame unmasked (a protocol error from a client). */
  mask?: boolean;
  /** Force a length encoding: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
}

export function clientFrame(
  opcode: number,
  payload: string | Uint8Array = "",
  options: ClientFrameOptions = {},
): Buffer {
  const data = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const length = data.length;
  const bits = options.lengthBits ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const masked = options.mask !== false;
  const header: number[] = [
    ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode,
  ];
  const maskBit = masked ? 0x80 : 0;
  if (bits === 7) header.push(maskBit | length);
  else if (bits === 16) header.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(length));
    header.push(maskBit | 127, ...big);
  }
  if (!masked) return Buffer.concat([Buffer.from(header), data]);
  const key = randomBytes(4);
  const body = Buffer.alloc(length);
  for (let index = 0; index < length; index++) body[index] = data[index]! ^ key[index & 3]!;
  return Buffer.concat([Buffer.from(header), key, body]);
}

export function closeFrame(code?: number, reason: string | Buffer = ""): Buffer {
  if (code === undefined) return clientFrame(0x8);
  const reasonBytes = typeof reason === "string" ? Buffer.from(reason) : reason;
  const payload = Buffer.alloc(2 + reasonBytes.length);
  payload.writeUInt16BE(code, 0);
  reasonBytes.copy(payload, 2);
  return clientFrame(0x8, payload);
}

export interface ServerFrame {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  payload: Buffer;
  /** For close frames: the code (undefined if none) and reason. */
  code?: number;
  reason?: string;
}

/** Parses complete server frames off the front of `bytes`; returns them and the rest. */
export function readServerFrames(bytes: Buffer): { frames: ServerFrame[]; rest: Buffer } {
  const frames: ServerFrame[] = [];
  let position = 0;
  for (;;) {
    if (bytes.length - position < 2) break;
    const first = bytes[position]!;
    const second = bytes[position + 1]!;
    if (second & 0x80) throw new Error("Server frames must not be masked");
    let length = second & 0x7f;
    let offset = position + 2;
    if (length === 126) {
      if (bytes.length < offset + 2) break;
      length = bytes.readUInt16BE(offset);
      offset += 2;
    } else if (length === 127) {
      if (bytes.length < offset + 8) break;
      length = Number(bytes.readBigUInt64BE(offset));
      offset += 8;
    }
    if (bytes.length < offset + length) break;
    const payload = bytes.subarray(offset, offset + length);
    const frame: ServerFrame = {
      fin: (first & 0x80) !== 0,
      rsv1: (first & 0x40) !== 0,
      opcode: first & 0x0f,
      payload,
    };
    if (frame.opcode === 0x8 && length >= 2) {
      frame.code = payload.readUInt16BE(0);
      frame.reason = payload.subarray(2).toString();
    }
    frames.push(frame);
    position = offset + length;
  }
  return { frames, rest: bytes.subarray(position) };
}

export const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

export function handshakeRequest(path: string, extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": KEY,
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  let text = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers))
    if (value !== "") text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** A raw WebSocket client: handshake done, frames in and out. */
export class RawWebSocket {
  readonly raw: RawSocket;
  response = "";

  private constructor(raw: RawSocket) {
    this.raw = raw;
  }

  static async open(
    port: number,
    path = "/ws",
    extra: Record<string, string> = {},
    secure = false,
  ): Promise<RawWebSocket> {
    const raw = await RawSocket.connect(port, secure);
    raw.write(handshakeRequest(path, extra));
    await raw.untilText("\r\n\r\n");
    const end = raw.received.indexOf("\r\n\r\n");
    const client = new RawWebSocket(raw);
    client.response = raw.take(end + 4).toString("latin1");
    if (!client.response.startsWith("HTTP/1.1 101 ")) {
      raw.destroy();
      throw new Error(`Handshake refused: ${client.response}`);
    }
    return client;
  }

  send(frame: Buffer): void {
    this.raw.write(frame);
  }

  /** Waits for `count` complete frames and takes them. */
  async frames(count: number, timeoutMs?: number): Promise<ServerFrame[]> {
    await this.raw.until((bytes) => readServerFrames(bytes).frames.length >= count, timeoutMs);
    const { frames, rest } = readServerFrames(this.raw.received);
    this.raw.received = Buffer.from(rest);
    return frames;
  }

  /**
   * Waits for the server's Close frame and the end of the connection; returns the Close frame
   * (`before`: the frames that came ahead of it).
   */
  async closed(timeoutMs?: number): Promise<ServerFrame & { before: ServerFrame[] }> {
    await this.raw.until(
      (bytes) => readServerFrames(bytes).frames.some((f) => f.opcode === 8),
      timeoutMs,
    );
    const frames = readServerFrames(this.raw.received).frames;
    const at = frames.findIndex((f) => f.opcode === 8);
    await this.raw.untilClosed(timeoutMs);
    return { ...frames[at]!, before: frames.slice(0, at) };
  }
}
