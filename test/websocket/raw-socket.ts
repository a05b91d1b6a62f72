import net from "node:net";
import tls from "node:tls";

/**
 * A raw TCP (or TLS) client for the protocol-switch tests: writes exact bytes and collects every
 * byte that comes back. Every wait has a deadline, so a server that stays silent fails the test.
 */
export class RawSocket {
  readonly socket: net.Socket;
  received = Buffer.alloc(0);
  ended = false;
  readonly closed: Promise<void>;
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.#wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.#wake();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.ended = true;
        this.#wake();
        resolve();
      }),
    );
  }

  static connect(port: number, secure = false): Promise<RawSocket> {
    return new Promise((resolve, reject) => {
      const socket = secure
        ? tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false }, () =>
            resolve(new RawSocket(socket)),
          )
        : net.connect({ port, host: "127.0.0.1" }, () => resolve(new RawSocket(socket)));
      socket.once("error", reject);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  write(bytes: string | Uint8Array): void {
    this.socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
  }

  /** Resolves once `condition` holds for what was received; rejects after `timeoutMs`. */
  async until(condition: (received: Buffer) => boolean, timeoutMs = 3_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this.received)) {
      if (this.ended) {
        throw new Error(`Connection ended; received ${JSON.stringify(this.text())}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out; received ${JSON.stringify(this.text())}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Waits until the received text contains `text`. */
  untilText(text: string, timeoutMs?: number): Promise<Buffer> {
    return this.until((received) => received.includes(text, 0, "latin1"), timeoutMs);
  }

  /** Waits until `count` bytes have arrived. */
  untilBytes(count: number, timeoutMs?: number): Promise<Buffer> {
    return this.until((received) => received.length >= count, timeoutMs);
  }

  /** Waits for the server to end the connection. */
  async untilClosed(timeoutMs = 3_000): Promise<void> {
    await this.until(() => this.ended, timeoutMs).catch((error: Error) => {
      if (!this.ended) throw error;
    });
  }

  text(): string {
    return this.received.toString("latin1");
  }

  /** Takes the bytes received so far out of the buffer. */
  take(count = this.received.length): Buffer {
    const taken = this.received.subarray(0, count);
    this.received = this.received.subarray(count);
    return taken;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
