import type { HttpError } from "../wire/http-error.js";
import type { ConnectionInfo } from "../wire/request.js";
import type { Logger } from "./logger.js";

/** Lines a ProtocolErrorLog writes per second at most; the rest are counted, not written. */
export const PROTOCOL_ERROR_LINES_PER_SECOND = 10;

/**
 * Logs errors that belong to no request (a head that is not HTTP, a header timeout) as one
 * warn line each: status, message, client address and the escaped start of what arrived, so a
 * PROXY-protocol header or a TLS handshake on the plain port is recognisable in the log. Any
 * client can cause these at will, so at most PROTOCOL_ERROR_LINES_PER_SECOND lines are written
 * per second; the next line written says how many were left out meanwhile (`suppressed`).
 */
export class ProtocolErrorLog {
  readonly #logger: Logger;
  readonly #now: () => number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #written = 0;
  #suppressed = 0;

  /** `now`: a clock in milliseconds (tests pass a fake one). */
  constructor(logger: Logger, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  report(error: HttpError, preview: string, connection: ConnectionInfo): void {
    const now = this.#now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#written = 0;
    }
    if (this.#written >= PROTOCOL_ERROR_LINES_PER_SECOND) {
      this.#suppressed++;
      return;
    }
    this.#written++;
    const fields: Record<string, unknown> = {
      status: error.status,
      remoteAddress: connection.remoteAddress,
    };
    if (preview !== "") fields.received = preview;
    if (this.#suppressed > 0) fields.suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#logger.warn(`Protocol error: ${error.message}`, fields);
  }
}
