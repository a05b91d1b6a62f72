import net from "node:net";
import type { TestContext } from "node:test";
import type { ExchangeHandler } from "../../src/wire/connection.js";
import { HttpError } from "../../src/wire/http-error.js";
import { HttpEngine } from "../../src/wire/listener.js";
import {
  type HttpLimits,
  type HttpTimeouts,
  resolveLimits,
  resolveTimeouts,
} from "../../src/wire/options.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";

/**
 * Helpers of the connection tests written from mutation testing (docs/mutation/connection.md): a
 * wire-level engine with a bare handler, a watch on the server's own sockets, and a frozen clock.
 */

export type Handle = (
  request: WireRequest,
  response: WireResponse<unknown>,
) => void | Promise<void>;

export const GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

/** A wire-level engine (no framework) whose handler is `handle`; errors become their message. */
export async function withEngine(
  handle: Handle,
  fn: (port: number, errors: unknown[], engine: HttpEngine) => Promise<void>,
  limits: Partial<HttpLimits> = {},
  timeouts: Partial<HttpTimeouts> = {},
): Promise<void> {
  const errors: unknown[] = [];
  const handler: ExchangeHandler = {
    createRequest: (head, body, connection) => new WireRequest(head, body, connection),
    createResponse: () => new WireResponse(),
    handle,
    handleError(error, _request, response) {
      errors.push(error);
      response.status = error instanceof HttpError ? error.status : 500;
      response.body = error instanceof Error ? error.message : "error";
    },
    reportError(error) {
      errors.push(error);
    },
  };
  const engine = new HttpEngine(
    handler,
    resolveLimits(limits),
    resolveTimeouts({ shutdown: 1_000, ...timeouts }),
  );
  const { port } = await engine.listen({ port: 0, host: "127.0.0.1" });
  try {
    await fn(port, errors, engine);
  } finally {
    await engine.close();
  }
}

/** Freezes `Date` for this test (put back when it ends); returns the frozen time. */
export function freezeClock(t: TestContext): number {
  const start = Date.UTC(2026, 0, 1);
  t.mock.timers.enable({ apis: ["Date"], now: start });
  return start;
}

/**
 * Watches the server side of connections to `port`: whether a write first found the socket full,
 * how many sockets the server destroyed (at the call, not at the 'close' that follows later), and
 * the last server socket that wrote or paused, to ask whether it is reading (`isPaused()`).
 */
export function watchServerSockets(port: number): {
  readonly full: boolean;
  readonly destroyed: number;
  readonly socket: net.Socket | undefined;
  restore(): void;
} {
  const prototype = net.Socket.prototype as unknown as {
    write: (...args: unknown[]) => boolean;
    destroy: (...args: unknown[]) => net.Socket;
    pause: () => net.Socket;
  };
  const { write, destroy, pause } = prototype;
  const watch = {
    full: false,
    destroyed: 0,
    socket: undefined as net.Socket | undefined,
    restore(): void {
      prototype.write = write;
      prototype.destroy = destroy;
      prototype.pause = pause;
    },
  };
  prototype.write = function (this: net.Socket, ...args: unknown[]): boolean {
    const writable = write.apply(this, args);
    if (this.localPort === port) {
      watch.socket = this;
      if (!writable) watch.full = true;
    }
    return writable;
  };
  prototype.destroy = function (this: net.Socket, ...args: unknown[]): net.Socket {
    if (this.localPort === port && !this.destroyed) watch.destroyed++;
    return destroy.apply(this, args);
  };
  prototype.pause = function (this: net.Socket): net.Socket {
    if (this.localPort === port) watch.socket = this;
    return pause.call(this);
  };
  return watch;
}

/** An async iterable of `parts`, as a handler's streamed body. */
export async function* parts(
  ...chunks: Array<string | Uint8Array>
): AsyncGenerator<string | Uint8Array> {
  for (const chunk of chunks) yield chunk;
}
