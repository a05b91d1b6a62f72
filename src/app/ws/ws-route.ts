import type { Socket } from "node:net";
import { HttpError } from "../../wire/http-error.js";
import { ConfigError } from "../../wire/options.js";
import type { WireRequest } from "../../wire/request.js";
import type { UpgradeHandler } from "../../wire/upgrade.js";
import { DEFAULT_DEFLATE, type DeflateOptions } from "../../wire/websocket/deflate.js";
import {
  checkHandshake,
  type Handshake,
  isRefusal,
  switchingProtocols,
} from "../../wire/websocket/handshake.js";
import { DEFAULT_WEBSOCKET_LIMITS, type WebSocketLimits } from "../../wire/websocket/options.js";
import type { Topics } from "../../wire/websocket/topics.js";
import {
  WebSocket,
  type WebSocketContext,
  type WebSocketHandler,
} from "../../wire/websocket/websocket.js";
import type { Logger } from "../logger.js";
import type { Request } from "../request.js";
import type { Response } from "../response.js";
import type { Hooks } from "../routes.js";

/**
 * `app.ws(path, behaviour, options)`: the application side of native WebSockets. The route runs
 * like any GET route (the app's before hooks, sessions and cookies all apply), checks the
 * handshake and the Origin, asks `behaviour.upgrade(request)` for the socket's data, and then
 * hands the socket to a wire-level WebSocket (src/wire/websocket/websocket.ts).
 */

export interface WebSocketBehavior<Data, Params extends Record<string, string>>
  extends WebSocketHandler<Data> {
  /**
   * Decides whether this request may become a WebSocket and returns its `ws.data`. Route params,
   * the session, cookies and what before hooks set are all on `request`; headers set on
   * `response` (cookies too) go out with the 101. Throw an HttpError to refuse with its status.
   */
  upgrade?(request: Request<Params>, response: Response): Data | PromiseLike<Data>;
}

export interface WebSocketRouteOptions extends Partial<WebSocketLimits>, Hooks {
  /** permessage-deflate (RFC 7692): false (default), true for the defaults, or settings. */
  compression?: boolean | Partial<DeflateOptions>;
  /**
   * Subprotocols this route speaks, best first: the first one the client also offers is chosen.
   * Or a function choosing from the client's offers (undefined: none).
   */
  protocols?: readonly string[] | ((offered: readonly string[]) => string | undefined);
  /**
   * Browsers send `Origin`; a cross-site one is refused with 403 (cross-site WebSocket
   * hijacking) unless listed here, e.g. ["https://app.example"]. "*" accepts any origin.
   */
  origins?: readonly string[] | "*";
  /** How long `upgrade(request)` may take before the handshake fails with 503. Default 10 s. */
  handshakeTimeout?: number;
}

/** What the server gives every WebSocket route. */
export interface WebSocketHost {
  readonly topics: Topics;
  readonly logger: Logger;
}

const LIMIT_KEYS = Object.keys(DEFAULT_WEBSOCKET_LIMITS) as Array<keyof WebSocketLimits>;
const OPTION_KEYS = new Set([
  ...LIMIT_KEYS,
  "compression",
  "protocols",
  "origins",
  "handshakeTimeout",
  "before",
  "after",
  "error",
]);
/** Headers of the 101 that the handshake owns, or that describe a body it does not have. */
const OWN_HEADERS = new Set([
  "connection",
  "upgrade",
  "content-length",
  "content-type",
  "transfer-encoding",
]);

function resolveLimits(path: string, options: WebSocketRouteOptions): WebSocketLimits {
  const limits = { ...DEFAULT_WEBSOCKET_LIMITS };
  for (const key of LIMIT_KEYS) {
    const value = options[key];
    if (value === undefined) continue;
    const fallback = DEFAULT_WEBSOCKET_LIMITS[key];
    const ok =
      typeof fallback === "number"
        ? typeof value === "number" && Number.isInteger(value) && value >= 0
        : typeof fallback === "boolean"
          ? typeof value === "boolean"
          : value === "drop" || value === "close";
    if (!ok) {
      throw new ConfigError(
        `WebSocket option '${key}' of '${path}' is invalid (${String(value)}); the default is ${String(fallback)}.`,
      );
    }
    (limits as Record<string, unknown>)[key] = value;
  }
  if (limits.maxMessageBytes === 0 || limits.maxFragments === 0) {
    throw new ConfigError(`'maxMessageBytes' and 'maxFragments' of '${path}' must be at least 1`);
  }
  return limits;
}

function resolveDeflate(
  path: string,
  compression: WebSocketRouteOptions["compression"],
): DeflateOptions | undefined {
  if (compression === undefined || compression === false) return undefined;
  const deflate = { ...DEFAULT_DEFLATE, ...(compression === true ? {} : compression) };
  const { serverMaxWindowBits, clientMaxWindowBits, level, threshold } = deflate;
  if (
    !Number.isInteger(serverMaxWindowBits) ||
    serverMaxWindowBits < 9 ||
    serverMaxWindowBits > 15
  ) {
    throw new ConfigError(`'compression.serverMaxWindowBits' of '${path}' must be 9–15`);
  }
  if (
    !Number.isInteger(clientMaxWindowBits) ||
    clientMaxWindowBits < 8 ||
    clientMaxWindowBits > 15
  ) {
    throw new ConfigError(`'compression.clientMaxWindowBits' of '${path}' must be 8–15`);
  }
  if (!Number.isInteger(level) || level < 0 || level > 9) {
    throw new ConfigError(`'compression.level' of '${path}' must be 0–9`);
  }
  if (!Number.isInteger(threshold) || threshold < 0) {
    throw new ConfigError(`'compression.threshold' of '${path}' must be a whole number ≥ 0`);
  }
  return deflate;
}

