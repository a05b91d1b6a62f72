import { DEFAULT_PARSER_LIMITS, type ParserLimits } from "./parser.js";

/** Every limit the HTTP engine enforces, with the status a client gets when it goes over. */
export interface HttpLimits extends ParserLimits {
  /** Largest request body a handler may read, unless a route raises it. Over it: 413. */
  maxBodyBytes: number;
  /** Requests answered on one connection before it closes; 0 means no limit. */
  maxRequestsPerConnection: number;
  /** Open connections at once; more are answered 503 and closed. 0 means no limit. */
  maxConnections: number;
  /** Pipelined requests parsed ahead of the one being answered before reading pauses. */
  maxPipelinedRequests: number;
  /** Request-body bytes buffered for a handler that is not reading before the socket pauses. */
  bodyHighWaterMark: number;
  /** Unread body bytes the server reads and drops after a response to keep the connection. */
  maxDiscardBytes: number;
}

/** Timeouts in milliseconds; 0 switches one off. */
export interface HttpTimeouts {
  /** From the first byte of a head to its end (slowloris). Over it: 408 and close. */
  headers: number;
  /** Longest wait for more request-body bytes while a handler is reading. Over it: 408 and close. */
  body: number;
  /**
   * An idle keep-alive connection closes after this long. The default, 75 s, outlasts the idle
   * timeouts of the proxies in front (nginx upstream keepalive_timeout 60 s, haproxy, cloud load
   * balancers at 60 s): a backend that closes first races the proxy's next request on that
   * connection, the classic cause of 502s.
   */
  keepAlive: number;
  /**
   * Longest wait for a client to take more of a streamed response: when the socket's buffer is
   * full and none of it goes out for this long, the connection is cut and the stream stopped, so a
   * client that never reads cannot hold a connection (and its producer) forever.
   */
  send: number;
  /** Graceful shutdown: in-flight requests get this long to finish before connections are cut. */
  shutdown: number;
  /** How often the single timeout sweep runs over all connections. */
  sweepInterval: number;
}

export const DEFAULT_LIMITS: Readonly<HttpLimits> = Object.freeze({
  ...DEFAULT_PARSER_LIMITS,
  maxBodyBytes: 1024 * 1024,
  maxRequestsPerConnection: 0,
  maxConnections: 10_000,
  maxPipelinedRequests: 64,
  bodyHighWaterMark: 64 * 1024,
  maxDiscardBytes: 64 * 1024,
});

export const DEFAULT_TIMEOUTS: Readonly<HttpTimeouts> = Object.freeze({
  headers: 20_000,
  body: 30_000,
  keepAlive: 75_000,
  send: 30_000,
  shutdown: 10_000,
  sweepInterval: 1_000,
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function checkNumbers<T extends object>(
  section: string,
  defaults: Readonly<T>,
  given: Partial<T> | undefined,
  allowInfinity: ReadonlySet<string>,
): T {
  const result = { ...defaults } as T;
  if (given === undefined) return result;
  if (typeof given !== "object" || given === null) {
    throw new ConfigError(`'${section}' must be an object like { ${Object.keys(defaults)[0]}: … }`);
  }
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) {
      const known = Object.keys(defaults).join(", ");
      throw new ConfigError(`Unknown option '${section}.${key}'. Known options: ${known}.`);
    }
    if (value === undefined) continue;
    const fallback = (defaults as Record<string, unknown>)[key];
    if (typeof fallback === "boolean") {
      if (typeof value !== "boolean") {
        throw new ConfigError(`'${section}.${key}' must be true or false, got ${String(value)}.`);
      }
    } else if (
      typeof value !== "number" ||
      Number.isNaN(value) ||
      value < 0 ||
      (!Number.isInteger(value) && !(value === Number.POSITIVE_INFINITY && allowInfinity.has(key)))
    ) {
      throw new ConfigError(
        `'${section}.${key}' must be a whole number ≥ 0${allowInfinity.has(key) ? " or Infinity" : ""}, got ${String(value)}. The default is ${String(fallback)}.`,
      );
    }
    (result as Record<string, unknown>)[key] = value;
  }
  return result;
}

export function resolveLimits(given: Partial<HttpLimits> | undefined): HttpLimits {
  const limits = checkNumbers("limits", DEFAULT_LIMITS, given, new Set(["maxBodyBytes"]));
  for (const key of ["maxRequestLineBytes", "maxHeaderBytes", "maxHeaderCount"] as const) {
    if (limits[key] === 0) throw new ConfigError(`'limits.${key}' must be at least 1.`);
  }
  if (
    limits.maxRequestLineBytes > limits.maxHeaderBytes &&
    given?.maxRequestLineBytes === undefined
  ) {
    // Only the header limit was lowered: the default request-line limit follows it down.
    limits.maxRequestLineBytes = limits.maxHeaderBytes;
  }
  if (limits.maxRequestLineBytes > limits.maxHeaderBytes) {
    throw new ConfigError(
      `'limits.maxRequestLineBytes' (${limits.maxRequestLineBytes}) cannot exceed 'limits.maxHeaderBytes' (${limits.maxHeaderBytes}): the request-line is part of the header section.`,
    );
  }
  return limits;
}

export function resolveTimeouts(given: Partial<HttpTimeouts> | undefined): HttpTimeouts {
  const timeouts = checkNumbers("timeouts", DEFAULT_TIMEOUTS, given, new Set());
  if (timeouts.sweepInterval === 0) {
    throw new ConfigError("'timeouts.sweepInterval' must be at least 1 (milliseconds).");
  }
  return timeouts;
}
