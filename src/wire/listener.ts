import { once } from "node:events";
import net, { type AddressInfo, type Socket } from "node:net";
import tls, { type TlsOptions } from "node:tls";
import { type Duplication, duplicateListener, duplicationUnavailable } from "./acceptors.js";
import {
  Connection,
  type ConnectionOwner,
  type ExchangeHandler,
  protocolErrorResponse,
  type ReportedPeer,
} from "./connection.js";
import { takeInheritedHandle } from "./inherited-socket.js";
import type { HttpLimits, HttpTimeouts } from "./options.js";
import { checkProxyProtocol, gatedServer, type ProxyProtocolOptions } from "./proxy-listener.js";
import type { WireRequest } from "./request.js";
import type { WireResponse } from "./response.js";
import type { EngineSession, SessionHost } from "./upgrade.js";

export interface ListenOptions {
  /** TCP port; 0 picks a free one (read it from the returned address). */
  port: number;
  /** Interface to bind. "127.0.0.1" by default; "0.0.0.0" or "::" for every interface. */
  host?: string;
  /** Serve HTTPS: at least `key` and `cert` (PEM), passed to `tls.createServer`. */
  tls?: TlsOptions;
  /**
   * Pending-connection queue (listen(2)); the kernel caps it at net.core.somaxconn. Default
   * `DEFAULT_BACKLOG`.
   */
  backlog?: number;
  /**
   * Handles accepting on the listening socket, each taking up to one new connection per
   * event-loop iteration (see acceptors.ts). Default `DEFAULT_ACCEPTORS`; 1 never adds any.
   */
  acceptors?: number;
  /**
   * Read the PROXY protocol (v1 or v2) header that haproxy or nginx sends ahead of each
   * connection, from the listed proxies only: see proxy-listener.ts.
   */
  proxyProtocol?: ProxyProtocolOptions;
}

/**
 * Node's default of 511 drops SYNs when a burst of clients connects at once (1,000 at start-up
 * overflowed it on our benchmark machine), and each dropped client waits a 1 s SYN retransmit.
 * Like Go, ask for as much as the kernel allows by default: it caps the value at somaxconn.
 */
export const DEFAULT_BACKLOG = 4096;

/**
 * A burst of 1,000 new clients on a busy loop, measured on our benchmark machine: with 4 handles
 * a few dozen still waited past 2 s in its slow phases (p99 about 1 s); with 8 none did (p99
 * 28 ms). More handles cost only failed accept calls when a lone connection wakes all of them.
 */
export const DEFAULT_ACCEPTORS = 8;

/**
 * Open connections at which the extra accept handles are added. Below it an iteration is short
 * enough that one handle keeps up, and small servers (and test suites) never start the helper.
 */
export const ACCEPTORS_START_AT = 128;

const DUPLICATION_TIMEOUT_MS = 10_000;

/** One listening socket: the server that bound it and the extra handles accepting on it. */
interface Listener {
  readonly server: net.Server;
  readonly secure: boolean;
  /** Connections go through the server's own 'connection' event (TLS, PROXY protocol). */
  readonly viaEvent: boolean;
  readonly acceptors: number;
  readonly backlog: number;
  duplication: Duplication | undefined;
  copies: net.Server[];
}

export interface BoundAddress {
  host: string;
  port: number;
  family: "IPv4" | "IPv6";
  protocol: "http" | "https";
  /** e.g. `http://127.0.0.1:8000` or `https://[::1]:8443`. */
  url: string;
}

/**
 * Accepts TCP (or TLS) connections and hands each to a `Connection`. Owns what is shared: the
 * limits, the single timeout sweep over every connection, and graceful shutdown.
 */
