import type { Socket } from "node:net";
import { redirectSharedReads } from "../shared-reads.js";
import type { EngineSession } from "../upgrade.js";
import { CloseCode, isValidCloseCode } from "./close-codes.js";
import { type DeflateAgreement, deflateMessage, Inflater } from "./deflate.js";
import { FrameParser, type FrameSink, Opcode } from "./frame-parser.js";
import { closePayload, encodeFrame } from "./frame-writer.js";
import type { WebSocketLimits } from "./options.js";
import { type FrameJoiner, type QueuedWriter, queueWriter } from "./publish-queue.js";
import type { PublishOptions, Subscriber, Topics } from "./topics.js";
import { isValidUtf8, Utf8Validator } from "./utf8.js";

/** What `send` did with a message. */
export type SendStatus = "sent" | "buffered" | "dropped";

export interface SendOptions {
  /** Send as a binary frame. Default: true for bytes, false for strings. */
  binary?: boolean;
  /** Compress (if the client negotiated permessage-deflate). Default: above the size threshold. */
  compress?: boolean;
}

/**
 * One behaviour object per route, shared by all its sockets: no closures per socket. Errors
 * thrown (or rejected) by a callback are reported and close that socket with 1011.
 */
export interface WebSocketHandler<Data = unknown> {
  open?(ws: WebSocket<Data>): unknown;
  /** A complete message: a string for text, a Buffer for binary. */
  message?(ws: WebSocket<Data>, message: string | Buffer, isBinary: boolean): unknown;
  /** The send buffer emptied after `send` returned "buffered". */
  drain?(ws: WebSocket<Data>): unknown;
  /** Called once when the socket is gone: the code received (1005 none, 1006 no Close frame). */
  close?(ws: WebSocket<Data>, code: number, reason: string): unknown;
  ping?(ws: WebSocket<Data>, data: Buffer): unknown;
  pong?(ws: WebSocket<Data>, data: Buffer): unknown;
}

/** Shared by every socket of a route. */
export interface WebSocketContext {
  readonly limits: WebSocketLimits;
  readonly topics: Topics;
  reportError(error: unknown): void;
}

enum State {
  Open = 0,
  /** We sent a Close frame and wait for the client's. */
  Closing = 1,
  /** The close handshake is over or failed: the socket is ending. */
  Closed = 2,
}

const kWebSocket = Symbol("slow-serv.websocket");
type OwnedSocket = Socket & { [kWebSocket]?: WebSocket<unknown> };

function onSharedRead(this: OwnedSocket, bytesRead: number, buffer: Buffer): void {
  this[kWebSocket]!.receive(buffer.subarray(0, bytesRead));
}
function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kWebSocket]!.receive(chunk);
}
function onEnd(this: OwnedSocket): void {
  this[kWebSocket]!.peerEnded();
}
function onDrain(this: OwnedSocket): void {
  this[kWebSocket]!.drained();
}
function onClose(this: OwnedSocket): void {
  this[kWebSocket]!.closed();
}
function onError(): void {
  // 'close' follows and reports 1006.
}

const EMPTY = Buffer.alloc(0);

/**
 * A server-side WebSocket (RFC 6455) on a socket taken from HTTP. Reads are parsed as they arrive
 * (from the shared read buffer on plain TCP), everything one read makes the server send goes out
 * in one write (the socket is corked while a read is handled), and timeouts come from the
 * engine's sweep: no timer per socket.
 */
