import cluster, { type Worker } from "node:cluster";
import type { Socket } from "node:net";
import type { BoundAddress } from "../wire/listener.js";
import {
  type FromWorker,
  isMessage,
  type RelayedPublish,
  type ToWorker,
} from "./worker-messages.js";
import { BoundedRelay } from "./worker-pubsub.js";

/**
 * The primary side of `runWorkers`: forks the workers, learns when each is ready, restarts the
 * ones that crash (with back-off), replaces hung ones (watchdog) and retiring ones (maxRequests),
 * reloads without downtime, and shuts everything down gracefully.
 *
 * The listening socket is the primary's (shared-socket.ts): every worker accepts on it directly,
 * no round-robin through the primary, and it outlives every worker, so a worker replaced or
 * reloaded leaves nothing refused: connections wait in the kernel's queue for whichever worker
 * accepts next.
 */

export interface SupervisorSettings {
  readonly workers: number;
  readonly respawn: boolean;
  readonly maxCrashes: number;
  readonly crashWindowMs: number;
  readonly shutdownTimeout: number;
  readonly readyTimeout: number;
  readonly drainDelay: number;
  readonly watchdog: { readonly interval: number; readonly timeout: number } | false;
  readonly restartDelay: { readonly min: number; readonly max: number };
  readonly log: (message: string) => void;
  /** Added to each worker's environment. */
  readonly forkEnv: Readonly<Record<string, string>>;
  /** The primary's listening socket (shared-socket.ts), sent to each worker as it starts. */
  readonly socket: object | undefined;
  /** Forward pub/sub between workers (worker-pubsub.ts), at most this many queued each; 0: off. */
  readonly relayQueue: number;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  /** Deliberately being stopped: its exit is no crash. */
  stopping: boolean;
  lastPong: number;
  onReady: ((addresses: readonly BoundAddress[]) => void) | undefined;
  onFailed: ((reason: string) => void) | undefined;
  /** Relayed pub/sub messages on their way to this worker (when `relayQueue` is on). */
  relay: BoundedRelay | undefined;
}

export class Supervisor {
  readonly #settings: SupervisorSettings;
  readonly #slots = new Map<number, Slot>();
  readonly #crashes: number[] = [];
  #addresses: readonly BoundAddress[] = [];
  #shuttingDown = false;
  #reloading: Promise<void> | undefined = undefined;
  #watchdog: NodeJS.Timeout | undefined = undefined;
  #pingId = 0;
  #closed: () => void = () => {};
  /** Resolves when every worker has exited after a shutdown, or restarting was given up. */
  readonly closed: Promise<void>;

  constructor(settings: SupervisorSettings) {
    this.#settings = settings;
    this.closed = new Promise((resolve) => {
      this.#closed = resolve;
    });
  }

  get addresses(): readonly BoundAddress[] {
    return this.#addresses;
  }

  /** Worker process ids right now (ready or starting). */
  get pids(): number[] {
    return [...this.#slots.values()].flatMap((slot) => slot.worker.process.pid ?? []);
  }

  /** Forks every worker; resolves once all are ready, rejects with the first start-up failure. */
  async start(): Promise<readonly BoundAddress[]> {
    const { log, workers } = this.#settings;
    try {
      await Promise.all(Array.from({ length: workers }, () => this.#spawn()));
    } catch (error) {
      // A mistake every worker would repeat (a taken port, a bad file): stop, do not retry.
      await this.#stopAll(false);
      this.#closed();
      throw error;
    }
    log(`started ${workers} worker${workers === 1 ? "" : "s"} (primary pid ${process.pid})`);
    this.#startWatchdog();
    return this.#addresses;
  }

  /** Forks one worker and resolves when it is ready; rejects (and kills it) if it fails first. */
  #spawn(): Promise<Slot> {
    const worker = cluster.fork(this.#settings.forkEnv);
    const slot: Slot = {
      worker,
      ready: false,
      stopping: false,
      lastPong: Date.now(),
      onReady: undefined,
      onFailed: undefined,
      relay: undefined,
    };
    if (this.#settings.relayQueue > 0) {
      slot.relay = new BoundedRelay(
        this.#settings.relayQueue,
        `to worker ${worker.process.pid}`,
        (message, written) => {
          if (worker.isConnected()) worker.send(message, undefined, {}, written);
          else written();
        },
        this.#settings.log,
      );
    }
    this.#slots.set(worker.id, slot);
    worker.on("message", (message: unknown) => this.#message(slot, message));
    worker.on("exit", (code: number | null, signal: string | null) =>
      this.#exited(slot, code, signal),
    );
    // An IPC write to a worker that just died: its 'exit' handles the rest.
    worker.on("error", () => {});

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        slot.onFailed?.(`a worker did not become ready within ${this.#settings.readyTimeout} ms`);
      }, this.#settings.readyTimeout);
      slot.onReady = (addresses) => {
        clearTimeout(timer);
        slot.onFailed = undefined;
        if (addresses.length > 0) this.#addresses = addresses;
        resolve(slot);
      };
      slot.onFailed = (reason) => {
        clearTimeout(timer);
        slot.onReady = undefined;
        slot.onFailed = undefined;
        slot.stopping = true;
        worker.process.kill("SIGKILL");
        reject(new Error(reason));
      };
    });
  }

  #send(slot: Slot, message: ToWorker): void {
    if (slot.worker.isConnected()) slot.worker.send(message);
  }

