import {
  type InjectConnectionOptions,
  type InjectedResponse,
  injectRaw,
} from "../../src/app/inject.js";
import type { Logger } from "../../src/app/logger.js";
import { checkProxyTrust, type ProxyTrust } from "../../src/app/proxy.js";
import {
  type FetchAccessLogEntry,
  FetchExchange,
  type FetchHandler,
} from "../../src/edges/fetch/handler.js";
import {
  FetchUpgrader,
  type FetchWebSocket,
  type ServeHandler,
} from "../../src/edges/fetch/websocket.js";
import { type HttpLimits, resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import type { WireRequest } from "../../src/wire/request.js";
import type { WireResponse } from "../../src/wire/response.js";
import { Topics } from "../../src/wire/websocket/topics.js";

/**
 * A fetch handler served in memory: the same FetchExchange serve() uses, driven by the engine's
 * Connection over inject's socket look-alike, so request and response conversion run exactly as
 * over TCP but without a listener (fast enough for the mutation run, docs/mutation/app.md).
 */
export interface InMemoryOptions extends InjectConnectionOptions {
  trustProxy?: ProxyTrust;
  limits?: Partial<HttpLimits>;
  development?: boolean;
  accessLog?: (entry: FetchAccessLogEntry) => void;
  /**
   * serve()'s `websocket`: upgrade requests then take the upgrade path. A hand-off cannot happen
   * in memory, so a request the handler upgrades is answered 501 (INJECT_UPGRADE_MESSAGE).
   */
  websocket?: FetchWebSocket<unknown>;
  /** Sees what FetchExchange.handle returned for each request (a promise, or not). */
  onHandled?: (result: void | Promise<void>) => void;
  /** Where error lines go (the result has them too): still there when injectRaw throws. */
  errors?: LogLine[];
}

export type LogLine = { message: string; fields: Readonly<Record<string, unknown>> | undefined };

export interface InMemoryResult {
  responses: InjectedResponse[];
  errors: LogLine[];
  warnings: LogLine[];
}

export async function fetchInMemory(
  fetch: FetchHandler,
  bytes: string,
  options: InMemoryOptions = {},
): Promise<InMemoryResult> {
  const errors: LogLine[] = options.errors ?? [];
  const warnings: LogLine[] = [];
  const logger: Logger = {
    info: () => {},
    warn: (message, fields) => warnings.push({ message, fields }),
    error: (message, fields) => errors.push({ message, fields }),
  };
  const waiting: Array<PromiseLike<unknown>> = [];
  const exchange = new FetchExchange({
    fetch: fetch as unknown as ServeHandler<unknown>,
    trustProxy: checkProxyTrust(options.trustProxy),
    development: options.development === true,
    logger,
    accessLog: options.accessLog,
    waitUntil: (promise) => waiting.push(promise),
    upgrader:
      options.websocket === undefined
        ? undefined
        : new FetchUpgrader(options.websocket, new Topics(), logger),
  });
  const target = {
    compile: () => {},
    limits: resolveLimits(options.limits),
    timeouts: resolveTimeouts(undefined),
    createRequest: exchange.createRequest.bind(exchange),
    createResponse: exchange.createResponse.bind(exchange),
    handle: (request: WireRequest, response: WireResponse<unknown>) => {
      const result = exchange.handle(request, response);
      options.onHandled?.(result);
      return result;
    },
    handleError: exchange.handleError.bind(exchange),
    reportError: exchange.reportError.bind(exchange),
    reportProtocolError: exchange.reportProtocolError.bind(exchange),
  };
  const responses = await injectRaw(target, bytes, options);
  await Promise.all(waiting);
  return { responses, errors, warnings };
}

/** One request's only response. */
export async function fetchOne(
  fetch: FetchHandler,
  bytes: string,
  options: InMemoryOptions = {},
): Promise<InjectedResponse> {
  const { responses } = await fetchInMemory(fetch, bytes, options);
  if (responses.length !== 1) throw new Error(`Expected one response, got ${responses.length}`);
  return responses[0]!;
}

/** A POST with a body and its Content-Length. */
export function post(path: string, type: string | undefined, body: string): string {
  const typeLine = type === undefined ? "" : `Content-Type: ${type}\r\n`;
  return `POST ${path} HTTP/1.1\r\nHost: example.test\r\n${typeLine}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}
