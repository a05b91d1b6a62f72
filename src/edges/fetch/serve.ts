import { checkLogger, type Logger } from "../../app/logger.js";
import { checkProxyTrust, type ProxyTrust } from "../../app/proxy.js";
import {
  type BoundAddress,
  DEFAULT_ACCEPTORS,
  DEFAULT_BACKLOG,
  HttpEngine,
  type ListenOptions,
} from "../../wire/listener.js";
import {
  ConfigError,
  type HttpLimits,
  type HttpTimeouts,
  resolveLimits,
  resolveTimeouts,
} from "../../wire/options.js";
import { type PublishOptions, Topics } from "../../wire/websocket/topics.js";
import { type FetchAccessLogEntry, FetchExchange } from "./handler.js";
import {
  FetchUpgrader,
  type FetchWebSocket,
  type ServeHandler,
  type UpgradeArguments,
  type UpgradeOptions,
} from "./websocket.js";

export interface ServeOptions<Data = undefined> extends Partial<ListenOptions> {
  /** The app: `(request, info) => Response | Promise<Response>`, e.g. `honoApp.fetch`. */
  fetch: ServeHandler<Data>;
  /**
   * WebSockets, as Bun.serve takes them: `{ open, message, drain, close, ping, pong }` for every
   * socket, with `app.ws`'s options (limits, `compression`, `origins`, `protocols`). The handler
   * calls `info.upgrade(request, { data })`, which sets `ws.data`.
   */
  websocket?: FetchWebSocket<Data>;
  /** The engine's limits, as for `new Server({ limits })`. */
  limits?: Partial<HttpLimits>;
  /** The engine's timeouts in milliseconds, as for `new Server({ timeouts })`. */
  timeouts?: Partial<HttpTimeouts>;
  /** Believe X-Forwarded-* / Forwarded for `request.url` and the client address. Default false. */
  trustProxy?: ProxyTrust;
  /** Stacks in the 500 answers to a failing handler. Never in production. Default false. */
  development?: boolean;
  /** Where errors (and access-log lines) go; false silences. Default: JSON lines. */
  logger?: Logger | false;
  /** One line per request, or a function receiving each entry. Default false. */
  accessLog?: boolean | ((entry: FetchAccessLogEntry) => void);
}

/** A fetch handler being served. */
export interface FetchServer<Data = undefined> {
  /** The first bound URL, e.g. "http://127.0.0.1:8000". */
  readonly url: string;
  readonly port: number;
  readonly addresses: readonly BoundAddress[];
  /** The engine underneath (connection count, `waitUntil`, `sweep`). */
  readonly engine: HttpEngine;
  /** Graceful shutdown: in-flight requests and `waitUntil` work get `timeouts.shutdown`. */
  close(): Promise<void>;
  /** Bun's `server.upgrade`: as `info.upgrade`, for a request whose handler is still running. */
  upgrade(request: Request, ...options: UpgradeArguments<Data>): boolean;
  /** Sends to every WebSocket subscribed to `topic` (`ws.subscribe`); returns how many. */
  publish(topic: string, data: string | Uint8Array, options?: PublishOptions): number;
  subscriberCount(topic: string): number;
}

const KNOWN = new Set([
  "fetch",
  "port",
  "host",
  "tls",
  "backlog",
  "acceptors",
  "proxyProtocol",
  "limits",
  "timeouts",
  "trustProxy",
  "development",
  "logger",
  "accessLog",
  "websocket",
]);

function wholeNumber(name: string, value: unknown, fallback: number, min: number, max: number) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `'${name}' must be a whole number from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Serves any fetch handler on slow-serv's engine:
 *
 *     import { Hono } from "hono";
 *     const app = new Hono().get("/", (c) => c.text("hello"));
 *     const server = await serve({ fetch: app.fetch, port: 8000 });
 *
 * Configuration mistakes throw a ConfigError before anything listens.
 */
export async function serve<Data = undefined>(
  options: ServeOptions<Data>,
): Promise<FetchServer<Data>> {
  if (typeof options !== "object" || options === null) {
    throw new ConfigError("serve(options) takes an object like { fetch: app.fetch, port: 8000 }");
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) {
      throw new ConfigError(
        `Unknown serve() option '${key}'. Known options: ${[...KNOWN].join(", ")}.`,
      );
    }
  }
  if (typeof options.fetch !== "function") {
    throw new ConfigError(
      "serve() needs 'fetch': a function (request, info) => Response, e.g. { fetch: app.fetch } (bind it if it uses `this`: app.fetch.bind(app))",
    );
  }
  const port = wholeNumber("port", options.port, 8000, 0, 65535);
  const backlog = wholeNumber("backlog", options.backlog, DEFAULT_BACKLOG, 1, 2 ** 31 - 1);
  const acceptors = wholeNumber("acceptors", options.acceptors, DEFAULT_ACCEPTORS, 1, 64);
  if (
    options.tls !== undefined &&
    (options.tls.key === undefined || options.tls.cert === undefined)
  ) {
    throw new ConfigError("'tls' needs both 'key' and 'cert' (PEM strings or Buffers)");
  }
  if (options.development !== undefined && typeof options.development !== "boolean") {
    throw new ConfigError("'development' must be true or false");
  }
  const logger = checkLogger(options.logger);
  const accessLog = options.accessLog;
  let log: ((entry: FetchAccessLogEntry) => void) | undefined;
  if (accessLog === true) log = (entry) => logger.info("request", { ...entry });
  else if (typeof accessLog === "function") log = accessLog;
  else if (accessLog !== undefined && accessLog !== false) {
    throw new ConfigError("'accessLog' must be true, false, or a function receiving each entry");
  }
  const limits = resolveLimits(options.limits);
  const timeouts = resolveTimeouts(options.timeouts);
  const topics = new Topics();
  const upgrader =
    options.websocket === undefined
      ? undefined
      : new FetchUpgrader<Data>(options.websocket, topics, logger);
  let engine: HttpEngine | undefined;
  const exchange = new FetchExchange({
    // The handler sees `info` typed with its Data; the exchange passes data through untouched.
    fetch: options.fetch as unknown as ServeHandler<unknown>,
    upgrader: upgrader as FetchUpgrader<unknown> | undefined,
    trustProxy: checkProxyTrust(options.trustProxy),
    development: options.development === true,
    logger,
    accessLog: log,
    waitUntil: (promise) => engine!.waitUntil(promise),
  });
  engine = new HttpEngine(exchange, limits, timeouts);
  const first = await engine.listen({
    port,
    host: options.host,
    tls: options.tls,
    backlog,
    acceptors,
    proxyProtocol: options.proxyProtocol,
  });
  const running = engine;
  return {
    url: first.url,
    port: first.port,
    addresses: running.addresses,
    engine: running,
    close: () => running.close(),
    upgrade: (request, ...rest) => {
      if (upgrader === undefined) {
        throw new TypeError("server.upgrade() needs serve({ fetch, websocket: { … } })");
      }
      return upgrader.upgradeAny(request, rest[0] as UpgradeOptions<Data> | undefined);
    },
    publish: (topic, data, publishOptions) => topics.publish(topic, data, publishOptions),
    subscriberCount: (topic) => topics.subscriberCount(topic),
  };
}
