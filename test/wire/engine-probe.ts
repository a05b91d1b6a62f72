import { Connection } from "../../src/wire/connection.js";

/**
 * Watches the engine's connections from inside this test process: the bytes they have been
 * handed and the first time one stops reading. A partial head or a paused socket shows nothing on
 * the wire, so tests that drive time with `engine.sweep(now)` wait on these before each sweep
 * instead of sleeping and hoping the server got there.
 */
export interface EngineProbe {
  /** Bytes handed to every connection's parser so far. */
  readonly bytesRead: number;
  /** Resolves once connections have been handed at least `bytes` bytes in all. */
  read(bytes: number): Promise<void>;
  /** Resolves at the first time a connection pauses reading (a body held back, a full pipeline). */
  readonly paused: Promise<void>;
  /** Puts the engine's own methods back; call it in a `finally`. */
  restore(): void;
}

export function probeEngine(): EngineProbe {
  const prototype = Connection.prototype;
  const { receive, pauseBody } = prototype;
  let bytesRead = 0;
  let waiters: { bytes: number; resolve: () => void }[] = [];
  let pausedNow!: () => void;
  const paused = new Promise<void>((resolve) => {
    pausedNow = resolve;
  });
  prototype.receive = function (this: Connection, chunk: Buffer, reused: boolean): void {
    // Counted once the read has been parsed, so a waiter sees the engine's state after it.
    receive.call(this, chunk, reused);
    bytesRead += chunk.length;
    const ready = waiters.filter((waiter) => waiter.bytes <= bytesRead);
    waiters = waiters.filter((waiter) => waiter.bytes > bytesRead);
    for (const waiter of ready) waiter.resolve();
  };
  prototype.pauseBody = function (this: Connection): void {
    pauseBody.call(this);
    pausedNow();
  };
  return {
    get bytesRead() {
      return bytesRead;
    },
    read(bytes: number): Promise<void> {
      if (bytesRead >= bytes) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ bytes, resolve }));
    },
    paused,
    restore(): void {
      prototype.receive = receive;
      prototype.pauseBody = pauseBody;
    },
  };
}
