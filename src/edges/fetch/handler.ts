import { ConnectionFacts, type FetchHandler } from "../../app/fetch/info.js";
import { asRequest, FetchRequest } from "../../app/fetch/request.js";
import { toWireResponse } from "../../app/fetch/response.js";
import type { Logger } from "../../app/logger.js";
import { ProtocolErrorLog } from "../../app/protocol-log.js";
import type { TrustPolicy } from "../../app/proxy.js";
import type { RequestBody } from "../../wire/body.js";
import type { ExchangeHandler } from "../../wire/connection.js";
import type { RequestHead } from "../../wire/head.js";
import { HttpError } from "../../wire/http-error.js";
import { type ConnectionInfo, WireRequest } from "../../wire/request.js";
import { knownBodyBytes, WireResponse } from "../../wire/response.js";
import { statusText } from "../../wire/status.js";
import type { FetchUpgrader, ServeHandler, ServeInfo, UpgradeOptions } from "./websocket.js";

export type { FetchHandler };

export interface FetchAccessLogEntry {
  method: string;
  path: string;
  status: number;
  /** Body bytes when known in advance; undefined for streams. */
  bytes: number | undefined;
  durationMs: number;
  ip: string;
}

export interface FetchExchangeSettings {
  readonly fetch: ServeHandler<unknown>;
  readonly trustProxy: TrustPolicy;
  readonly development: boolean;
  readonly logger: Logger;
  readonly accessLog: ((entry: FetchAccessLogEntry) => void) | undefined;
  readonly waitUntil: (promise: PromiseLike<unknown>) => void;
  /** Set when `serve()` has a `websocket`: without it, `info.upgrade` refuses to be called. */
  readonly upgrader: FetchUpgrader<unknown> | undefined;
}

/** The `info` of a served handler: the connection facts and `upgrade(request, { data })`. */
class ServeFacts extends ConnectionFacts implements ServeInfo<unknown> {
  readonly #wire: WireRequest;
  readonly #response: WireResponse<unknown>;
  readonly #upgrader: FetchUpgrader<unknown> | undefined;

  constructor(
    request: WireRequest,
    response: WireResponse<unknown>,
    settings: FetchExchangeSettings,
  ) {
    super(request, settings.trustProxy, settings.waitUntil);
    this.#wire = request;
    this.#response = response;
    this.#upgrader = settings.upgrader;
  }

  upgrade(request: Request, options?: UpgradeOptions<unknown>): boolean {
    if (this.#upgrader === undefined) {
      throw new TypeError(
        "info.upgrade() needs a WebSocket behaviour: serve({ fetch, websocket: { message(ws, data) {…} } })",
      );
    }
    // Another request's upgrade (a handler may hold several) is the server's to look up.
    if (!(request instanceof FetchRequest) || FetchRequest.wireOf(request) !== this.#wire) {
      return this.#upgrader.upgradeAny(request, options);
    }
    return this.#upgrader.upgrade(this.#wire, this.#response, options);
  }
}

/** The access log's start times, kept only when the log is on. */
const startedAt = new WeakMap<WireRequest, number>();

/**
 * Serves a fetch handler on the engine: the request handed to it is a lazy `Request` over the
 * parsed head (see app/fetch/request.ts), and the `Response` it returns is written by the engine
 * as any other (see app/fetch/response.ts). Keep-alive, pipelining, limits and timeouts are the
 * engine's, unchanged.
 */
export class FetchExchange implements ExchangeHandler<WireRequest, WireResponse<unknown>> {
  readonly #settings: FetchExchangeSettings;
  readonly #requestOptions: { readonly trustProxy: TrustPolicy };
  readonly #waitUntil: (promise: PromiseLike<unknown>) => void;
  /** Made on the first protocol error: most servers never see one. */
  #protocolErrors: ProtocolErrorLog | undefined = undefined;

  constructor(settings: FetchExchangeSettings) {
    this.#settings = settings;
    this.#requestOptions = { trustProxy: settings.trustProxy };
    this.#waitUntil = settings.waitUntil;
  }

