import { randomBytes } from "node:crypto";
import type { SessionOptions } from "../session/config.js";
import { type CsrfOptions, csrfPlugin } from "../session/csrf-guard.js";
import { sessionPlugin } from "../session/plugin.js";
import type { RequestBody } from "../wire/body.js";
import type { ExchangeHandler } from "../wire/connection.js";
import type { RequestHead } from "../wire/head.js";
import { HttpError } from "../wire/http-error.js";
import {
  type BoundAddress,
  DEFAULT_ACCEPTORS,
  DEFAULT_BACKLOG,
  HttpEngine,
  type ListenOptions,
} from "../wire/listener.js";
import {
  ConfigError,
  type HttpLimits,
  type HttpTimeouts,
  resolveLimits,
  resolveTimeouts,
} from "../wire/options.js";
import type { ConnectionInfo } from "../wire/request.js";
import { knownBodyBytes } from "../wire/response.js";
import { type PublishOptions, type PublishRelay, Topics } from "../wire/websocket/topics.js";
import { type AccessLogFormat, accessLogFromEnvironment, textAccessLog } from "./access-log.js";
import { DEFAULT_MAX_JSON_DEPTH } from "./body/json-depth.js";
import { type MultipartLimits, resolveMultipartLimits } from "./body/multipart.js";
import {
  type CompressionOptions,
  type CompressionSettings,
  compressResponse,
  resolveCompression,
} from "./compress.js";
import { asHttpError, renderErrorResponse } from "./error-page.js";
import { type AppFetchInfo, fetchThroughApp } from "./fetch/app-fetch.js";
import type { FetchHandler } from "./fetch/info.js";
import { mountFetch } from "./fetch/mount.js";
import {
  type InjectConnectionOptions,
  type InjectedResponse,
  type InjectOptions,
  inject,
  injectRaw,
} from "./inject.js";
import { checkLogger, type Logger, logSafely } from "./logger.js";
import { type AnyHandler, type Chain, type PipelineHost, runChain } from "./pipeline.js";
import { ProtocolErrorLog } from "./protocol-log.js";
import { checkProxyTrust, type ProxyTrust } from "./proxy.js";
import { Request, type RequestSettings } from "./request.js";
import { prepareResponse, Response } from "./response.js";
import type { RouteParams } from "./route-params.js";
import { type RouteLookup, Router } from "./router.js";
import {
  type GroupLevel,
  type Handler,
  type Hooks,
  type RouteDefinition,
  RouteGroup,
  type RouteSink,
} from "./routes.js";
import { served } from "./served.js";
import { validationStep } from "./validation.js";
import {
  type UpgradeListener,
  type UpgradeRouteOptions,
  upgradeRouteHandler,
} from "./ws/upgrade-route.js";
import {
  type WebSocketBehavior,
  type WebSocketRouteOptions,
  webSocketRoute,
} from "./ws/ws-route.js";

export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  /** Body bytes when known in advance; undefined for streams. */
  bytes: number | undefined;
  durationMs: number;
  requestId: string;
  ip: string;
}

export interface ServerOptions {
  /** Wire limits (sizes, counts); every one has a default. */
  limits?: Partial<HttpLimits>;
  /** Timeouts in milliseconds. */
  timeouts?: Partial<HttpTimeouts>;
  /** App-wide hooks, as the prototype's HOOKS_BEFORE_VIEW_FUNC / HOOKS_AFTER_VIEW_FUNC. */
  hooks?: Hooks;
  /** Show error details and stacks in responses. Never in production. Default: false. */
  development?: boolean;
  /** Where errors (and access-log lines) go; false silences. Default: JSON lines on stdout/stderr. */
  logger?: Logger | false;
  /** Log one line per request (method, path, status, bytes, duration, request id). */
  accessLog?: boolean | AccessLogFormat | ((entry: AccessLogEntry) => void);
  /** Believe X-Forwarded-* / Forwarded from proxies. Default: false. */
  trustProxy?: ProxyTrust;
  /** Header carrying the request id in and out; false to never read it. Default "x-request-id". */
  requestIdHeader?: string | false;
  /** Limits for `request.form()` / `request.multipart()`. */
  multipart?: Partial<MultipartLimits>;
  /** Most query parameters parsed (400 beyond). Default 1000. */
  maxQueryKeys?: number;
  /** Most urlencoded form fields parsed (413 beyond). Default 1000. */
  maxFormFields?: number;
  /** Deepest nesting of arrays/objects `request.json()` accepts (400 beyond). Default 64. */
  maxJsonDepth?: number;
  /** gzip/brotli for compressible responses: true for the defaults, or tuning options. */
  compression?: boolean | CompressionOptions;
  /** Encrypted client-side sessions (`request.session`): `{ keys: [process.env.SESSION_KEY] }`. */
  session?: SessionOptions;
  /** CSRF protection for unsafe methods (needs `session`): true, or options. */
  csrf?: boolean | CsrfOptions;
}

