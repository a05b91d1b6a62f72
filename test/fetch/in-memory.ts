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
import type { ServeHandler } from "../../src/edges/fetch/websocket.js";
import { type HttpLimits, resolveLimits, resolveTimeouts } from "../../src/wire/options.js";

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
}

export interface InMemoryResult {
  responses: InjectedResponse[];
  errors: Array<{ message: string; fields: Readonly<Record<string, unknown>> | undefined }>;
}

export async function fetchInMemory(
  fetch: FetchHandler,
  bytes: string,
  options: InMemoryOptions = {},
): Promise<InMemoryResult> {
  const errors: InMemoryResult["errors"] = [];
  const logger: Logger = {
    info: () => {},
    warn: () => {},
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
    upgrader: undefined,
  });
  const target = {
    compile: () => {},
    limits: resolveLimits(options.limits),
    timeouts: resolveTimeouts(undefined),
    createRequest: exchange.createRequest.bind(exchange),
    createResponse: exchange.createResponse.bind(exchange),
    handle: exchange.handle.bind(exchange),
    handleError: exchange.handleError.bind(exchange),
    reportError: exchange.reportError.bind(exchange),
    reportProtocolError: exchange.reportProtocolError.bind(exchange),
  };
  const responses = await injectRaw(target, bytes, options);
  await Promise.all(waiting);
  return { responses, errors };
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
