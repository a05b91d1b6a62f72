import type { Socket } from "node:net";
import { redirectSharedReads } from "./shared-reads.js";

/**
 * Leaving HTTP (RFC 9110 §7.8): how a connection hands its socket to another protocol.
 *
 * The parser holds every byte after an upgrade request's message (see RequestParser.held); when
 * the handler's response carries an `upgrade` function and the connection reaches that response
 * in order, the connection writes what precedes it, detaches itself from the socket and calls
 * `upgrade(socket, head)` with the held bytes. The new protocol writes its own `101`. The engine
 * keeps what the function returns (an `EngineSession`) for its timer sweep and graceful shutdown.
 */

/** A protocol running on a socket taken from HTTP, as the engine sees it. */
export interface EngineSession {
  /** Called by the engine's single timer sweep (idle timeouts, pings). */
  sweep(now: number): void;
  /** Graceful shutdown began: finish politely (a WebSocket sends close 1001). */
  shutdown(): void;
  /** The shutdown grace ran out: cut the connection now. */
  destroy(): void;
}

/**
 * Takes over a socket after an upgrade request. `head` holds the bytes that arrived after the
 * request (often empty). Returning nothing registers a session that only waits for the socket to
 * close during a graceful shutdown, and destroys it when the shutdown timeout ends.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: lets `(socket, head) => ws.handleUpgrade(…)` fit.
export type UpgradeHandler = (socket: Socket, head: Buffer) => EngineSession | undefined | void;

/** What a connection's owner does with a socket leaving HTTP (the engine keeps the session). */
export interface SessionHost {
  adoptSession(socket: Socket, session: EngineSession): void;
  reportError(error: unknown): void;
}

// biome-ignore lint/suspicious/noExplicitAny: the shape socket.off itself takes.
type Listener = (...args: any[]) => void;

/**
 * Removes the connection's listeners and gives the socket its reads back: as 'data' events, with
 * the stream neither flowing nor paused, so the new protocol's first 'data' listener starts
 * reading, and nothing read meanwhile is lost (it waits in the stream's buffer).
 */
export function detachSocket(
  socket: Socket,
  listeners: ReadonlyArray<readonly [string, Listener]>,
): void {
  for (const [event, listener] of listeners) socket.off(event, listener);
  redirectSharedReads(socket);
  // What Node's own HTTP server does on 'upgrade': a paused stream would not resume on 'data'.
  (socket as unknown as { readableFlowing: boolean | null }).readableFlowing = null;
}

/** The session of a generic hand-off: the engine can only wait for it or cut it. */
class RawSession implements EngineSession {
  readonly #socket: Socket;

  constructor(socket: Socket) {
    this.#socket = socket;
  }

  sweep(): void {}

  shutdown(): void {
    // The protocol is unknown here: it gets the shutdown timeout to finish on its own.
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/**
 * Calls the protocol's upgrade function and registers its session with the host. A function that
 * throws cannot have answered properly: the socket is destroyed and the error reported.
 */
export function startSession(
  socket: Socket,
  head: Buffer,
  upgrade: UpgradeHandler,
  host: SessionHost,
): void {
  let session: EngineSession | undefined;
  try {
    session = upgrade(socket, head) ?? undefined;
  } catch (error) {
    host.reportError(error);
    socket.destroy();
    return;
  }
  if (socket.destroyed) return;
  host.adoptSession(socket, session ?? new RawSession(socket));
}