const KNOWN_OPTIONS = new Set([
  "limits",
  "timeouts",
  "hooks",
  "development",
  "logger",
  "accessLog",
  "trustProxy",
  "requestIdHeader",
  "multipart",
  "maxQueryKeys",
  "maxFormFields",
  "maxJsonDepth",
  "compression",
  "session",
  "csrf",
]);

/**
 * A feature built on the hook mechanism (sessions, CSRF…). Its hooks form a level outside the
 * app's own: before hooks run before the app's, after hooks after the app's, error hooks last.
 * Plugins added earlier wrap those added later.
 */
export interface ServerPlugin {
  readonly name: string;
  readonly hooks?: Hooks;
  /** Called once when the plugin is added, e.g. to validate options against the server's. */
  install?(server: Server): void;
  /**
   * Wraps each route's handler when the routes are compiled (e.g. to put a deadline on it); the
   * route's pattern and options say which route it is. Costs nothing per request by itself.
   */
  wrapHandler?(handler: AnyHandler, route: RouteDefinition): AnyHandler;
}

interface CompiledRoute {
  readonly chain: Chain;
}

/** Runs a validator and reports its complaint as a ConfigError naming the option. */
function configured<T>(option: string, resolve: () => T): T {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`'${option}': ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A whole number from 1 to `max`; `why` says in the error what the bound means. */
function checkCount(
  name: string,
  value: unknown,
  fallback: number,
  max = Number.POSITIVE_INFINITY,
  why?: string,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? "≥ 1" : `from 1 to ${max}`;
    const reason = why === undefined ? "" : ` (${why})`;
    throw new ConfigError(
      `'${name}' must be a whole number ${range}${reason}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A slow-serv application: routes, hooks and the HTTP engine underneath.
 *
 *     const app = new Server();
 *     app.route("/", (request, response) => { response.body = "BIG APP supported by slow-serv"; });
 *     await app.run({ port: 8000 });
 */
export class Server extends RouteGroup implements ExchangeHandler<Request, Response>, PipelineHost {
  readonly options: Readonly<ServerOptions>;
  readonly logger: Logger;
  readonly development: boolean;
  readonly #limits: HttpLimits;
  readonly #timeouts: HttpTimeouts;
  readonly #settings: RequestSettings;
  readonly #accessLog: ((entry: AccessLogEntry) => void) | undefined;
  readonly #compression: CompressionSettings | undefined;
  readonly #definitions: RouteDefinition[] = [];
  /** Catches conflicting registrations at the line that makes them. */
  readonly #registrations = new Router<null>();
  #router: Router<CompiledRoute> | undefined = undefined;
  #fallback: Chain | undefined = undefined;
  #engine: HttpEngine | undefined = undefined;
  #started = new WeakMap<Request, number>();
  /** Made on the first protocol error: most servers never see one. */
  #protocolErrors: ProtocolErrorLog | undefined = undefined;
  readonly #plugins = new Set<string>();
  readonly #pluginHooks: Hooks[] = [];
  readonly #handlerWrappers: ServerPlugin[] = [];
  readonly #topics = new Topics();

  constructor(options: ServerOptions = {}) {
    const sink: RouteSink = {
      addRoute: (definition) => this.#addRoute(definition),
      assertOpen: (what) => this.#assertOpen(what),
    };
    if (typeof options !== "object" || options === null) {
      throw new ConfigError(
        "new Server(options) takes an options object, e.g. new Server({ development: true })",
      );
    }
    for (const key of Object.keys(options)) {
      if (!KNOWN_OPTIONS.has(key)) {
        throw new ConfigError(
          `Unknown server option '${key}'. Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
        );
      }
    }
    super(sink, "", [], {});
    this.options = options;
    this.#limits = resolveLimits(options.limits);
    this.#timeouts = resolveTimeouts(options.timeouts);
    this.logger = checkLogger(options.logger);
    this.development = options.development === true;
    const header = options.requestIdHeader ?? "x-request-id";
    if (header !== false && (typeof header !== "string" || !/^[\w-]+$/.test(header))) {
      throw new ConfigError(
        "'requestIdHeader' must be a header name like \"x-request-id\", or false",
      );
    }
    const bootId = randomBytes(4).toString("hex");
    let counter = 0;
    this.#settings = {
      trustProxy: checkProxyTrust(options.trustProxy),
      maxQueryKeys: checkCount("maxQueryKeys", options.maxQueryKeys, 1000),
      maxFormFields: checkCount("maxFormFields", options.maxFormFields, 1000),
      maxJsonDepth: checkCount(
        "maxJsonDepth",
        options.maxJsonDepth,
        DEFAULT_MAX_JSON_DEPTH,
        1000,
        "deeper values overflow the stack when they are serialised again",
      ),
      multipart: configured("multipart", () => resolveMultipartLimits(options.multipart)),
      requestIdHeader: header,
      nextRequestId: () => `${bootId}-${(++counter).toString(36)}`,
    };
    this.#compression = resolveCompression(options.compression);
    // `slow-serv start --access-log` reaches apps that build their own Server through this.
    const accessLog = options.accessLog ?? accessLogFromEnvironment();
    if (accessLog === "text") {
      this.#accessLog = textAccessLog(this.logger);
    } else if (accessLog === true || accessLog === "json") {
      this.#accessLog = (entry) => logSafely(this.logger, "info", "request", { ...entry });
    } else if (typeof accessLog === "function") {
      this.#accessLog = accessLog;
    } else if (accessLog === undefined || accessLog === false) {
      this.#accessLog = undefined;
    } else {
      throw new ConfigError(
        "'accessLog' must be true (JSON lines), \"text\" (one readable line per request, for development), false, or a function receiving each entry",
      );
    }
    // Built-in features first, so their hooks wrap everything the app adds.
    for (const plugin of builtInPlugins(options)) this.use(plugin);
    this.#addConfiguredHooks(options.hooks);
  }

  /** The prototype's HOOKS_BEFORE_VIEW_FUNC / HOOKS_AFTER_VIEW_FUNC, as `options.hooks`. */
  #addConfiguredHooks(hooks: Hooks | undefined): void {
    if (hooks === undefined) return;
    if (typeof hooks !== "object" || hooks === null) {
      throw new ConfigError(
        "'hooks' must be an object like { before: [fn], after: [fn], error: [fn] }",
      );
    }
    for (const [kind, list] of Object.entries(hooks)) {
      if (kind !== "before" && kind !== "after" && kind !== "error") {
        throw new ConfigError(`Unknown hook kind 'hooks.${kind}': use before, after or error`);
      }
      if (list !== undefined && !Array.isArray(list)) {
        throw new ConfigError(`'hooks.${kind}' must be an array of functions`);
      }
    }
    if (hooks.before) this.before(...hooks.before);
    if (hooks.after) this.after(...hooks.after);
    if (hooks.error) this.onError(...hooks.error);
  }

  get limits(): Readonly<HttpLimits> {
    return this.#limits;
  }

  get timeouts(): Readonly<HttpTimeouts> {
    return this.#timeouts;
  }

  /** Adds a feature built on hooks (sessions, CSRF…); each plugin once. */
  use(plugin: ServerPlugin): this {
    this.#assertOpen("plugins");
    if (this.#plugins.has(plugin.name)) {
      throw new ConfigError(`The '${plugin.name}' plugin is already installed on this server`);
    }
    this.#plugins.add(plugin.name);
    plugin.install?.(this);
    if (plugin.hooks !== undefined) this.#pluginHooks.push(plugin.hooks);
    if (plugin.wrapHandler !== undefined) this.#handlerWrappers.push(plugin);
    return this;
  }

  /**
   * Hands the socket of an upgrade request on `path` to `listener(request, socket, head)`, as
   * Node's `'upgrade'` event does: for libraries like `ws` in `noServer` mode. The app's before
   * hooks run first (and may refuse); the listener writes the `101` itself.
   */
  upgrade<Path extends string>(
    path: Path,
    listener: UpgradeListener<RouteParams<Path>>,
    options: UpgradeRouteOptions = {},
  ): this {
    const { protocol, ...hooks } = options;
    return this.route(path, upgradeRouteHandler(listener, protocol) as Handler<RouteParams<Path>>, {
      ...hooks,
      methods: ["GET"],
    });
  }

  /**
   * A WebSocket route (RFC 6455): one behaviour object for all its sockets, `{ upgrade, open,
   * message, drain, close, ping, pong }`. `upgrade(request)` returns the typed `ws.data`.
   */
  ws<Path extends string, Data = undefined>(
    path: Path,
    behavior: WebSocketBehavior<Data, RouteParams<Path>>,
    options: WebSocketRouteOptions = {},
  ): this {
    const { before, after, error } = options;
    const handler = webSocketRoute(path, behavior, options, this.#webSocketHost);
    return this.route(path, handler as unknown as Handler<RouteParams<Path>>, {
      methods: ["GET"],
      ...(before === undefined ? {} : { before }),
      ...(after === undefined ? {} : { after }),
      ...(error === undefined ? {} : { error }),
    });
  }

  get #webSocketHost(): { topics: Topics; logger: Logger } {
    return { topics: this.#topics, logger: this.logger };
  }

  /** Sends a message to every WebSocket subscribed to `topic`; returns how many it reached. */
  publish(topic: string, data: string | Uint8Array, options?: PublishOptions): number {
    return this.#topics.publish(topic, data, options);
  }

  /**
   * Fans pub/sub out beyond this process: `relay` sees every message published here (`publish`,
   * `ws.publish`). Returns what delivers a message that came from elsewhere to this process's
   * subscribers only, without handing it to `relay` again (see docs/websockets.md, workers).
   */
  relayPublishes(
    relay: PublishRelay,
  ): (topic: string, data: string | Uint8Array, options?: PublishOptions) => number {
    const topics = this.#topics;
    topics.relay = relay;
    return (topic, data, options) => {
      // Publishing is synchronous: the relay is off exactly for this delivery.
      const current = topics.relay;
      topics.relay = undefined;
      try {
        return topics.publish(topic, data, options);
      } finally {
        topics.relay = current;
      }
    };
  }

  /** WebSockets subscribed to `topic` right now. */
  subscriberCount(topic: string): number {
    return this.#topics.subscriberCount(topic);
  }

  /** Every registered route (pattern and methods), e.g. for a route listing. */
  routes(): ReadonlyArray<{ pattern: string; methods: readonly string[] | "*" }> {
    return this.#definitions.map(({ pattern, methods }) => ({ pattern, methods }));
  }

  #assertOpen(what: string): void {
    if (this.#router !== undefined) {
      throw new ConfigError(
        `Add ${what} before the server starts (before app.run() or app.inject())`,
      );
    }
  }

  #addRoute(definition: RouteDefinition): void {
    this.#registrations.add(definition.methods, definition.pattern, null);
    this.#definitions.push(definition);
  }

  /** Builds the router and every route's hook chain once; later registrations are refused. */
  compile(): void {
    if (this.#router !== undefined) return;
    const router = new Router<CompiledRoute>();
    for (const definition of this.#definitions) {
      router.add(definition.methods, definition.pattern, { chain: this.#chainFor(definition) });
    }
    this.#fallback = this.#chain([this], [], [], routeFailure);
    this.#router = router;
  }

  #chainFor(definition: RouteDefinition): Chain {
    const { options } = definition;
    const limit = options.bodyLimit;
    const pre: AnyHandler[] = [];
    if (limit !== undefined) {
      pre.push((request) => {
        request.bodyLimit = limit;
      });
    }
    // Validation runs right before the handler: after every before hook (auth first).
    const validate =
      options.schema === undefined ? undefined : (validationStep(options.schema) as AnyHandler);
    let handler = definition.handler as AnyHandler;
    // Earlier plugins wrap outermost, as their hooks do.
    for (let i = this.#handlerWrappers.length - 1; i >= 0; i--) {
      handler = this.#handlerWrappers[i]!.wrapHandler!(handler, definition);
    }
    return this.#chain(definition.groups, pre, [options], handler, validate);
  }

  /**
   * Steps in onion order: before hooks outermost level first, then the handler, then after hooks
   * innermost level first. A failure in a level's before hooks resumes with that level's after
   * hooks, so after hooks never run for a level whose before hooks did not (an auth hook's 401
   * never reaches an inner after hook that expects the user it would have set).
   */
  #chain(
    groups: readonly GroupLevel[],
    pre: readonly AnyHandler[],
    own: readonly Hooks[],
    handler: AnyHandler,
    validate?: AnyHandler,
  ): Chain {
    // Plugins wrap the whole app: their before hooks run first and their after hooks last.
    const levels = [...this.#pluginHooks, ...groups.map((group) => group.hooks), ...own];
    const steps: AnyHandler[] = [...pre];
    const levelOfStep: number[] = pre.map(() => -1);
    levels.forEach((level, depth) => {
      for (const hook of level.before ?? []) {
        steps.push(hook);
        levelOfStep.push(depth);
      }
    });
    if (validate !== undefined) steps.push(validate);
    const handlerIndex = steps.length;
    steps.push(handler);
    const afterStart: number[] = new Array(levels.length + 1).fill(0);
    for (let depth = levels.length - 1; depth >= 0; depth--) {
      afterStart[depth + 1] = steps.length;
      for (const hook of levels[depth]!.after ?? []) steps.push(hook);
    }
    afterStart[0] = steps.length;
    const resumeAt = steps.map((_step, index) =>
      index < handlerIndex ? afterStart[(levelOfStep[index] ?? levels.length - 1) + 1]! : index + 1,
    );
    const errorHooks = [...levels].reverse().flatMap((level) => level.error ?? []);
    return { steps, handlerIndex, errorHooks, resumeAt };
  }

  // ---- ExchangeHandler: what the engine calls ------------------------------------------------

  createRequest(
    head: RequestHead,
    body: RequestBody | undefined,
    connection: ConnectionInfo,
  ): Request {
    const request = new Request(head, body, connection, this.#settings);
    if (this.#accessLog !== undefined) this.#started.set(request, performance.now());
    return request;
  }

  createResponse(request: Request): Response {
    return new Response(request);
  }

  handle(request: Request, response: Response): void | Promise<void> {
    const router = this.#router!;
    let found: RouteLookup<CompiledRoute>;
    try {
      found = router.find(request.method, request.routingPath());
    } catch (error) {
      routeFailures.set(request, error);
      return runChain(this.#fallback!, request, response, this);
    }
    if (found.kind === "found") {
      request.params = found.params as Record<string, string>;
      return runChain(found.value.chain, request, response, this);
    }
    routeFailures.set(
      request,
      found.kind === "not-found"
        ? request.method === "OPTIONS" && request.url === "*"
          ? { options: allMethods(this.#definitions) }
          : new HttpError(404, `No route for ${request.path}`)
        : request.method === "OPTIONS"
          ? { options: found.allow.join(", ") }
          : new HttpError(405, `${request.method} is not allowed here`, {
              headers: { allow: found.allow.join(", ") },
            }),
    );
    return runChain(this.#fallback!, request, response, this);
  }

  handleError(error: unknown, request: Request, response: Response): void {
    this.renderError(error, request, response);
    this.finish(request, response);
  }

  reportProtocolError(error: HttpError, preview: string, connection: ConnectionInfo): void {
    this.#protocolErrors ??= new ProtocolErrorLog(this.logger);
    this.#protocolErrors.report(error, preview, connection);
  }

  reportError(error: unknown, request: Request | undefined): void {
    const message =
      request === undefined ? "Server error" : "Request failed after the response started";
    // Never throws (the engine destroys the socket right after): see logSafely and log-value.ts.
    logSafely(this.logger, "error", message, {
      error,
      requestId: request?.id,
      method: request?.method,
      path: request?.path,
    });
  }

  // ---- PipelineHost -------------------------------------------------------------------------

  renderError(error: unknown, request: Request, response: Response): void {
    // An error answer replaces a hand-off the handler had arranged before something failed.
    response.upgrade = undefined;
    const httpError = asHttpError(error);
    if (httpError === undefined || httpError.status >= 500) {
      logSafely(this.logger, "error", httpError?.message ?? "Unhandled error in a handler", {
        error,
        requestId: request.id,
        method: request.method,
        path: request.path,
      });
    }
    renderErrorResponse(error, request, response, this.development);
  }

  finish(request: Request, response: Response): void {
    served.count++;
    try {
      prepareResponse(response);
    } catch (error) {
      this.renderError(error, request, response);
      prepareResponse(response);
    }
    if (this.#compression !== undefined) compressResponse(request, response, this.#compression);
    if (this.#accessLog !== undefined) {
      try {
        this.#logAccess(request, response);
      } catch (error) {
        logSafely(this.logger, "error", "The access log threw", { error });
      }
    }
    // The id went into a log line or an error report: give the client the same id to quote.
    const id = request.idIfUsed;
    const header = this.#settings.requestIdHeader;
    if (id !== undefined && header !== false && !response.headers.has(header)) {
      response.headers.set(header, id);
    }
  }

  #logAccess(request: Request, response: Response): void {
    const started = this.#started.get(request) ?? performance.now();
    const body = response.body;
    const id = request.id;
    this.#accessLog!({
      method: request.method,
      path: request.path,
      status: response.status,
      bytes: knownBodyBytes(body),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      requestId: id,
      ip: request.ip,
    });
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /** The HTTP engine (created on first use). */
  get engine(): HttpEngine {
    if (this.#engine === undefined) {
      this.compile();
      this.#engine = new HttpEngine(this as ExchangeHandler, this.#limits, this.#timeouts);
    }
    return this.#engine;
  }

  /**
   * Starts listening; resolves once the socket is bound. Port 0 picks a free port: read it from
   * the result or `app.port`. Call again with other options to listen on more addresses.
   */
  async run(options: Partial<ListenOptions> = {}): Promise<BoundAddress> {
    const port = options.port ?? 8000;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new ConfigError(
        `'port' must be an integer from 0 to 65535, got ${String(port)}` +
          // NaN is text that is not a number, e.g. Number(process.env.PORT) with PORT=abc.
          (Number.isNaN(port) ? " (a number parsed from text that is not one?)" : ""),
      );
    }
    if (
      options.tls !== undefined &&
      (options.tls.key === undefined || options.tls.cert === undefined)
    ) {
      throw new ConfigError("'tls' needs both 'key' and 'cert' (PEM strings or Buffers)");
    }
    const backlog = checkCount(
      "backlog",
      options.backlog,
      DEFAULT_BACKLOG,
      Number.POSITIVE_INFINITY,
      "the kernel caps it at net.core.somaxconn",
    );
    const acceptors = checkCount(
      "acceptors",
      options.acceptors,
      DEFAULT_ACCEPTORS,
      64,
      "1 never adds accept handles",
    );
    return this.engine.listen({ ...options, port, backlog, acceptors });
  }

  /**
   * Serves a request in memory through the real parser and writer (no socket): see inject.ts.
   * Raw bytes give every response written on that one connection.
   */
  inject(options: InjectOptions): Promise<InjectedResponse>;
  inject(raw: string | Uint8Array, options?: InjectConnectionOptions): Promise<InjectedResponse[]>;
  inject(
    input: InjectOptions | string | Uint8Array,
    options?: InjectConnectionOptions,
  ): Promise<InjectedResponse | InjectedResponse[]> {
    return typeof input === "string" || input instanceof Uint8Array
      ? injectRaw(this, input, options)
      : inject(this, input);
  }

  /**
   * Serves a fetch handler (Hono, h3, Elysia…) at `prefix` and below, after the app's before
   * hooks, sessions and CSRF guard; it sees the path below the prefix. See fetch/mount.ts.
   */
  mount(prefix: string, fetch: FetchHandler): this {
    mountFetch(
      {
        group: this,
        trustProxy: this.#settings.trustProxy,
        waitUntil: (promise) => this.engine.waitUntil(promise),
      },
      prefix,
      fetch,
    );
    return this;
  }

  /**
   * The app as a fetch handler: `await app.fetch(new Request("http://localhost/"))`. A bound
   * function, so `Deno.serve(app.fetch)` works. See fetch/app-fetch.ts for what differs.
   */
  readonly fetch = (
    request: globalThis.Request,
    info?: AppFetchInfo,
  ): Promise<globalThis.Response> => fetchThroughApp(this, request, info);

  /** Addresses the server listens on. */
  get addresses(): readonly BoundAddress[] {
    return this.#engine?.addresses ?? [];
  }

  /** The first bound port (after `run`). */
  get port(): number {
    const address = this.addresses[0];
    if (address === undefined)
      throw new Error("The server is not listening yet: await app.run() first");
    return address.port;
  }

  /** The first bound URL, e.g. "http://127.0.0.1:8000". */
  get url(): string {
    const address = this.addresses[0];
    if (address === undefined)
      throw new Error("The server is not listening yet: await app.run() first");
    return address.url;
  }

  /** Graceful shutdown: see `timeouts.shutdown`. */
  async close(): Promise<void> {
    await this.#engine?.close();
  }

  /** Closes gracefully on SIGINT/SIGTERM (once), then lets the process exit. */
  closeOnSignals(signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"]): this {
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of signals) process.off(name, onSignal);
      logSafely(this.logger, "info", `Received ${signal}: closing gracefully`);
      this.close().then(
        () => {
          process.exitCode = 0;
        },
        (error: unknown) => {
          logSafely(this.logger, "error", "Graceful shutdown failed", { error });
          process.exitCode = 1;
        },
      );
    };
    for (const name of signals) process.on(name, onSignal);
    return this;
  }
}

/** Plugins switched on by server options; sessions first, since CSRF keeps its secret there. */
function builtInPlugins(options: ServerOptions): ServerPlugin[] {
  const plugins: ServerPlugin[] = [];
  if (options.session !== undefined) plugins.push(sessionPlugin(options.session));
  if (options.csrf !== undefined && options.csrf !== false) {
    if (options.session === undefined) {
      throw new ConfigError(
        "'csrf' needs sessions (the CSRF secret lives in the session): add " +
          "`session: { keys: [process.env.SESSION_KEY] }` (make a key with `npx slow-serv keygen`).",
      );
    }
    plugins.push(csrfPlugin(options.csrf));
  }
  return plugins;
}

/** Why a request matched no route, for the fallback chain (which runs the app-wide hooks). */
const routeFailures = new WeakMap<Request, unknown>();

function routeFailure(request: Request, response: Response): void {
  const failure = routeFailures.get(request);
  if (typeof failure === "object" && failure !== null && "options" in failure) {
    response.status = 204;
    response.headers.set("allow", (failure as { options: string }).options);
    return;
  }
  throw failure;
}

function allMethods(definitions: readonly RouteDefinition[]): string {
  const methods = new Set<string>(["OPTIONS"]);
  for (const { methods: list } of definitions) {
    if (list === "*") return "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT";
    for (const method of list) methods.add(method);
    if (list.includes("GET")) methods.add("HEAD");
  }
  return [...methods].sort().join(", ");
}
