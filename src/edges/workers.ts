import cluster from "node:cluster";
import { availableParallelism } from "node:os";
import type { BoundAddress } from "../wire/listener.js";
import { ConfigError } from "../wire/options.js";
import { bindSharedSocket } from "./shared-socket.js";
import { Supervisor, type SupervisorSettings } from "./supervisor.js";
import { type Closable, runWorkerSide } from "./worker-process.js";

/**
 * Worker processes sharing one listening socket: the primary owns the socket and supervises, each
 * worker accepts on it (see supervisor.ts for how, worker-process.ts for the worker's side).
 */

export type { Closable };

export interface WorkerOptions {
  /** Number of worker processes. Default: the number of CPUs. */
  workers?: number;
  /**
   * Starts the app in a worker and returns something with `close()` (e.g. the Server after
   * `await app.run({ port })`); `close()` is called on shutdown. What it throws is reported in
   * one line and stops start-up (no restart loop for a port already taken).
   */
  start: () => Promise<Closable> | Closable;
  /** Restart workers that exit unexpectedly. Default: true. */
  respawn?: boolean;
  /** Give up restarting after more than this many crashes within `crashWindowMs`. Default: 5. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** First restart delay after a crash, doubling per recent crash up to `max`. Default 100–10 000 ms. */
  restartDelay?: { min?: number; max?: number };
  /** Workers still running this long after their drain began are killed. Default: 15 000 ms. */
  shutdownTimeout?: number;
  /** A starting worker that is not ready within this long counts as failed. Default: 30 000 ms. */
  readyTimeout?: number;
  /**
   * How long a worker answers readiness 503 (see healthPlugin) before it stops accepting, so a
   * balancer notices first. Default 0.
   */
  drainDelay?: number;
  /**
   * The primary pings each worker over IPC every `interval` ms; a worker whose event loop does not
   * answer within `timeout` ms is killed and replaced. Default { interval: 1000, timeout: 10 000 };
   * false switches it off.
   */
  watchdog?: false | { interval?: number; timeout?: number };
  /**
   * Replace a worker after it has answered about this many requests (plus a random 0 to
   * `maxRequestsJitter`, so workers do not all retire at once); the replacement is ready before
   * the old one drains. Default 0: never.
   */
  maxRequests?: number;
  /** Default: a tenth of `maxRequests`. */
  maxRequestsJitter?: number;
  /**
   * Each worker binds its own socket with SO_REUSEPORT and the kernel spreads connections over
   * them (Node ≥ 22.12). Default false: one socket, owned by the primary.
   */
  reusePort?: boolean;
  /** Handle SIGHUP (reload) and SIGINT/SIGTERM (graceful shutdown) in the primary. Default true. */
  signals?: boolean;
  /**
   * The address the app listens on (what `start` passes to `app.run`). Given, the primary binds
   * it once and keeps it, and each worker's `app.run` with this port and host accepts on the
   * primary's socket: the port stays open (and the same, even port 0) while workers come and go,
   * and a taken port fails once, in the primary. Without it, node:cluster shares a handle per
   * address, released when the last worker exits.
   */
  listen?: { port: number; host?: string };
  /**
   * Pub/sub across workers: what a worker publishes (`app.publish`, `ws.publish`) reaches the
   * subscribers of every worker, relayed through the primary over IPC (see docs/websockets.md,
   * "WebSockets with workers", for the cost). `maxQueued` bounds the messages waiting per IPC
   * channel (default 10 000); beyond it they are dropped and logged. Default false: per process.
   */
  relayPublish?: boolean | { maxQueued?: number };
  /** Reports lifecycle events (worker started, crashed, shutdown). Default: stderr. */
  log?: (message: string) => void;
}

/** The running workers, in the primary. */
export interface WorkerPool {
  /** Addresses the workers listen on (as the first ready worker reported them). */
  readonly addresses: readonly BoundAddress[];
  readonly pids: readonly number[];
  /** Zero-downtime reload (as SIGHUP): resolves once the old workers have drained. */
  reload(): Promise<void>;
  /** Graceful shutdown (as SIGTERM); resolves when every worker has exited. */
  close(): Promise<void>;
  /** Resolves when every worker has exited after a shutdown, or restarting was given up. */
  readonly closed: Promise<void>;
}

const REUSE_PORT_ENV = "SLOW_SERV_REUSE_PORT";
const INHERITED_ENV = "SLOW_SERV_LISTEN";