/** Same-site: the Origin's host:port is the host the request was sent to. */
function originAllowed(request: WireRequest, allowed: readonly string[] | "*"): boolean {
  if (allowed === "*") return true;
  const origin = request.headers.get("origin");
  // Not a browser (browsers always send Origin on WebSocket handshakes): nothing to hijack.
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === request.authority.toLowerCase();
  } catch {
    return false;
  }
}

function selectProtocol(
  offered: readonly string[],
  protocols: WebSocketRouteOptions["protocols"],
): string | undefined {
  if (offered.length === 0 || protocols === undefined) return undefined;
  if (typeof protocols === "function") {
    const chosen = protocols(offered);
    return chosen !== undefined && offered.includes(chosen) ? chosen : undefined;
  }
  return protocols.find((protocol) => offered.includes(protocol));
}

/** Header lines for the 101 from `[name, value]` pairs, leaving out those the handshake owns. */
export function extraHeaderLines(
  headers: Iterable<readonly [string, string | readonly string[]]> | undefined,
): string {
  if (headers === undefined) return "";
  let lines = "";
  for (const [name, value] of headers) {
    if (OWN_HEADERS.has(name.toLowerCase())) continue;
    for (const item of typeof value === "string" ? [value] : value) lines += `${name}: ${item}\r\n`;
  }
  return lines;
}

/** The settings of a WebSocket endpoint that do not depend on how it is reached. */
export type WebSocketAcceptOptions = Partial<WebSocketLimits> &
  Pick<WebSocketRouteOptions, "compression" | "protocols" | "origins">;

/**
 * The handshake of one WebSocket endpoint with its options resolved: `app.ws` routes and the
 * `websocket` of `serve({ fetch, websocket })` (src/edges/fetch) both check and accept with it.
 */
export interface WebSocketAcceptor<Data> {
  /** The handshake (RFC 6455 §4.2.1, then the Origin policy), or the error to refuse it with. */
  check(request: WireRequest): Handshake | HttpError;
  /**
   * Arranges the hand-off: the 101 and the WebSocket with `data`. `extraLines` is asked for the
   * 101's added header lines at hand-off time, once after hooks and cookies have had their say.
   */
  accept(
    response: { upgrade: UpgradeHandler | undefined },
    handshake: Handshake,
    data: Data,
    extraLines: () => string,
  ): void;
}

/** Resolves and checks the options (ConfigError naming `name`) once, at start-up. */
export function webSocketAcceptor<Data>(
  name: string,
  behavior: WebSocketHandler<Data>,
  options: WebSocketAcceptOptions,
  host: WebSocketHost,
): WebSocketAcceptor<Data> {
  const limits = resolveLimits(name, options);
  const deflate = resolveDeflate(name, options.compression);
  const origins = options.origins ?? [];
  const context: WebSocketContext = {
    limits,
    topics: host.topics,
    reportError: (error) => host.logger.error("WebSocket handler failed", { error, path: name }),
  };
  return {
    check(request) {
      const handshake = checkHandshake(request, deflate);
      if (isRefusal(handshake)) {
        return new HttpError(handshake.status, handshake.message, { headers: handshake.headers });
      }
      if (!originAllowed(request, origins)) {
        return new HttpError(403, "Cross-site WebSocket requests are not allowed here");
      }
      return handshake;
    },
    accept(response, handshake, data, extraLines) {
      const protocol = selectProtocol(handshake.protocols, options.protocols);
      response.upgrade = (socket: Socket, head: Buffer) => {
        socket.write(switchingProtocols(handshake, protocol, extraLines()));
        const ws = new WebSocket<Data>(
          socket,
          behavior,
          context,
          data,
          protocol ?? "",
          handshake.deflate,
        );
        ws.start(head);
        return ws;
      };
    },
  };
}

/** Builds the GET handler of a WebSocket route; options are checked here, at registration. */
export function webSocketRoute<Data, Params extends Record<string, string>>(
  path: string,
  behavior: WebSocketBehavior<Data, Params>,
  options: WebSocketRouteOptions,
  host: WebSocketHost,
): (request: Request<Params>, response: Response) => void | Promise<void> {
  if (typeof behavior !== "object" || behavior === null) {
    throw new ConfigError(
      `app.ws('${path}', behavior): behavior must be an object like { message(ws, data) {…} }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.has(key)) {
      throw new ConfigError(
        `Unknown WebSocket option '${key}' of '${path}'. Known: ${[...OPTION_KEYS].join(", ")}.`,
      );
    }
  }
  const acceptor = webSocketAcceptor<Data>(path, behavior, options, host);
  const timeout = options.handshakeTimeout ?? 10_000;
  const accept = (response: Response, handshake: Handshake, data: Data): void =>
    acceptor.accept(response, handshake, data, () => extraHeaderLines(response.headersIfAny));

  return (request, response) => {
    const handshake = acceptor.check(request);
    if (handshake instanceof HttpError) throw handshake;
    const upgrade = behavior.upgrade;
    if (upgrade === undefined) return accept(response, handshake, undefined as Data);
    const data = upgrade.call(behavior, request, response);
    if (!isThenable(data)) return accept(response, handshake, data);
    return withTimeout(data, timeout).then((value) => accept(response, handshake, value));
  };
}

function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function withTimeout<T>(pending: PromiseLike<T>, ms: number): Promise<T> {
  if (ms === 0) return Promise.resolve(pending);
  return new Promise<T>((resolve, reject) => {
    // One timer per handshake in progress, not per open socket.
    const timer = setTimeout(
      () => reject(new HttpError(503, "The WebSocket handshake took too long")),
      ms,
    );
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
