import { statusText } from "./status.js";

export interface HttpErrorOptions {
  /** Extra response headers, e.g. `Allow` for 405 or `WWW-Authenticate` for 401. */
  headers?: Readonly<Record<string, string>>;
  /** Close the connection after the response: the request framing can no longer be trusted. */
  close?: boolean;
  /** Shown to the client. Defaults to the reason phrase. Never put internals here. */
  expose?: boolean;
  /** Machine-readable detail, e.g. validation issues; sent in JSON error bodies. */
  details?: unknown;
  cause?: unknown;
}

/**
 * An error that maps to an HTTP status. Throw it from a handler or hook to answer with that status;
 * 4xx messages are shown to the client, 5xx messages only in development mode.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly close: boolean;
  readonly expose: boolean;
  readonly details: unknown;

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`HttpError status must be an integer from 400 to 599, got ${status}`);
    }
    super(
      message ?? statusText(status),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "HttpError";
    this.status = status;
    this.headers = options.headers ?? {};
    this.close = options.close ?? false;
    this.expose = options.expose ?? status < 500;
    this.details = options.details;
  }
}

export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}
