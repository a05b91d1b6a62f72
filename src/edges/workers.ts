import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";

/**
 * Worker processes with `node:cluster`: the primary forks workers that each run the app on the
 * same port, restarts workers that crash, and shuts them all down gracefully on SIGINT/SIGTERM.
 */

export interface WorkerOptions {
  /** Number of worker processes. Default: the number of CPUs. */
  workers?: number;
  /**
   * Starts the app in a worker and returns something with `close()` (e.g. the Server after
   * `await app.run({ port })`); `close()` is called on shutdown.
   */
  start: () => Promise<Closable> | Closable;
  /** Restart workers that exit unexpectedly. Default: true. */
  respawn?: boolean;
  /** Give up restarting after this many crashes within `crashWindowMs`. Default: 5. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** Workers still running this long after shutdown began are killed. Default: 15 000 ms. */
  shutdownTimeout?: number;
  /** Reports lifecycle events (worker started, crashed, shutdown). Default: stderr. */
  log?: (message: string) => void;
}

export interface Closable {
  close(): Promise<void>;
}

const SHUTDOWN_MESSAGE = "slow-serv:shutdown";

function checkOptions(options: WorkerOptions): Required<Omit<WorkerOptions, "start">> {
  if (typeof options?.start !== "function") {
    throw new TypeError("runWorkers needs { start: async () => { …; return app } }");
  }
  const workers = options.workers ?? availableParallelism();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new TypeError(`'workers' must be a whole number ≥ 1, got ${String(options.workers)}`);
  }
  return {
    workers,
    respawn: options.respawn ?? true,
    maxCrashes: options.maxCrashes ?? 5,
    crashWindowMs: options.crashWindowMs ?? 60_000,
    shutdownTimeout: options.shutdownTimeout ?? 15_000,
    log: options.log ?? ((message) => process.stderr.write(`[slow-serv] ${message}\n`)),
  };
}

/**
 * In the primary process: forks the workers and supervises them; resolves when all have exited
 * after a shutdown. In a worker: starts the app and resolves once it is listening.
 */
export async function runWorkers(options: WorkerOptions): Promise<void> {
  const settings = checkOptions(options);
  if (cluster.isPrimary) return supervise(settings);
  const app = await options.start();
  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("message", (message) => {
    if (message === SHUTDOWN_MESSAGE) shutdown();
  });
  // The primary forwards signals; a worker also ignores a terminal's SIGINT sent to the group.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", shutdown);
}

function supervise(settings: Required<Omit<WorkerOptions, "start">>): Promise<void> {
  const { log } = settings;
  let shuttingDown = false;
  const crashes: number[] = [];
  const fork = (): Worker => cluster.fork();
  for (let index = 0; index < settings.workers; index++) fork();
  log(
    `started ${settings.workers} worker${settings.workers === 1 ? "" : "s"} (primary pid ${process.pid})`,
  );

  return new Promise((resolve) => {
    cluster.on("exit", (worker, code, signal) => {
      const remaining = Object.keys(cluster.workers ?? {}).length;
      if (shuttingDown) {
        if (remaining === 0) resolve();
        return;
      }
      log(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`})`);
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && now - crashes[0]! > settings.crashWindowMs) crashes.shift();
      if (settings.respawn && crashes.length <= settings.maxCrashes) {
        fork();
      } else if (remaining === 0) {
        log("too many worker crashes; giving up (fix the error above and restart)");
        process.exitCode = 1;
        resolve();
      }
    });
    const shutdown = (signal: NodeJS.Signals): void => {
      if (shuttingDown) return;
      shuttingDown = true;
      log(`${signal}: shutting down workers gracefully`);
      const workers = Object.values(cluster.workers ?? {});
      if (workers.length === 0) resolve();
      for (const worker of workers) worker?.send(SHUTDOWN_MESSAGE);
      setTimeout(() => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.kill("SIGKILL");
      }, settings.shutdownTimeout).unref();
    };
    process.on("SIGINT", shutdown);
    process.on("SIGTERM", shutdown);
  });
}
