import { Connection } from "../../src/wire/connection.js";

/**
 * Watches the engine's connections from inside this test process: the bytes they have been
 * handed and the first time one stops reading. A partial head or a paused socket shows nothing on
 * the wire, so tests that drive time with `engine.sweep(now)` wait on these before each sweep
 * instead of sleeping and hoping the server got there. Graceful shutdown is watched too: when it
 * asks connections to close its deadline timer is armed, and a cut at that deadline is a destroy.
 */
export interface EngineProbe {
  /** Bytes handed to every connection's parser so far. */
  readonly bytesRead: number;
  /** Resolves once connections have been handed at least `bytes` bytes in all. */
  read(bytes: number): Promise<void>;
  /** Resolves at the first time a connection pauses reading (a body held back, a full pipeline). */
  readonly paused: Promise<void>;
  /**
   * Resolves once graceful shutdown has asked open connections to close; by the time the caller
   * runs, the shutdown deadline (`timeouts.shutdown`) is armed.
   */
  readonly shutdown: Promise<void>;
  /** Connections the engine has cut (`destroy()`) so far. */
  readonly destroyed: number;
  /** Puts the engine's own methods back; call it in a `finally`. */
  restore(): void;
}

export function probeEngine(): EngineProbe {
  const prototype = Connection.prototype;
  const { receive, pauseBody, shutdown, destroy } = prototype;
  let bytesRead = 0;
  let destroyed = 0;
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
  let shutdownNow!: () => void;
  const shuttingDown = new Promise<void>((resolve) => {
    shutdownNow = resolve;
  });
  prototype.shutdown = function (this: Connection): void {
    shutdown.call(this);
    shutdownNow();
  };
  prototype.destroy = function (this: Connection): void {
    destroyed++;
    destroy.call(this);
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
    shutdown: shuttingDown,
    get destroyed() {
      return destroyed;
    },
    restore(): void {
      prototype.receive = receive;
      prototype.pauseBody = pauseBody;
      prototype.shutdown = shutdown;
      prototype.destroy = destroy;
    },
  };
}