  createRequest(
    head: RequestHead,
    body: RequestBody | undefined,
    connection: ConnectionInfo,
  ): WireRequest {
    const request = new WireRequest(head, body, connection);
    if (this.#settings.accessLog !== undefined) startedAt.set(request, performance.now());
    return request;
  }

  createResponse(): WireResponse<unknown> {
    return new WireResponse<unknown>();
  }

  handle(request: WireRequest, response: WireResponse<unknown>): void | Promise<void> {
    const lazy = asRequest(new FetchRequest(request, this.#requestOptions));
    const info = new ServeFacts(request, response, this.#settings);
    const upgrader = this.#settings.upgrader;
    if (upgrader !== undefined && request.head.upgrade !== undefined) {
      upgrader.begin(request, response);
      return this.#upgradable(lazy, info, request, response, upgrader);
    }
    const result = this.#settings.fetch(lazy, info, info);
    const isHead = request.method === "HEAD";
    // Synchronous answers (Hono's for plain handlers) are converted without a promise.
    if (result instanceof Response)
      return this.#settle(toWireResponse(result, response, isHead), request, response);
    return Promise.resolve(result).then((settled) =>
      this.#settle(toWireResponse(settled, response, isHead), request, response),
    );
  }

  /** A request asking to upgrade: once upgraded, what the handler returns is not sent. */
  async #upgradable(
    lazy: Request,
    info: ServeFacts,
    request: WireRequest,
    response: WireResponse<unknown>,
    upgrader: FetchUpgrader<unknown>,
  ): Promise<void> {
    let result: Response | undefined;
    try {
      result = await this.#settings.fetch(lazy, info, info);
    } finally {
      upgrader.end(request);
    }
    if (response.upgrade !== undefined) return this.#settle(undefined, request, response);
    const isHead = request.method === "HEAD";
    return this.#settle(toWireResponse(result, response, isHead), request, response);
  }

  #settle(
    filled: void | Promise<void>,
    request: WireRequest,
    response: WireResponse<unknown>,
  ): void | Promise<void> {
    if (this.#settings.accessLog === undefined) return filled;
    if (filled === undefined) {
      this.#logAccess(request, response);
      return;
    }
    return filled.then(() => this.#logAccess(request, response));
  }

  handleError(error: unknown, request: WireRequest, response: WireResponse<unknown>): void {
    // An error answer replaces a hand-off the handler had arranged before it failed.
    response.upgrade = undefined;
    const status = error instanceof HttpError ? error.status : 500;
    if (status >= 500) {
      this.#settings.logger.error(
        error instanceof HttpError ? error.message : "Unhandled error in a fetch handler",
        { error, method: request.method, path: request.path },
      );
    }
    // A stream the failed response had set is replaced: release its producer now.
    const previous = response.body as { destroy?: () => void } | null | undefined;
    if (typeof previous?.destroy === "function") previous.destroy();
    const exposed = error instanceof HttpError && error.expose;
    let text = exposed ? error.message : statusText(status);
    if (this.#settings.development && status >= 500 && error instanceof Error) {
      text += `\n\n${error.stack ?? String(error)}`;
    }
    response.status = status;
    response.headers.clear();
    response.headers.setTrusted("content-type", "Content-Type", "text/plain; charset=utf-8");
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
      if (error.close) response.headers.set("connection", "close");
    }
    response.body = `${text}\n`;
    if (this.#settings.accessLog !== undefined) this.#logAccess(request, response);
  }

  reportProtocolError(error: HttpError, preview: string, connection: ConnectionInfo): void {
    this.#protocolErrors ??= new ProtocolErrorLog(this.#settings.logger);
    this.#protocolErrors.report(error, preview, connection);
  }

  reportError(error: unknown, request: WireRequest | undefined): void {
    const message =
      request === undefined ? "Server error" : "Request failed after the response started";
    this.#settings.logger.error(message, {
      error,
      method: request?.method,
      path: request?.path,
    });
  }

  #logAccess(request: WireRequest, response: WireResponse<unknown>): void {
    const started = startedAt.get(request) ?? performance.now();
    const body = response.body;
    this.#settings.accessLog!({
      method: request.method,
      path: request.path,
      status: response.status,
      bytes: knownBodyBytes(body),
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ip: new ConnectionFacts(request, this.#settings.trustProxy, this.#waitUntil).remoteAddress,
    });
  }
}