  #message(slot: Slot, message: unknown): void {
    if (!isMessage<FromWorker>(message)) return;
    switch (message.slowServ) {
      case "ready":
        slot.ready = true;
        slot.lastPong = Date.now();
        slot.onReady?.(message.addresses);
        break;
      case "socket":
        // Asked for once the worker listens for it (a message sent sooner could go unheard).
        // Typed for servers and sockets; Node passes bare TCP handles too, as node:cluster does.
        if (this.#settings.socket !== undefined && slot.worker.isConnected()) {
          slot.worker.send({ slowServ: "socket" }, this.#settings.socket as Socket);
        }
        break;
      case "pong":
        slot.lastPong = Date.now();
        break;
      case "fatal":
        slot.onFailed?.(message.message);
        break;
      case "retire":
        if (!this.#shuttingDown && !slot.stopping) this.#replace(slot, "reached maxRequests");
        break;
      case "publish":
        this.#relay(slot, message);
        break;
    }
  }

  /**
   * A worker published: every other ready worker gets it, draining ones too (their WebSockets are
   * open until their shutdown closes them); starting ones have no subscribers yet.
   */
  #relay(from: Slot, message: RelayedPublish): void {
    for (const slot of this.#slots.values()) {
      if (slot !== from && slot.ready) slot.relay?.send(message);
    }
  }