function whole(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`'${name}' must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}

/** Whether this Node can bind with SO_REUSEPORT (`reusePort` in `server.listen`, 22.12+). */
export function reusePortSupported(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

interface Checked {
  supervisor: SupervisorSettings;
  maxRequests: number;
  maxRequestsJitter: number;
  reusePort: boolean;
  signals: boolean;
  relayQueue: number;
}

function checkOptions(options: WorkerOptions): Checked {
  if (typeof options?.start !== "function") {
    throw new ConfigError("runWorkers needs { start: async () => { …; return app } }");
  }
  const watchdog = options.watchdog;
  if (options.reusePort === true && !reusePortSupported()) {
    throw new ConfigError(
      `'reusePort' needs Node 22.12 or later (this is ${process.versions.node}): upgrade Node, or leave it off to share the primary's socket`,
    );
  }
  const maxRequests = whole("maxRequests", options.maxRequests, 0, 0);
  const relay = options.relayPublish;
  if (
    relay !== undefined &&
    typeof relay !== "boolean" &&
    (typeof relay !== "object" || relay === null)
  ) {
    throw new ConfigError("'relayPublish' must be true, false or { maxQueued: N }");
  }
  const relayQueue =
    relay === undefined || relay === false
      ? 0
      : whole("relayPublish.maxQueued", relay === true ? undefined : relay.maxQueued, 10_000, 1);
  const log =
    options.log ?? ((message: string) => process.stderr.write(`[slow-serv] ${message}\n`));
  return {
    supervisor: {
      workers: whole("workers", options.workers, availableParallelism(), 1),
      respawn: options.respawn ?? true,
      maxCrashes: whole("maxCrashes", options.maxCrashes, 5, 0),
      crashWindowMs: whole("crashWindowMs", options.crashWindowMs, 60_000, 1),
      shutdownTimeout: whole("shutdownTimeout", options.shutdownTimeout, 15_000, 1),
      readyTimeout: whole("readyTimeout", options.readyTimeout, 30_000, 1),
      drainDelay: whole("drainDelay", options.drainDelay, 0, 0),
      watchdog:
        watchdog === false
          ? false
          : {
              interval: whole("watchdog.interval", watchdog?.interval, 1_000, 1),
              timeout: whole("watchdog.timeout", watchdog?.timeout, 10_000, 1),
            },
      restartDelay: {
        min: whole("restartDelay.min", options.restartDelay?.min, 100, 1),
        max: whole("restartDelay.max", options.restartDelay?.max, 10_000, 1),
      },
      log,
      forkEnv: {},
      socket: undefined,
      relayQueue,
    },
    maxRequests,
    maxRequestsJitter: whole(
      "maxRequestsJitter",
      options.maxRequestsJitter,
      Math.floor(maxRequests / 10),
      0,
    ),
    reusePort: options.reusePort === true,
    signals: options.signals ?? true,
    relayQueue,
  };
}

/**
 * In the primary: forks the workers and resolves with the pool once every one is ready; rejects
 * with the first start-up failure (one line, e.g. the port is taken), having stopped the others.
 * In a worker: starts the app and resolves with undefined once it is listening.
 */
export async function startWorkers(options: WorkerOptions): Promise<WorkerPool | undefined> {
  const settings = checkOptions(options);
  if (!cluster.isPrimary) {
    const jitter = Math.floor(Math.random() * (settings.maxRequestsJitter + 1));
    await runWorkerSide(options.start, process.env[INHERITED_ENV], {
      maxRequests: settings.maxRequests === 0 ? 0 : settings.maxRequests + jitter,
      relayQueue: settings.relayQueue,
      log: settings.supervisor.log,
    });
    return undefined;
  }
  if (settings.reusePort) {
    // Each worker binds its own socket: the engine reads this (inherited by the workers) to
    // listen with SO_REUSEPORT and without the cluster's shared handle.
    process.env[REUSE_PORT_ENV] = "1";
  } else {
    // Handles, not round-robin: the primary binds the socket and every worker accepts on it.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
  }
  const listen = options.listen;
  const shared =
    listen === undefined || settings.reusePort
      ? undefined
      : await bindSharedSocket(listen.host ?? "127.0.0.1", listen.port);
  if (shared !== undefined) {
    settings.supervisor = {
      ...settings.supervisor,
      forkEnv: { [INHERITED_ENV]: shared.environment },
      socket: shared.handle,
    };
  }
  const supervisor = new Supervisor(settings.supervisor);
  void supervisor.closed.then(() => shared?.close());
  const pool: WorkerPool = {
    get addresses() {
      return supervisor.addresses;
    },
    get pids() {
      return supervisor.pids;
    },
    reload: () => supervisor.reload(),
    close: () => supervisor.shutdown("close()"),
    closed: supervisor.closed,
  };
  // Installed before the workers start: a SIGTERM that arrives while they come up (a worker can
  // already be serving) is a graceful shutdown too, not the default action killing the primary.
  const onSignal = (signal: NodeJS.Signals): void => void supervisor.shutdown(signal);
  const onHangup = (): void => {
    settings.supervisor.log("SIGHUP: reloading");
    supervisor.reload().catch(() => {});
  };
  if (settings.signals) {
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.on("SIGHUP", onHangup);
  }
  try {
    await supervisor.start();
  } catch (error) {
    shared?.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    process.off("SIGHUP", onHangup);
    throw error;
  }
  return pool;
}

/**
 * In the primary process: forks the workers and supervises them; resolves when all have exited
 * after a shutdown (SIGINT/SIGTERM), or when start-up failed or restarting was given up (then
 * `process.exitCode` is 1 and the reason was logged). SIGHUP reloads without downtime. In a
 * worker: starts the app and resolves once it is listening.
 */
export async function runWorkers(options: WorkerOptions): Promise<void> {
  let pool: WorkerPool | undefined;
  try {
    pool = await startWorkers(options);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const log = options.log ?? ((message) => process.stderr.write(`[slow-serv] ${message}\n`));
    log(`could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  await pool?.closed;
}
