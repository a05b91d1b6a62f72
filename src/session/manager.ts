import {
  chunkDeletions,
  MAX_SET_COOKIE_LINE_BYTES,
  readChunks,
  splitIntoChunks,
} from "./chunks.js";
import type { InvalidSessionReason, ResolvedSessionConfig, SessionOptions } from "./config.js";
import {
  cookieAttributes,
  deletionAttributes,
  resolveSessionConfig,
  wireCookieName,
} from "./config.js";
import type { JsonRecord, SessionPayload } from "./payload.js";
import {
  decodePayload,
  encodeData,
  encodePayloadWithData,
  expiryFailure,
  expiryOf,
  PAYLOAD_VERSION,
  shouldRefresh,
} from "./payload.js";
import { openWithReason, seal } from "./seal.js";
import type { Session, SessionOrigin } from "./session.js";
import { createSession, SessionState, sessionStateOf } from "./session.js";

/** Headers for any response that read or wrote the session: it is per-user and must not be cached. */
export const SESSION_RESPONSE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  vary: "Cookie",
  "cache-control": "private, no-store",
});

export interface SessionCommit {
  /** `Set-Cookie` header values, one header each. Empty when nothing needs saving. */
  setCookies: string[];
  /** The handler touched the session or a cookie is written: send `SESSION_RESPONSE_HEADERS`. */
  accessed: boolean;
}

/**
 * Client-side encrypted sessions, independent of any framework: `load()` turns a parsed cookie
 * map into a session, `commit()` turns it back into `Set-Cookie` values. An unusable cookie,
 * whatever the reason, yields a fresh empty session and deletion cookies, never an exception.
 *
 * Key rotation across a fleet: (1) deploy the new key as a fallback everywhere (`[old, new]`),
 * (2) promote it (`[new, old]`): sessions opened with `old` are re-sealed with `new` on their next
 * response, (3) drop `old` once `absoluteTimeout` has passed since step 2.
 *
 * Known limit: a copied cookie stays valid until it expires (it is a bearer token); use
 * `isRevoked` to consult a denylist or a per-user "valid after" time.
 */
export class SessionManager<Data extends JsonRecord = JsonRecord> {
  readonly config: ResolvedSessionConfig;

  readonly #now: () => number;

  constructor(options: SessionOptions) {
    const config = resolveSessionConfig(options);
    this.config = config;
    this.#now = () => config.clock.now();
  }

  /** The cookie name (chunk 0) on the wire; chunk i is `<name>.<i>`. */
  cookieName(requestSecure: boolean): string {
    return wireCookieName(this.config, this.config.secure ?? requestSecure);
  }

