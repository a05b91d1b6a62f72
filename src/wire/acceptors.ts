import { type ChildProcess, spawn } from "node:child_process";
import cluster from "node:cluster";
import { createRequire } from "node:module";
import net from "node:net";

/*
 * Why a listening socket gets more than one handle.
 *
 * libuv (since 1.45, so every Node this project supports) accepts one connection per listening
 * handle per event-loop iteration. While the loop serves many connections an iteration lasts
 * milliseconds, so a burst of new clients drains from the kernel's queue at a few hundred per
 * second: measured with 1,000 wrk connections on one core, a few hundred waited more than 2 s
 * to be accepted although the kernel had completed their handshakes. Each handle on the socket
 * is watched separately, so K handles accept up to K connections per iteration (the same 1,000
 * connections: 383 timeouts with one handle, none with 2, 4 or 8).
 *
 * Node has no dup(2), and `reusePort` needs Node 22.12. What it does have is handle passing over
 * an IPC channel, as `node:cluster` uses it: the kernel installs a new descriptor for the same
 * socket in the receiving process. So a short-lived helper process receives the listening
 * socket's handle once and sends it back `copies` times; each copy arrives here with its own
 * descriptor and becomes a `net.Server` (`server.listen(handle)`). The helper is then killed.
 *
 * The bare handle is passed (`server._handle`), not the `net.Server`: Node makes a received
 * server listen in the receiving process, so the helper would accept connections of its own and
 * reset them when it exits, and would call listen(2) with Node's default backlog of 511, which
 * shrinks the queue of the one socket every handle shares. A bare handle is neither.
 */

/** The helper: echoes the handle it is sent, `copies` times; killed once they have arrived. */
const HELPER_SOURCE = `
process.once("message", (copies, handle) => {
  for (let i = 0; i < copies; i++) process.send("copy", handle);
});
process.on("disconnect", () => process.exit(0));
`;

let unavailable: string | undefined | null = null;

/** Why duplicating cannot work in this process, or undefined when it can. */
export function duplicationUnavailable(): string | undefined {
  if (unavailable === null) unavailable = findUnavailability();
  return unavailable;
}

function findUnavailability(): string | undefined {
  if (process.platform === "win32") return "Windows accepts differently (not needed there)";
  if (cluster.isWorker) return "cluster workers receive connections from the primary";
  if (isSingleExecutable()) return "a single-executable application cannot run a helper script";
  return undefined;
}

function isSingleExecutable(): boolean {
  try {
    const sea = createRequire(import.meta.url)("node:sea") as { isSea?: () => boolean };
    return sea.isSea?.() === true;
  } catch {
    return false; // node:sea is missing before Node 20.12, which cannot build one either
  }
}

export interface Duplication {
  /**
   * Resolves with the copies, each listening, once the helper has exited (so no other process
   * holds the socket); rejects if the helper fails or takes too long.
   */
  readonly copies: Promise<net.Server[]>;
  /**
   * Stops the helper: the promise rejects if still pending, and copies arriving later are
   * closed. Copies already delivered stay the caller's to close. Resolves once the helper has
   * exited: until then its descriptor keeps the socket listening.
   */
  cancel(): Promise<void>;
}

export interface DuplicationOptions {
  /** For the copies' sockets, as for the original's (`net.createServer` options). */
  allowHalfOpen: boolean;
  noDelay: boolean;
  /** The listen(2) backlog the original asked for: every handle sets it on the shared socket. */
  backlog: number;
  timeoutMs: number;
  /** Attached to each copy before it listens, so no connection can arrive unheard. */
  onConnection: (socket: net.Socket) => void;
  onError: (error: Error) => void;
}

/** Gets `count` more handles on `server`'s listening socket, each a listening `net.Server`. */
export function duplicateListener(
  server: net.Server,
  count: number,
  options: DuplicationOptions,
): Duplication {
  const handle = (server as unknown as { _handle?: object | null })._handle;
  // Once settled (or cancelled) any copy still arriving is closed at once.
  let settled = false;
  const received: net.Server[] = [];
  // NODE_OPTIONS could load the application's loaders or profilers into the helper.
  const { NODE_OPTIONS: _ignored, ...env } = process.env;
  let helper: ChildProcess;
  try {
    helper = spawn(process.execPath, ["-e", HELPER_SOURCE], {
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env,
    });
  } catch (error) {
    // Thrown at once, e.g. where Node's permission model forbids child processes.
    const reason = error instanceof Error ? error.message : String(error);
    const failure = new Error(`Could not add accept handles to the listener: ${reason}`, {
      cause: error,
    });
    return { copies: Promise.reject(failure), cancel: () => Promise.resolve() };
  }
  helper.unref();
  helper.channel?.unref();
  const exited = new Promise<void>((resolve) => {
    helper.once("exit", () => resolve());
    // A helper that never started has no 'exit' to wait for.
    helper.once("error", () => {
      if (helper.pid === undefined) resolve();
    });
  });
  const stopHelper = (): Promise<void> => {
    if (helper.exitCode === null && helper.signalCode === null) helper.kill("SIGKILL");
    return exited;
  };
  let fail: (reason: string, cause?: Error) => void = () => {};
  const copies = new Promise<net.Server[]>((resolve, reject) => {
    fail = (reason, cause) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const copy of received) copy.close();
      const error = new Error(`Could not add accept handles to the listener: ${reason}`, { cause });
      stopHelper().then(() => reject(error));
    };
    const timer = setTimeout(
      () => fail(`the helper process gave no answer within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    timer.unref();
    helper.on("error", (error) => fail(error.message, error));
    helper.on("exit", (code, signal) => {
      fail(`the helper process exited early (${signal ?? `code ${code}`})`);
    });
    helper.on("message", (_message, copyHandle: unknown) => {
      if (copyHandle === undefined) return;
      const copy = net.createServer(
        { allowHalfOpen: options.allowHalfOpen, noDelay: options.noDelay },
        options.onConnection,
      );
      copy.on("error", options.onError);
      copy.listen(copyHandle, options.backlog);
      if (settled) {
        copy.close();
        return;
      }
      received.push(copy);
      if (received.length < count) return;
      settled = true;
      clearTimeout(timer);
      stopHelper().then(() => resolve(received));
    });
    if (handle === undefined || handle === null) {
      fail("the server is not listening");
      return;
    }
    // Typed for sockets and servers; Node passes bare TCP handles as well ("net.Native").
    helper.send(count, handle as net.Server, (error) => {
      if (error) fail(error.message, error);
    });
  });
  return {
    copies,
    cancel(): Promise<void> {
      fail("cancelled");
      return stopHelper();
    },
  };
}