export class HttpEngine implements ConnectionOwner, SessionHost {
  readonly limits: HttpLimits;
  readonly timeouts: HttpTimeouts;
  readonly #handler: ExchangeHandler<WireRequest, WireResponse<unknown>>;
  readonly #listeners: Listener[] = [];
  readonly #addresses: BoundAddress[] = [];
  readonly #connections = new Set<Connection>();
  /** Protocols running on sockets that left HTTP (WebSockets…): swept and shut down too. */
  readonly #sessions = new Set<EngineSession>();
  #sweepTimer: NodeJS.Timeout | undefined = undefined;
  #closing = false;
  #closed: Promise<void> | undefined = undefined;
  #allClosed: (() => void) | undefined = undefined;
  /** Every connection of the shutdown has closed: nothing accepted after this is served. */
  #drained = false;
  /** Work handlers asked graceful shutdown to wait for (`waitUntil`). */
  readonly #pending = new Set<Promise<void>>();

  constructor(
    handler: ExchangeHandler<WireRequest, WireResponse<unknown>>,
    limits: HttpLimits,
    timeouts: HttpTimeouts,
  ) {
    this.#handler = handler;
    this.limits = limits;
    this.timeouts = timeouts;
  }

  get closing(): boolean {
    return this.#closing;
  }

  get addresses(): readonly BoundAddress[] {
    return this.#addresses;
  }

  /** Open connections right now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Open upgraded connections (WebSockets and other protocols) right now. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  async listen(options: ListenOptions): Promise<BoundAddress> {
    if (this.#closing) throw new Error("This server is closed; create a new one to listen again");
    const secure = options.tls !== undefined;
    const gated = options.proxyProtocol !== undefined;
    let server: net.Server;
    if (gated) {
      const gate = checkProxyProtocol(options.proxyProtocol, this.timeouts.headers);
      server = gatedServer(
        gate,
        options.tls,
        (socket, peer, leftover) => this.#accept(socket, peer, leftover),
        (error) => this.#handler.reportError(error, undefined),
      );
    } else {
      server = secure
        ? tls.createServer({ ...options.tls, allowHalfOpen: true })
        : net.createServer({ allowHalfOpen: true, noDelay: true });
      server.on(secure ? "secureConnection" : "connection", (socket: Socket) =>
        this.#accept(socket),
      );
      if (secure) server.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
    }
    const host = options.host ?? "127.0.0.1";
    const backlog = options.backlog ?? DEFAULT_BACKLOG;
    await new Promise<void>((resolve, reject) => {
      // Plain listeners removed once settled: a later server error must not become an
      // unhandled rejection of this long-finished wait.
      const onListening = (): void => {
        server.off("error", onError);
        resolve();
      };
      const onError = (error: NodeJS.ErrnoException): void => {
        server.off("listening", onListening);
        reject(describeListenError(error, host, options.port));
      };
      server.once("listening", onListening);
      server.once("error", onError);
      // Worker processes started with `reusePort` (src/edges/workers.ts) each bind their own
      // socket; `exclusive` keeps node:cluster from sharing one handle instead.
      const reusePort = process.env.SLOW_SERV_REUSE_PORT === "1";
      // A worker of a pool whose primary bound this address listens on the primary's socket.
      const inherited = takeInheritedHandle(host, options.port);
      // A bare handle: Node listens on it in this process, never through node:cluster.
      if (inherited !== undefined) server.listen(inherited, backlog);
      else {
        server.listen({
          port: options.port,
          host,
          backlog,
          ...(reusePort ? { reusePort: true, exclusive: true } : {}),
        });
      }
    });
    server.on("error", (error) => this.#handler.reportError(error, undefined));
    this.#listeners.push({
      server,
      secure,
      viaEvent: secure || gated,
      acceptors: options.acceptors ?? DEFAULT_ACCEPTORS,
      backlog,
      duplication: undefined,
      copies: [],
    });
    const info = server.address() as AddressInfo;
    const family = info.family === "IPv6" ? "IPv6" : "IPv4";
    const protocol = secure ? "https" : "http";
    const shownHost = family === "IPv6" ? `[${info.address}]` : info.address;
    const address: BoundAddress = {
      host: info.address,
      port: info.port,
      family,
      protocol,
      url: `${protocol}://${shownHost}:${info.port}`,
    };
    this.#addresses.push(address);
    this.#startSweep();
    return address;
  }

  #accept(socket: Socket, peer?: ReportedPeer, leftover?: Buffer): void {
    const max = this.limits.maxConnections;
    // While a shutdown drains, a connection accepted before it began (one that was passing the
    // PROXY gate meanwhile) is still served: its answer closes it. Refused, it would fail a
    // request during every reload.
    // (Also during the loop turns close() waits before it starts draining.)
    const refuse = this.#closing && (this.#drained || peer === undefined);
    if (refuse || (max > 0 && this.#connections.size >= max)) {
      socket.on("error", () => {});
      socket.end(protocolErrorResponse(503, "Too many connections; retry shortly"));
      socket.destroySoon?.();
      return;
    }
    const connection = new Connection(socket, this, this.#handler, Date.now(), peer);
    this.#connections.add(connection);
    // Bytes that came with a PROXY header: not from the shared read buffer, so kept as they are.
    if (leftover !== undefined && leftover.length > 0) connection.receive(leftover, false);
    if (this.#connections.size === ACCEPTORS_START_AT) this.#addAcceptors();
  }

  /** Extra accept handles, once per listener, when connections first reach the threshold. */
  #addAcceptors(): void {
    if (duplicationUnavailable() !== undefined) return;
    for (const listener of this.#listeners) {
      if (listener.acceptors < 2 || listener.duplication !== undefined) continue;
      listener.duplication = this.#duplicate(listener);
      listener.duplication.copies.then(
        (copies) => {
          listener.copies = copies;
          if (this.#closing) for (const copy of copies) copy.close();
        },
        (error: Error) => {
          // Serving goes on with the one handle; a shutdown cancels on purpose.
          if (!this.#closing) this.#handler.reportError(error, undefined);
        },
      );
    }
  }

  #duplicate(listener: Listener): Duplication {
    const { server, secure, viaEvent } = listener;
    return duplicateListener(server, listener.acceptors - 1, {
      allowHalfOpen: true,
      noDelay: !secure,
      backlog: listener.backlog,
      timeoutMs: DUPLICATION_TIMEOUT_MS,
      // A TLS server wraps whatever raw socket it is given on 'connection'; the PROXY gate too.
      onConnection: viaEvent
        ? (socket) => server.emit("connection", socket)
        : (socket) => this.#accept(socket),
      onError: (error) => this.#handler.reportError(error, undefined),
    });
  }