  #exited(slot: Slot, code: number | null, signal: string | null): void {
    this.#slots.delete(slot.worker.id);
    const how = signal ?? `code ${code}`;
    if (slot.onFailed !== undefined) {
      slot.onFailed(`a worker exited during start-up (${how})`);
      return;
    }
    if (this.#shuttingDown) {
      if (this.#slots.size === 0) this.#finish();
      return;
    }
    if (slot.stopping) return;
    this.#settings.log(`worker ${slot.worker.process.pid} exited (${how})`);
    const now = Date.now();
    this.#crashes.push(now);
    while (this.#crashes.length > 0 && now - this.#crashes[0]! > this.#settings.crashWindowMs) {
      this.#crashes.shift();
    }
    if (this.#settings.respawn && this.#crashes.length <= this.#settings.maxCrashes) {
      // Back-off doubles with each recent crash: a worker that dies at once is not a busy loop.
      const { min, max } = this.#settings.restartDelay;
      const delay = Math.min(max, min * 2 ** (this.#crashes.length - 1));
      setTimeout(() => {
        if (this.#shuttingDown) return;
        this.#spawn().catch((error: Error) => {
          this.#settings.log(`a restarted worker failed to start: ${error.message}`);
        });
      }, delay);
    } else if (this.#slots.size === 0) {
      this.#settings.log("too many worker crashes; giving up (fix the error above and restart)");
      process.exitCode = 1;
      this.#finish();
    }
  }

  #startWatchdog(): void {
    const watchdog = this.#settings.watchdog;
    if (watchdog === false) return;
    this.#watchdog = setInterval(() => {
      const now = Date.now();
      const id = ++this.#pingId;
      for (const slot of this.#slots.values()) {
        if (!slot.ready || slot.stopping) continue;
        if (now - slot.lastPong > watchdog.timeout) {
          this.#settings.log(
            `worker ${slot.worker.process.pid} did not answer for ${watchdog.timeout} ms; replacing it`,
          );
          // Not marked stopping: its exit counts as a crash and starts the replacement.
          slot.ready = false;
          slot.worker.process.kill("SIGKILL");
          continue;
        }
        this.#send(slot, { slowServ: "ping", id });
      }
    }, watchdog.interval);
    this.#watchdog.unref();
  }

  /** Starts a replacement for `slot` and drains `slot` once the replacement is ready. */
  #replace(slot: Slot, why: string): void {
    slot.stopping = true;
    this.#settings.log(`replacing worker ${slot.worker.process.pid} (${why})`);
    this.#spawn().then(
      () => this.#drain([slot]),
      (error: Error) => {
        this.#settings.log(`replacement failed (${error.message}); the old worker keeps serving`);
        slot.stopping = false;
      },
    );
  }

  /**
   * Zero-downtime reload: new workers (running the code as it is on disk now) start and become
   * ready while the old ones serve; only then are the old ones drained. If a new worker fails to
   * start, the new ones are stopped and the old ones keep serving; the promise rejects.
   */
  reload(): Promise<void> {
    if (this.#shuttingDown) return Promise.reject(new Error("shutting down"));
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<void> {
    // The old workers stay ready until their drain begins: they share the socket with the new
    // ones, so the instance as a whole never stops being ready, and a balancer checking it
    // must not take it out (with instances reloading in turn, it would take them all out).
    const old = [...this.#slots.values()].filter((slot) => !slot.stopping);
    for (const slot of old) slot.stopping = true;
    this.#settings.log(`reloading: starting ${this.#settings.workers} new workers`);
    const started = Array.from({ length: this.#settings.workers }, () => this.#spawn());
    const results = await Promise.allSettled(started);
    const failure = results.find((result) => result.status === "rejected");
    if (failure !== undefined) {
      for (const result of results) {
        if (result.status === "fulfilled") {
          result.value.stopping = true;
          this.#send(result.value, { slowServ: "drain", delay: 0 });
        }
      }
      for (const slot of old) slot.stopping = false;
      const reason = (failure as PromiseRejectedResult).reason as Error;
      this.#settings.log(`reload failed: ${reason.message}; the old workers keep serving`);
      throw reason;
    }
    const pids = results.map(
      (result) => (result as PromiseFulfilledResult<Slot>).value.worker.process.pid,
    );
    this.#settings.log(`reload: new workers ${pids.join(", ")} ready; draining the old ones`);
    await this.#drain(old);
    this.#settings.log("reload complete");
  }

  /** Drains `slots` gracefully and resolves once they have exited (killed at the timeout). */
  #drain(slots: readonly Slot[]): Promise<void> {
    const exits = slots.map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.worker.isDead()) {
            resolve();
            return;
          }
          slot.worker.once("exit", () => resolve());
          slot.stopping = true;
          this.#send(slot, { slowServ: "drain", delay: this.#settings.drainDelay });
          const timer = setTimeout(
            () => slot.worker.process.kill("SIGKILL"),
            this.#settings.drainDelay + this.#settings.shutdownTimeout,
          );
          timer.unref();
          slot.worker.once("exit", () => clearTimeout(timer));
        }),
    );
    return Promise.all(exits).then(() => {});
  }

  async #stopAll(graceful: boolean): Promise<void> {
    const slots = [...this.#slots.values()];
    if (graceful) await this.#drain(slots);
    else {
      await Promise.all(
        slots.map((slot) => {
          slot.stopping = true;
          if (slot.worker.isDead()) return undefined;
          const exited = new Promise((resolve) => slot.worker.once("exit", resolve));
          slot.worker.process.kill("SIGKILL");
          return exited;
        }),
      );
    }
  }

  /** Graceful shutdown of every worker; resolves when all have exited. */
  shutdown(reason: string): Promise<void> {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      this.#settings.log(`${reason}: shutting down workers gracefully`);
      if (this.#slots.size === 0) this.#finish();
      else void this.#drain([...this.#slots.values()]);
    }
    return this.closed;
  }

  #finish(): void {
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    this.#watchdog = undefined;
    this.#shuttingDown = true;
    this.#closed();
  }
}
