import { Socket } from "node:net";

/**
 * Reads every connection of the process, plain TCP or TLS, into one shared buffer.
 *
 * By default each read of a `net.Socket` allocates a fresh ArrayBuffer in C++ and travels through
 * the Readable machinery (push, buffer list, 'data' emit) before the server sees it. Node has a
 * leaner path, `onread` (a caller-supplied buffer and a plain callback, no stream layer), but offers
 * it only to sockets the application constructs, never to sockets a `net.Server` accepts. Measured
 * on the benchmark machine with a server answering prebuilt bytes, that path cuts 2–4 µs of CPU
 * per request: 15–20% of everything the server process spends, kernel included.
 *
 * This module switches an accepted socket to that path by doing what `new net.Socket({ onread })`
 * does. It depends on two internals (the handle's `useUserBuffer` and the socket's `kBuffer` and
 * `kBufferCb` slots), so it feature-detects both and reports failure; the caller then uses 'data'
 * events, which behave the same apart from speed. A test pins the fast path on the Node the
 * project is tested with, so a Node that drops it is noticed.
 *
 * The buffer is reused by the next read of any connection: whatever a reader keeps past its
 * callback, it must copy (the connection copies request heads and body bytes; see Connection).
 *
 * `SLOW_SERV_SHARED_READS=0` in the environment turns it off for the process: a way out, without
 * a code change, should a Node release keep the internals but change what they mean.
 */

/** 64 KiB: what libuv asks Node for on each read, so reads are no smaller than on the default path. */
const SHARED_READ_BYTES = 64 * 1024;

type ReadCallback = (this: Socket, bytesRead: number, buffer: Buffer) => void;

interface InternalSlots {
  /** The buffer the next read fills (Node's `kBuffer`). */
  buffer: symbol;
  /** Called with (bytesRead, buffer) instead of pushing to the Readable (Node's `kBufferCb`). */
  callback: symbol;
}

interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

let sharedBuffer: Buffer | undefined;
let slots: InternalSlots | null | undefined;

function findSlots(socket: Socket): InternalSlots | null {
  const symbols = Object.getOwnPropertySymbols(socket);
  const buffer = symbols.find((symbol) => symbol.description === "kBuffer");
  const callback = symbols.find((symbol) => symbol.description === "kBufferCb");
  const generator = symbols.find((symbol) => symbol.description === "kBufferGen");
  // All three exist together wherever Node implements `onread`; anything else is a different design.
  if (buffer === undefined || callback === undefined || generator === undefined) return null;
  return { buffer, callback };
}

function handleOf(socket: Socket): UserBufferHandle | undefined {
  const handle = (socket as unknown as { _handle?: Partial<UserBufferHandle> | null })._handle;
  return typeof handle?.useUserBuffer === "function" ? (handle as UserBufferHandle) : undefined;
}

/**
 * Delivers a socket's data to `callback` (called with the socket as `this`) from the shared buffer
 * instead of 'data' events. A `TLSSocket` works the same way: its handle (Node's TLSWrap) asks the
 * same listener for the buffer each decrypted chunk (at most 16 KiB) is copied into, and calls back
 * once per chunk, so the buffer is never refilled while a callback still reads it. Returns false, changing nothing, where this Node does not support it, for anything but a real
 * `net.Socket`, or if the socket already buffered data; the caller then listens for 'data'.
 */
export function readIntoSharedBuffer(socket: Socket, callback: ReadCallback): boolean {
  // Stand-ins (in-process injection) have none of this; judging Node by one would turn the fast
  // path off for the whole process.
  if (!(socket instanceof Socket)) return false;
  slots ??= process.env.SLOW_SERV_SHARED_READS === "0" ? null : findSlots(socket);
  const handle = handleOf(socket);
  if (slots === null || handle === undefined) return false;
  const record = socket as unknown as Record<symbol, unknown>;
  // Only a fresh socket, with nothing read yet and no onread of its own, switches safely.
  if (record[slots.buffer] !== null || record[slots.callback] !== null) return false;
  if (socket.readableLength > 0 || socket.destroyed) return false;
  sharedBuffer ??= Buffer.allocUnsafe(SHARED_READ_BYTES);
  // Both halves in the same tick: no read can land between the C++ side filling the shared
  // buffer and the JS side looking for it there.
  handle.useUserBuffer(sharedBuffer);
  record[slots.buffer] = sharedBuffer;
  record[slots.callback] = callback;
  return true;
}

/** For sockets handed to another protocol: reads as 'data' events, each chunk its own copy. */
function pushCopy(this: Socket, bytesRead: number, buffer: Buffer): boolean {
  // push's answer pauses the handle when the stream's buffer is full, as on the default path.
  return this.push(Buffer.from(buffer.subarray(0, bytesRead)));
}

/**
 * Changes where a socket switched by `readIntoSharedBuffer` delivers its reads: to `callback`, or,
 * without one, to the socket's own stream as 'data' events (copies), for code that expects a
 * plain socket. Node cannot take a user buffer back from a handle, so the switch is one way.
 * Returns false, changing nothing, for a socket that is not on the shared path.
 */
export function redirectSharedReads(socket: Socket, callback?: ReadCallback): boolean {
  if (slots === null || slots === undefined) return false;
  const record = socket as unknown as Record<symbol, unknown>;
  if (record[slots.buffer] !== sharedBuffer || sharedBuffer === undefined) return false;
  record[slots.callback] = callback ?? pushCopy;
  return true;
}
