/**
 * Start-up configuration mistakes (bad keys, impossible timeouts, unknown options). Thrown from
 * constructors only, never while serving a request, so a misconfigured server refuses to boot.
 */
export class SessionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SessionConfigError";
  }
}

/**
 * The sealed session does not fit in the allowed cookies. Thrown by `commit()` before any
 * `Set-Cookie` is produced, so the browser keeps its previous (still valid) session cookie.
 */
export class SessionTooLargeError extends Error {
  /** Bytes the session would need (the whole token, before splitting into cookies). */
  readonly size: number;
  /** Bytes that fit in `maxChunks` cookies with the current name and attributes. */
  readonly limit: number;

  constructor(size: number, limit: number, maxChunks: number) {
    super(
      `Session too large: the sealed session is ${size} bytes but ${maxChunks} cookie(s) hold at ` +
        `most ${limit} bytes (browsers drop any Set-Cookie line over 4096 bytes). Store less in ` +
        "the session (keep ids and load the rest from a database) or raise `maxChunks` (hard cap 5).",
    );
    this.name = "SessionTooLargeError";
    this.size = size;
    this.limit = limit;
  }
}
