import type { WireRequest } from "../../wire/request.js";
import { clientAddress, type ProxyTrust } from "../proxy.js";

/**
 * The second argument a fetch handler gets: the connection facts in the shapes the common hosts
 * use, so handlers written for them find what they look for.
 *
 * - `remoteAddress`, `remotePort`, `encrypted`: slow-serv's own names (trust-proxy aware).
 * - `remoteAddr`: Deno.serve's `{ hostname, port, transport }`.
 * - `waitUntil(promise)`: Cloudflare's and srvx's; graceful shutdown waits for these promises.
 * - `incoming.socket`: the part of `node:http`'s request that `@hono/node-server`'s
 *   `getConnInfo` reads (`c.env.incoming.socket.remoteAddress`). It is not a socket: only
 *   `remoteAddress`, `remotePort`, `remoteFamily` and `encrypted` are there.
 *
 * The info object is passed as the second and third argument, so Hono finds it both as `c.env`
 * and as `c.executionCtx` (`c.executionCtx.waitUntil(…)`).
 */
export interface FetchInfo {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly encrypted: boolean;
  readonly remoteAddr: {
    readonly hostname: string;
    readonly port: number;
    readonly transport: "tcp";
  };
  readonly incoming: {
    readonly socket: {
      readonly remoteAddress: string;
      readonly remotePort: number;
      readonly remoteFamily: "IPv4" | "IPv6";
      readonly encrypted: boolean;
    };
  };
  /** Cloudflare's `ctx.props` (Hono's ExecutionContext has it): always empty here. */
  readonly props: Record<string, unknown>;
  waitUntil(promise: PromiseLike<unknown>): void;
  /** Hono's ExecutionContext has it; for a server it means nothing, so it does nothing. */
  passThroughOnException(): void;
}

/** Made per request, with every fact computed on first use. */
export class ConnectionFacts implements FetchInfo {
  readonly #request: WireRequest;
  readonly #trust: ProxyTrust;
  readonly #waitUntil: (promise: PromiseLike<unknown>) => void;

  constructor(
    request: WireRequest,
    trust: ProxyTrust,
    waitUntil: (promise: PromiseLike<unknown>) => void,
  ) {
    this.#request = request;
    this.#trust = trust;
    this.#waitUntil = waitUntil;
  }

  get remoteAddress(): string {
    return clientAddress(this.#request, this.#trust).ip;
  }

  /** The TCP port of the peer (a proxy's, behind one: forwarded headers carry no port). */
  get remotePort(): number {
    return this.#request.connection.remotePort;
  }

  /** Whether the client used TLS: the socket's, or a trusted proxy's `X-Forwarded-Proto`. */
  get encrypted(): boolean {
    return clientAddress(this.#request, this.#trust).protocol === "https";
  }

  get remoteAddr(): FetchInfo["remoteAddr"] {
    return { hostname: this.remoteAddress, port: this.remotePort, transport: "tcp" };
  }

  get incoming(): FetchInfo["incoming"] {
    const address = this.remoteAddress;
    return {
      socket: {
        remoteAddress: address,
        remotePort: this.remotePort,
        remoteFamily: address.includes(":") ? "IPv6" : "IPv4",
        encrypted: this.encrypted,
      },
    };
  }

  get props(): Record<string, unknown> {
    return {};
  }

  waitUntil(promise: PromiseLike<unknown>): void {
    this.#waitUntil(promise);
  }

  passThroughOnException(): void {}
}

/** `(request, info) => Response`: what Bun.serve, Deno.serve, Workers, Hono, h3… all speak. */
export type FetchHandler = (
  request: Request,
  info: FetchInfo,
  context: FetchInfo,
) => Response | PromiseLike<Response>;