export class WebSocket<Data = unknown>
  implements FrameSink, EngineSession, Subscriber, QueuedWriter
{
  /** What the route's `upgrade` returned for this socket. */
  data: Data;
  /** The subprotocol agreed in the handshake, or "" if none. */
  readonly protocol: string;
  readonly deflate: DeflateAgreement | undefined;
  readonly #socket: OwnedSocket;
  readonly #handler: WebSocketHandler<Data>;
  readonly #context: WebSocketContext;
  readonly #parser: FrameParser;
  #state = State.Open;

  /** The message being received: its opcode (0: none), parts, size and checks. */
  #opcode = 0;
  #compressed = false;
  #parts: Buffer[] | undefined = undefined;
  #size = 0;
  #frames = 0;
  #utf8: Utf8Validator | undefined = undefined;
  #frameFin = false;
  #inflater: Inflater | undefined = undefined;
  /** An inflate job is running: parsing waits, later bytes wait in `#backlog`. */
  #inflating = false;
  #backlog: Buffer | undefined = undefined;

  #topics: Set<string> | undefined = undefined;
  /**
   * Published frames held until the end of the loop iteration (publish-queue.ts), and their
   * size. Every other write sends them first, so the wire keeps the order of the calls.
   */
  #queued: Buffer[] | undefined = undefined;
  #queuedBytes = 0;
  #backpressured = false;
  /** Any byte read since the last sweep. */
  #active = true;
  #quietSince = 0;
  #pingSent = false;
  #closeSentAt = 0;
  #closeCode: number = CloseCode.Abnormal;
  #closeReason = "";
  #gone = false;

  constructor(
    socket: Socket,
    handler: WebSocketHandler<Data>,
    context: WebSocketContext,
    data: Data,
    protocol: string,
    deflate: DeflateAgreement | undefined,
  ) {
    this.#socket = socket as OwnedSocket;
    this.#handler = handler;
    this.#context = context;
    this.data = data;
    this.protocol = protocol;
    this.deflate = deflate;
    this.#parser = new FrameParser(this, deflate !== undefined);
    this.#socket[kWebSocket] = this as WebSocket<unknown>;
    if (!redirectSharedReads(socket, onSharedRead)) socket.on("data", onData);
    socket.on("end", onEnd);
    socket.on("drain", onDrain);
    socket.on("close", onClose);
    socket.on("error", onError);
    // Reading may have been paused while the upgrade request was answered.
    socket.resume();
  }

  /** Calls `open`, then parses whatever arrived with the handshake. */
  start(head: Buffer): void {
    this.#call(this.#handler.open, undefined, undefined);
    if (head.length > 0) this.receive(head);
  }

  get remoteAddress(): string {
    return this.#socket.remoteAddress ?? "";
  }

  /** Bytes queued for this client, not yet taken by the kernel. */
  getBufferedAmount(): number {
    return this.#socket.writableLength + this.#queuedBytes;
  }

  /** True until a Close frame was sent or received (or the socket went away). */
  get isOpen(): boolean {
    return this.#state === State.Open;
  }

  // ---- sending ------------------------------------------------------------------------------

  send(data: string | Uint8Array | ArrayBuffer, options?: SendOptions): SendStatus {
    if (this.#state !== State.Open) return "dropped";
    const payload = data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    const binary = options?.binary ?? typeof payload !== "string";
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    const deflate = this.deflate;
    const length = typeof payload === "string" ? payload.length : payload.byteLength;
    if (deflate !== undefined && (options?.compress ?? length >= deflate.threshold)) {
      const bytes = typeof payload === "string" ? Buffer.from(payload) : payload;
      return this.sendEncoded(encodeFrame(opcode, deflateMessage(bytes, deflate), true));
    }
    return this.sendEncoded(encodeFrame(opcode, payload));
  }

  /** Sends a ready frame, applying the backpressure limit. */
  sendEncoded(frame: Buffer): SendStatus {
    if (this.#state !== State.Open) return "dropped";
    if (this.#queued !== undefined) this.#writeQueuedNow();
    if (!this.#admits(frame.length)) return "dropped";
    if (this.#socket.write(frame)) return "sent";
    this.#backpressured = true;
    return "buffered";
  }

  /**
   * A published frame: held until the end of the loop iteration, when it goes out in one write
   * with every other frame published to this socket meanwhile (publish-queue.ts). The limit is
   * applied now, as `sendEncoded` would.
   */
  queueEncoded(frame: Buffer): SendStatus {
    if (this.#state !== State.Open) return "dropped";
    const queuedBytes = this.#queuedBytes;
    if (queuedBytes > 0 && queuedBytes + frame.length > this.#context.limits.maxBackpressure) {
      // Over the limit only while held here: the kernel may take them, as it would have had
      // they been written at once, so only what the socket cannot take counts against it.
      this.#writeQueuedNow();
    }
    if (!this.#admits(frame.length)) return "dropped";
    if (this.#queued === undefined) {
      this.#queued = [frame];
      queueWriter(this);
    } else {
      this.#queued.push(frame);
    }
    this.#queuedBytes += frame.length;
    return "sent";
  }

  /** The backpressure limit: false (and, by policy, the socket failed) if `bytes` must not wait. */
  #admits(bytes: number): boolean {
    const limits = this.#context.limits;
    let buffered = this.#socket.writableLength + this.#queuedBytes;
    if (buffered > 0 && buffered + bytes > limits.maxBackpressure && this.#socket.writableCorked) {
      // Part of it is only held by the cork around this read (or `ws.cork()`): the kernel may
      // take it, as it would have had it been written at once, so only what it cannot take counts.
      this.#flushCorked();
      buffered = this.#socket.writableLength + this.#queuedBytes;
    }
    // An empty buffer always takes one message, however large: the limit is on what waits.
    if (buffered > 0 && buffered + bytes > limits.maxBackpressure) {
      if (limits.backpressurePolicy === "close") {
        this.#fail(CloseCode.PolicyViolation, "Send buffer limit reached");
      }
      return false;
    }
    return true;
  }

  /** Writes what the socket's corks hold, leaving it corked as deep as it was. */
  #flushCorked(): void {
    const socket = this.#socket;
    const depth = socket.writableCorked;
    for (let level = 0; level < depth; level++) socket.uncork();
    for (let level = 0; level < depth; level++) socket.cork();
  }

  /** QueuedWriter: the end of the iteration; the frames of a socket gone since are dropped. */
  writeQueued(joiner: FrameJoiner): void {
    const frames = this.#queued;
    if (frames === undefined) return;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    if (this.#gone || !this.#socket.writable) return;
    if (!this.#socket.write(joiner.join(frames))) this.#backpressured = true;
  }

  /** Writes the held frames before something else is written (one write if the socket is corked). */
  #writeQueuedNow(): void {
    const frames = this.#queued;
    if (frames === undefined) return;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    const socket = this.#socket;
    if (this.#gone || !socket.writable) return;
    let writable = true;
    socket.cork();
    for (const frame of frames) writable = socket.write(frame);
    socket.uncork();
    if (!writable) this.#backpressured = true;
  }

  /** Runs `fn` with the socket corked: everything it sends goes out in one write. */
  cork(fn: (ws: this) => void): void {
    const socket = this.#socket;
    socket.cork();
    try {
      fn(this);
    } finally {
      socket.uncork();
    }
  }

  ping(data: string | Uint8Array = EMPTY): void {
    if (this.#state === State.Open) this.#control(Opcode.Ping, data);
  }

  #control(opcode: number, payload: string | Uint8Array): void {
    const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.byteLength;
    if (length > 125) throw new RangeError("A control frame carries at most 125 bytes (§5.5)");
    // Control frames bypass the backpressure limit: they are small and keep the protocol alive.
    if (this.#queued !== undefined) this.#writeQueuedNow();
    this.#socket.write(encodeFrame(opcode, payload));
  }

  // ---- pub/sub ------------------------------------------------------------------------------

  subscribe(topic: string): boolean {
    if (this.#state === State.Closed) return false;
    this.#topics ??= new Set();
    this.#topics.add(topic);
    return this.#context.topics.subscribe(this, topic);
  }

  unsubscribe(topic: string): boolean {
    this.#topics?.delete(topic);
    return this.#context.topics.unsubscribe(this, topic);
  }

  isSubscribed(topic: string): boolean {
    return this.#topics?.has(topic) ?? false;
  }

  /** Topics this socket is subscribed to. */
  get subscriptions(): readonly string[] {
    return this.#topics === undefined ? [] : [...this.#topics];
  }

  /** Sends to every other subscriber of `topic`; returns how many it went to. */
  publish(topic: string, data: string | Uint8Array, options?: PublishOptions): number {
    return this.#context.topics.publish(topic, data, options, this);
  }

  // ---- closing ------------------------------------------------------------------------------

  /**
   * Starts the close handshake (§7.1.2): sends a Close frame and waits for the client's (up to
   * `closeTimeout`). `code` must be one a peer may send (1000, 1001, 1008, 3000–4999…).
   */
  close(code: number = CloseCode.Normal, reason = ""): void {
    if (!isValidCloseCode(code)) {
      throw new RangeError(`Invalid close code ${code}: use 1000, 1001, 1008, 1011 or 3000–4999`);
    }
    if (Buffer.byteLength(reason) > 123) {
      throw new RangeError("A close reason is at most 123 bytes of UTF-8 (§5.5)");
    }
    if (this.#state !== State.Open) return;
    this.#sendClose(code, reason);
    this.#closeCode = code;
    this.#closeReason = reason;
  }

  /** Cuts the connection at once, without a close handshake (the close callback gets 1006). */
  terminate(): void {
    this.#socket.destroy();
  }

  #sendClose(code: number | undefined, reason: string): void {
    this.#state = State.Closing;
    this.#closeSentAt = Date.now();
    // What was published to the socket before it closed goes out before the Close frame.
    if (this.#queued !== undefined) this.#writeQueuedNow();
    this.#socket.write(encodeFrame(Opcode.Close, closePayload(code, reason)));
  }

  /** Fails the connection (§7.1.7): a Close frame with `code`, then our side of TCP ends. */
  #fail(code: number, reason: string): void {
    if (this.#state === State.Closed) return;
    this.#parser.pause();
    this.#backlog = undefined;
    if (this.#state === State.Open) this.#sendClose(code, reason);
    this.#state = State.Closed;
    this.#closeCode = code;
    this.#closeReason = reason;
    this.#socket.end();
  }

  // ---- EngineSession ------------------------------------------------------------------------

  sweep(now: number): void {
    if (this.#closeSentAt !== 0) {
      if (now - this.#closeSentAt >= this.#context.limits.closeTimeout) this.#socket.destroy();
      return;
    }
    if (this.#active) {
      this.#active = false;
      this.#quietSince = now;
      this.#pingSent = false;
      return;
    }
    const { idleTimeout, sendPings } = this.#context.limits;
    if (idleTimeout === 0) return;
    const quiet = now - this.#quietSince;
    if (quiet >= idleTimeout) {
      this.#socket.destroy();
    } else if (sendPings && !this.#pingSent && quiet >= idleTimeout / 2) {
      this.#pingSent = true;
      this.ping();
    }
  }

  shutdown(): void {
    if (this.#state === State.Open) this.close(CloseCode.GoingAway, "Server shutting down");
  }

  destroy(): void {
    this.#socket.destroy();
  }

  // ---- socket events ------------------------------------------------------------------------

  receive(chunk: Buffer): void {
    if (this.#state === State.Closed) return;
    this.#active = true;
    if (this.#inflating) {
      this.#hold(chunk);
      return;
    }
    const socket = this.#socket;
    socket.cork();
    try {
      const used = this.#parser.execute(chunk);
      if (used < chunk.length && this.#inflating) this.#hold(chunk.subarray(used));
    } finally {
      socket.uncork();
    }
  }

  #hold(bytes: Buffer): void {
    // A copy: the chunk may be the shared read buffer. Reading is paused meanwhile.
    this.#backlog =
      this.#backlog === undefined ? Buffer.from(bytes) : Buffer.concat([this.#backlog, bytes]);
  }

  peerEnded(): void {
    // A FIN without a Close frame is an abnormal closure (1006); either way our side ends too.
    if (this.#state !== State.Closed) this.#state = State.Closed;
    if (this.#queued !== undefined) this.#writeQueuedNow();
    this.#socket.end();
  }

  drained(): void {
    if (!this.#backpressured || this.#state === State.Closed) return;
    this.#backpressured = false;
    this.#call(this.#handler.drain, undefined, undefined);
  }

  closed(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#state = State.Closed;
    this.#queued = undefined;
    this.#queuedBytes = 0;
    this.#inflater?.close();
    this.#inflater = undefined;
    if (this.#topics !== undefined) {
      for (const topic of this.#topics) this.#context.topics.unsubscribe(this, topic);
    }
    this.#topics = undefined;
    const close = this.#handler.close;
    if (close !== undefined) {
      try {
        const result = close.call(this.#handler, this, this.#closeCode, this.#closeReason);
        if (isThenable(result)) result.then(undefined, (error) => this.#context.reportError(error));
      } catch (error) {
        this.#context.reportError(error);
      }
    }
  }

  // ---- FrameSink ----------------------------------------------------------------------------

  onDataFrame(
    opcode: number,
    fin: boolean,
    compressed: boolean,
    length: number,
  ): number | undefined {
    if (opcode === Opcode.Continuation) {
      if (this.#opcode === 0)
        return this.#refuse(CloseCode.ProtocolError, "Continuation without a message");
      if (compressed) return this.#refuse(CloseCode.ProtocolError, "RSV1 on a continuation frame");
    } else {
      if (this.#opcode !== 0)
        return this.#refuse(CloseCode.ProtocolError, "New message inside a fragmented one");
      this.#opcode = opcode;
      this.#compressed = compressed;
      if (opcode === Opcode.Text) {
        this.#utf8 ??= new Utf8Validator();
        this.#utf8.reset();
      }
    }
    const limits = this.#context.limits;
    if (++this.#frames > limits.maxFragments) {
      return this.#refuse(CloseCode.MessageTooBig, "Too many fragments");
    }
    // For compressed messages this bounds the compressed size; the inflater bounds the output.
    if (this.#size + length > limits.maxMessageBytes) {
      return this.#refuse(CloseCode.MessageTooBig, "Message too big");
    }
    if (this.#compressed) this.#size += length;
    this.#frameFin = fin;
    return undefined;
  }

  #refuse(code: number, reason: string): number {
    this.#fail(code, reason);
    return code;
  }

  onDataPayload(bytes: Buffer, frameDone: boolean): void {
    if (this.#state !== State.Open) return;
    if (this.#compressed) {
      this.#inflate(bytes, frameDone && this.#frameFin);
      return;
    }
    this.#accept(bytes);
  }

  /** Takes (decompressed) message bytes: checks text as it comes, keeps them for the message. */
  #accept(bytes: Buffer): boolean {
    if (this.#opcode === Opcode.Text && !this.#utf8!.write(bytes)) {
      this.#fail(CloseCode.InvalidPayload, "Invalid UTF-8 in a text message");
      return false;
    }
    if (this.#parts === undefined) this.#parts = [bytes];
    else this.#parts.push(bytes);
    if (!this.#compressed) this.#size += bytes.length;
    return true;
  }

  onDataFrameEnd(fin: boolean, hadPayload: boolean): void {
    if (!fin || this.#state !== State.Open) {
      if (fin) this.#resetMessage();
      return;
    }
    // A compressed message whose last frame carried bytes ends when they are inflated.
    if (this.#compressed) {
      if (!hadPayload) this.#inflate(EMPTY, true);
      return;
    }
    this.#deliver();
  }

  #inflate(bytes: Buffer, last: boolean): void {
    this.#inflating = true;
    this.#parser.pause();
    this.#socket.pause();
    this.#inflater ??= new Inflater(this.deflate!);
    const limit = this.#context.limits.maxMessageBytes - this.#inflatedSize();
    this.#inflater.write(bytes, last, limit, (error, output, tooBig) => {
      this.#inflating = false;
      if (this.#state === State.Closed) return;
      if (tooBig) this.#fail(CloseCode.MessageTooBig, "Message too big");
      else if (error !== undefined) this.#fail(CloseCode.InvalidPayload, "Invalid compressed data");
      else {
        for (const chunk of output) if (!this.#accept(chunk)) return;
        if (last) this.#deliver();
      }
      // The callbacks above may have closed it.
      if ((this.#state as State) === State.Closed) return;
      this.#socket.resume();
      const backlog = this.#backlog;
      this.#backlog = undefined;
      if (backlog !== undefined) this.receive(backlog);
    });
  }

  #inflatedSize(): number {
    let size = 0;
    for (const part of this.#parts ?? []) size += part.length;
    return size;
  }

  #deliver(): void {
    const binary = this.#opcode === Opcode.Binary;
    if (!binary && !this.#utf8!.complete) {
      this.#fail(CloseCode.InvalidPayload, "Text message ends inside a UTF-8 sequence");
      return;
    }
    const parts = this.#parts;
    const payload =
      parts === undefined ? EMPTY : parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    this.#resetMessage();
    this.#call(this.#handler.message, binary ? payload : payload.toString("utf8"), binary);
  }

  #resetMessage(): void {
    this.#opcode = 0;
    this.#compressed = false;
    this.#parts = undefined;
    this.#size = 0;
    this.#frames = 0;
  }

  onControlFrame(opcode: number, payload: Buffer): void {
    if (opcode === Opcode.Ping) {
      if (this.#state === State.Open) this.#control(Opcode.Pong, payload);
      this.#call(this.#handler.ping, payload, undefined);
    } else if (opcode === Opcode.Pong) {
      this.#pingSent = false;
      this.#call(this.#handler.pong, payload, undefined);
    } else {
      this.#closeReceived(payload);
    }
  }

  /** §5.5.1 and §7.4: the code must be one a peer may send, the reason valid UTF-8. */
  #closeReceived(payload: Buffer): void {
    let code: number = CloseCode.NoStatus;
    let reason = "";
    if (payload.length === 1) {
      this.#fail(CloseCode.ProtocolError, "Close frame of 1 byte");
      return;
    }
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0);
      if (!isValidCloseCode(code)) {
        this.#fail(CloseCode.ProtocolError, "Invalid close code");
        return;
      }
      const text = payload.subarray(2);
      if (!isValidUtf8(text)) {
        this.#fail(CloseCode.InvalidPayload, "Close reason not UTF-8");
        return;
      }
      reason = text.toString("utf8");
    }
    this.#parser.pause();
    if (this.#state === State.Open) {
      // Echo the code (§5.5.1); no code received, none sent.
      this.#sendClose(code === CloseCode.NoStatus ? undefined : code, "");
    }
    this.#state = State.Closed;
    this.#closeCode = code;
    this.#closeReason = reason;
    // The server closes TCP first (§7.1.1), so the client does not hold TIME_WAIT.
    this.#socket.end();
  }

  onFrameError(code: number, reason: string): void {
    this.#fail(code, reason);
  }

  /** Calls a behaviour callback; a failure is reported and closes this socket with 1011. */
  #call(
    callback: ((ws: WebSocket<Data>, a: never, b: never) => unknown) | undefined,
    a: unknown,
    b: unknown,
  ): void {
    if (callback === undefined) return;
    try {
      const result = callback.call(this.#handler, this, a as never, b as never);
      if (isThenable(result)) result.then(undefined, (error: unknown) => this.#failed(error));
    } catch (error) {
      this.#failed(error);
    }
  }

  #failed(error: unknown): void {
    this.#context.reportError(error);
    if (this.#state === State.Open) this.#fail(CloseCode.InternalError, "Internal error");
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