  /** Handles accepting right now, over every listener (for tests and diagnostics). */
  get acceptHandleCount(): number {
    let count = 0;
    for (const listener of this.#listeners) {
      count +=
        (listener.server.listening ? 1 : 0) +
        listener.copies.filter((copy) => copy.listening).length;
    }
    return count;
  }

  /** Resolves when every extra accept handle asked for so far has arrived or failed. */
  async acceptorsSettled(): Promise<void> {
    await Promise.allSettled(this.#listeners.map((listener) => listener.duplication?.copies));
  }

  connectionClosed(connection: Connection): void {
    this.#connections.delete(connection);
    this.#checkAllClosed();
  }

  #checkAllClosed(): void {
    if (this.#closing && this.#connections.size === 0 && this.#sessions.size === 0) {
      this.#allClosed?.();
    }
  }

  /** A connection is leaving HTTP: it is no longer ours; its session will be (see upgrade.ts). */
  connectionUpgraded(connection: Connection): SessionHost {
    this.#connections.delete(connection);
    return this;
  }

  adoptSession(socket: Socket, session: EngineSession): void {
    this.#sessions.add(session);
    socket.once("close", () => {
      this.#sessions.delete(session);
      this.#checkAllClosed();
    });
    if (this.#closing) session.shutdown();
  }

  reportError(error: unknown): void {
    this.#handler.reportError(error, undefined);
  }

  #startSweep(): void {
    if (this.#sweepTimer !== undefined) return;
    this.#sweepTimer = setInterval(() => {
      // The clock is read now, in the timers phase, but the timeouts are applied after the poll
      // phase that follows: after an event-loop stall (a long GC pause, a blocking handler, a
      // stopped process) input that arrived meanwhile is read first, so a connection whose
      // request waits unread in the kernel is never closed as idle. Input read in between
      // moves its connection's clock past `now`; whatever arrives after `now` came after the
      // timeout had already run out.
      const now = Date.now();
      setImmediate(() => this.sweep(now));
    }, this.timeouts.sweepInterval);
    this.#sweepTimer.unref();
  }

  /** Applies every timeout to every connection; runs on one interval for the whole server. */
  sweep(now: number): void {
    for (const connection of this.#connections) connection.sweep(now);
    for (const session of this.#sessions) session.sweep(now);
  }

  /**
   * Keeps graceful shutdown waiting for `promise` (within `timeouts.shutdown`): work a handler
   * goes on with after its response, like Workers' `waitUntil`. A rejection is reported, not
   * thrown.
   */
  waitUntil(promise: PromiseLike<unknown>): void {
    const tracked = Promise.resolve(promise).then(
      () => {
        this.#pending.delete(tracked);
      },
      (error: unknown) => {
        this.#pending.delete(tracked);
        this.#handler.reportError(error, undefined);
      },
    );
    this.#pending.add(tracked);
  }

  /** Promises passed to `waitUntil` that have not settled yet. */
  get pendingWork(): number {
    return this.#pending.size;
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let in-flight requests finish
   * (their responses say `Connection: close`), and cut whatever is left after `timeouts.shutdown`.
   */
  close(): Promise<void> {
    // Every caller waits for the same shutdown.
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    const helpersGone: Promise<void>[] = [];
    for (const listener of this.#listeners) {
      if (listener.duplication !== undefined) helpersGone.push(listener.duplication.cancel());
      listener.server.close();
      for (const copy of listener.copies) copy.close();
    }
    // Requests already sent on idle keep-alive connections are read and answered (with
    // `Connection: close`) before the idle ones close: two turns of the loop, so that a poll
    // phase begun after this point has read every socket whatever phase close() was called in.
    await afterNextPoll();
    for (const connection of this.#connections) connection.shutdown();
    const deadline = Date.now() + this.timeouts.shutdown;
    for (const session of this.#sessions) session.shutdown();
    if (this.#connections.size > 0 || this.#sessions.size > 0) {
      // Resolves when the last connection has really closed, gracefully or cut at the deadline.
      const drained = new Promise<void>((resolve) => {
        this.#allClosed = resolve;
      });
      const timer = setTimeout(() => {
        for (const connection of this.#connections) connection.destroy();
        for (const session of this.#sessions) session.destroy();
      }, this.timeouts.shutdown);
      await drained;
      clearTimeout(timer);
    }
    this.#drained = true;
    await this.#settlePending(deadline);
    if (this.#sweepTimer !== undefined) clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    // A helper still running holds the socket open: it must be gone before "closed" is true.
    await Promise.all(helpersGone);
    const servers = this.#listeners.flatMap((listener) => [listener.server, ...listener.copies]);
    await Promise.all(
      servers.map((server) => (server.listening ? once(server, "close") : undefined)),
    );
  }

  /** Waits for `waitUntil` work (also work started while connections drained) until `deadline`. */
  async #settlePending(deadline: number): Promise<void> {
    while (this.#pending.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, left);
      });
      await Promise.race([Promise.all(this.#pending), timeUp]);
      clearTimeout(timer);
      if (Date.now() >= deadline) return;
    }
  }
}

function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export function describeListenError(
  error: NodeJS.ErrnoException,
  host: string,
  port: number,
): Error {
  if (error.code === "EADDRINUSE") {
    return new Error(
      `Port ${port} on ${host} is already in use. Stop the other server, or choose another port (port 0 picks a free one).`,
      { cause: error },
    );
  }
  if (error.code === "EACCES") {
    return new Error(
      `No permission to listen on port ${port}: ports below 1024 need privileges. Use a port ≥ 1024.`,
      { cause: error },
    );
  }
  if (error.code === "EADDRNOTAVAIL" || error.code === "ENOTFOUND") {
    return new Error(
      `Cannot listen on host '${host}': it is not an address of this machine. Use "127.0.0.1", "::1", "0.0.0.0" or "::".`,
      { cause: error },
    );
  }
  return error;
}