  /**
   * `cookies` is the request's parsed Cookie header; `requestSecure` whether it arrived over TLS
   * (directly or via a trusted proxy). Rejects only if `isRevoked` throws.
   */
  async load(
    cookies: Readonly<Record<string, unknown>>,
    requestSecure: boolean,
  ): Promise<Session<Data>> {
    const secure = this.config.secure ?? requestSecure === true;
    const opened = this.#open(cookies, secure);
    if (!("payload" in opened)) return opened.session;
    const { payload, origin } = opened;
    const { isRevoked } = this.config;
    if (
      isRevoked !== undefined &&
      (await isRevoked({
        sid: payload.sid,
        issuedAt: payload.iat,
        lastActive: payload.lat,
        data: payload.data,
      }))
    ) {
      return this.#reject("revoked", origin);
    }
    return createSession<Data>(new SessionState(this.#now, origin, payload));
  }

  /**
   * `load()` without a promise, for the common configuration without `isRevoked`: a framework
   * can then open the session lazily, on first use. With `isRevoked` configured it throws when a
   * valid cookie came (the hook is async), so call `load()` for those requests.
   */
  loadSync(cookies: Readonly<Record<string, unknown>>, requestSecure: boolean): Session<Data> {
    const secure = this.config.secure ?? requestSecure === true;
    const opened = this.#open(cookies, secure);
    if (!("payload" in opened)) return opened.session;
    if (this.config.isRevoked !== undefined) {
      throw new Error("loadSync() cannot run the async isRevoked hook: use load() instead");
    }
    return createSession<Data>(new SessionState(this.#now, opened.origin, opened.payload));
  }

  #open(
    cookies: Readonly<Record<string, unknown>>,
    secure: boolean,
  ): { session: Session<Data> } | { payload: SessionPayload; origin: SessionOrigin } {
    const { config } = this;
    const origin: SessionOrigin = {
      secure,
      presentChunks: [],
      discardCookie: false,
      sealedWithFallback: false,
    };
    try {
      const map = cookies !== null && typeof cookies === "object" ? cookies : {};
      const read = readChunks(map, wireCookieName(config, secure), config.maxChunks);
      origin.presentChunks = read.present;
      if (read.problem !== undefined) return { session: this.#reject(read.problem, origin) };
      if (read.token === undefined) return { session: this.#fresh(origin) };
      const maxChars = config.maxChunks * MAX_SET_COOKIE_LINE_BYTES;
      const opened = openWithReason(config.keyring, config.cookieName, read.token, maxChars);
      if (!opened.ok) return { session: this.#reject(opened.reason, origin) };
      const payload = decodePayload(opened.plaintext);
      if (payload === undefined) return { session: this.#reject("bad-payload", origin) };
      if (expiryFailure(payload, this.#now(), config) !== undefined) {
        return { session: this.#reject("expired", origin) };
      }
      origin.sealedWithFallback = !opened.usedPrimary;
      return { payload, origin };
    } catch {
      // Defence in depth: no cookie, however crafted, may turn into an exception.
      return { session: this.#reject("malformed", origin) };
    }
  }

  #fresh(origin: SessionOrigin): Session<Data> {
    return createSession<Data>(new SessionState(this.#now, origin));
  }

  /** Same session, same cookies for every reason: the client learns nothing from the response. */
  #reject(reason: InvalidSessionReason, origin: SessionOrigin): Session<Data> {
    try {
      this.config.onInvalid?.(reason);
    } catch {
      // A broken metrics hook must not break requests.
    }
    return this.#fresh({ ...origin, discardCookie: true, sealedWithFallback: false });
  }

  /**
   * `Set-Cookie` values for the response. Throws `SessionTooLargeError` (before producing any
   * cookie, so the browser keeps its old one) or a TypeError for non-JSON data.
   */
  commit(session: Session<Data>): SessionCommit {
    const state = sessionStateOf(session);
    const { config } = this;
    const now = this.#now();
    const wireName = wireCookieName(config, state.origin.secure);
    const dataJson = encodeData(state.data);
    const flashOut = Object.keys(state.outgoingFlash).length > 0;

    let write: boolean;
    let touchLastActive: boolean;
    if (state.persisted) {
      const changed = dataJson !== state.loadedDataJson || flashOut || state.hadIncomingFlash;
      touchLastActive = changed || shouldRefresh(state, now, config.idleTimeout);
      write = touchLastActive || state.origin.sealedWithFallback;
    } else {
      // Anonymous visitors who never store anything get no cookie. A regenerated session must
      // replace the old cookie even when empty, or the old id and CSRF secret would live on.
      const hasContent = dataJson !== "{}" || flashOut || state.csrfIssued;
      write = hasContent || (state.regenerated && state.loaded);
      touchLastActive = true;
    }
    const lastActive = touchLastActive ? Math.max(now, state.iat) : state.lat;
    const expiry = expiryOf(state.iat, lastActive, config);
    const accessed = state.accessed || state.destroyed;

    if (!write || expiry <= now) {
      // Nothing to save. Cookies that came with the request go if they are bad, destroyed, or
      // the session ran out while the request was being handled.
      const mustDelete = state.destroyed || state.origin.discardCookie || write;
      const present = state.origin.presentChunks;
      if (!mustDelete || present.length === 0) return { setCookies: [], accessed };
      const attributes = deletionAttributes(config, state.origin.secure);
      return { setCookies: chunkDeletions(wireName, present, attributes), accessed: true };
    }

    const plaintext = encodePayloadWithData(
      {
        v: PAYLOAD_VERSION,
        sid: state.sid,
        iat: state.iat,
        lat: lastActive,
        exp: expiry,
        csrf: state.csrfSecret.toString("base64url"),
      },
      dataJson,
      state.outgoingFlash,
    );
    const token = seal(config.keyring, config.cookieName, plaintext);
    const maxAge = Math.max(1, Math.floor((expiry - now) / 1000));
    const secure = state.origin.secure;
    const cookies = splitIntoChunks(
      wireName,
      token,
      cookieAttributes(config, secure, maxAge),
      config.maxChunks,
    );
    const stale = state.origin.presentChunks.filter((index) => index >= cookies.length);
    cookies.push(...chunkDeletions(wireName, stale, deletionAttributes(config, secure)));
    return { setCookies: cookies, accessed: true };
  }
}
