import type { FetchInfo } from "../../app/fetch/info.js";
import { FetchRequest } from "../../app/fetch/request.js";
import type { Logger } from "../../app/logger.js";
import {
  extraHeaderLines,
  type WebSocketAcceptOptions,
  type WebSocketAcceptor,
  webSocketAcceptor,
} from "../../app/ws/ws-route.js";
import { HttpError } from "../../wire/http-error.js";
import { ConfigError } from "../../wire/options.js";
import type { WireRequest } from "../../wire/request.js";
import type { WireResponse } from "../../wire/response.js";
import { DEFAULT_WEBSOCKET_LIMITS } from "../../wire/websocket/options.js";
import type { Topics } from "../../wire/websocket/topics.js";
import type { WebSocketHandler } from "../../wire/websocket/websocket.js";

/**
 * WebSockets for served fetch handlers, in Bun.serve's shape: one behaviour object for the whole
 * server (`serve({ fetch, websocket })`), and inside the handler `info.upgrade(request, { data })`
 * marks the exchange to be handed off. The handshake, the options and the WebSocket itself are
 * those of `app.ws` (src/app/ws/ws-route.ts).
 */

/** `serve({ websocket })`: the callbacks of every socket, and the options of `app.ws` routes. */
export type FetchWebSocket<Data> = WebSocketHandler<Data> & WebSocketAcceptOptions;

/** The second argument of `info.upgrade(request, options)` / `server.upgrade(…)`. */
export type UpgradeOptions<Data> = {
  /** More header fields for the 101 (e.g. a Set-Cookie); the handshake's own are not replaced. */
  headers?: ConstructorParameters<typeof Headers>[0];
} & (undefined extends Data ? { data?: Data } : { data: Data });

/** `options` may be left out only when `Data` allows undefined. */
export type UpgradeArguments<Data> = undefined extends Data
  ? [options?: UpgradeOptions<Data>]
  : [options: UpgradeOptions<Data>];

/** What a handler served with `serve()` gets as `info`: FetchInfo and `upgrade`. */
export interface ServeInfo<Data = undefined> extends FetchInfo {
  /**
   * True when `request` is a valid WebSocket handshake: the exchange is then handed off (return
   * `undefined`, or any Response: it is ignored). False otherwise: answer the request as usual.
   */
  upgrade(request: Request, ...options: UpgradeArguments<Data>): boolean;
}

/** The fetch handler `serve()` takes: Bun's convention, `undefined` once upgraded. */
export type ServeHandler<Data = undefined> = (
  request: Request,
  info: ServeInfo<Data>,
  context: ServeInfo<Data>,
) => Response | undefined | PromiseLike<Response | undefined>;

const BEHAVIOUR_KEYS = ["open", "message", "drain", "close", "ping", "pong"];
const KNOWN = new Set([
  ...BEHAVIOUR_KEYS,
  ...Object.keys(DEFAULT_WEBSOCKET_LIMITS),
  "compression",
  "protocols",
  "origins",
]);

/** The server's WebSocket endpoint: checks a request's handshake and arranges the hand-off. */
export class FetchUpgrader<Data> {
  readonly #acceptor: WebSocketAcceptor<Data>;
  /** Upgrade requests being handled, for `server.upgrade(request)`: only those, not every one. */
  readonly #pending = new WeakMap<WireRequest, WireResponse<unknown>>();

  constructor(websocket: FetchWebSocket<Data>, topics: Topics, logger: Logger) {
    if (typeof websocket !== "object" || websocket === null) {
      throw new ConfigError("'websocket' must be an object like { message(ws, data) {…} }");
    }
    for (const key of Object.keys(websocket)) {
      if (!KNOWN.has(key)) {
        throw new ConfigError(
          `Unknown 'websocket' option '${key}'. Known: ${[...KNOWN].join(", ")}.`,
        );
      }
    }
    for (const key of BEHAVIOUR_KEYS) {
      const value = (websocket as Record<string, unknown>)[key];
      if (value !== undefined && typeof value !== "function") {
        throw new ConfigError(`'websocket.${key}' must be a function (ws, …) => void`);
      }
    }
    this.#acceptor = webSocketAcceptor("serve({ websocket })", websocket, websocket, {
      topics,
      logger,
    });
  }

  /** Called before the handler runs, for requests that ask to upgrade. */
  begin(wire: WireRequest, response: WireResponse<unknown>): void {
    this.#pending.set(wire, response);
  }

  /** The handler has answered: the request can no longer be upgraded. */
  end(wire: WireRequest): void {
    this.#pending.delete(wire);
  }

  /** `server.upgrade(request, options)`: for a request whose handler is still running. */
  upgradeAny(request: Request, options: UpgradeOptions<Data> | undefined): boolean {
    if (!(request instanceof FetchRequest)) return false;
    const wire = FetchRequest.wireOf(request);
    const response = this.#pending.get(wire);
    return response !== undefined && this.upgrade(wire, response, options);
  }

  /** Checks the handshake; when it is valid, the response becomes the hand-off. */
  upgrade(
    wire: WireRequest,
    response: WireResponse<unknown>,
    options: UpgradeOptions<Data> | undefined,
  ): boolean {
    if (wire.head.upgrade === undefined || response.upgrade !== undefined) return false;
    if (response.headersSent || !this.#pending.has(wire)) return false;
    const handshake = this.#acceptor.check(wire);
    if (handshake instanceof HttpError) return false;
    const headers = options?.headers === undefined ? undefined : new Headers(options.headers);
    const lines = extraHeaderLines(headers);
    this.#acceptor.accept(response, handshake, options?.data as Data, () => lines);
    response.status = 101;
    return true;
  }
}
