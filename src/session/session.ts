import { CSRF_SECRET_BYTES, maskCsrfSecret, verifyMaskedCsrfToken } from "./csrf.js";
import type { JsonRecord, SessionPayload } from "./payload.js";
import { encodeData } from "./payload.js";
import { pooledRandomBytes } from "./seal.js";

/**
 * The per-request session: a Proxy that reads and writes user data like a plain object
 * (`session.count = (session.count ?? 0) + 1`) and also exposes the controls below. Their names
 * are reserved; assigning to one throws. Values must be JSON (Dates come back as strings).
 */
export interface SessionControls {
  /** Stable across requests until `regenerate()` or `destroy()`. Safe to log. */
  readonly sessionId: string;
  /** True when no valid session cookie came with the request (or after `destroy()`). */
  readonly isNew: boolean;
  /** New id and CSRF secret, data kept; call on login, logout and privilege changes. */
  regenerate(): void;
  /** Clears data and flash; the response expires the cookie and all its chunks. */
  destroy(): void;
  /** Stores a value readable (once) during the next request only. */
  flash(key: string, value: unknown): void;
  /** Reads and removes a value flashed by the previous request. */
  consumeFlash(key: string): unknown;
  /** Reads and removes every value flashed by the previous request. */
  flashes(): JsonRecord;
  /** A freshly masked CSRF token for a form field or header; differs on every call. */
  csrfToken(): string;
  /** Constant-time check of a token from `csrfToken()` against this session's secret. */
  verifyCsrfToken(token: unknown): boolean;
}

export type Session<Data extends JsonRecord = JsonRecord> = SessionControls & Partial<Data>;

export const RESERVED_SESSION_KEYS: ReadonlySet<string> = new Set([
  "sessionId",
  "isNew",
  "regenerate",
  "destroy",
  "flash",
  "consumeFlash",
  "flashes",
  "csrfToken",
  "verifyCsrfToken",
]);

/** Where a state came from: what the request carried and what the response must do about it. */
export interface SessionOrigin {
  secure: boolean;
  /** Chunk indices present in the request (to delete stale ones). */
  presentChunks: number[];
  /** An unusable cookie came with the request: delete it unless a new session replaces it. */
  discardCookie: boolean;
  /** Opened with a fallback key: re-seal with the primary. */
  sealedWithFallback: boolean;
}

/** Mutable bookkeeping behind one Session proxy; read by the manager on commit. */
export class SessionState {
  sid: string;
  iat: number;
  lat: number;
  csrfSecret: Buffer;
  data: JsonRecord;
  incomingFlash: JsonRecord;
  outgoingFlash: JsonRecord = Object.create(null);
  /** A valid cookie came with the request. */
  readonly loaded: boolean;
  /** A valid cookie was opened and this state still continues it (same id and secret). */
  persisted: boolean;
  readonly loadedDataJson: string;
  readonly hadIncomingFlash: boolean;
  readonly origin: SessionOrigin;
  regenerated = false;
  destroyed = false;
  csrfIssued = false;
  accessed = false;
  readonly #now: () => number;

  constructor(now: () => number, origin: SessionOrigin, payload?: SessionPayload) {
    this.#now = now;
    this.origin = origin;
    if (payload === undefined) {
      const time = now();
      this.sid = newSessionId();
      this.iat = time;
      this.lat = time;
      this.csrfSecret = newCsrfSecret();
      this.data = Object.create(null);
      this.incomingFlash = Object.create(null);
      this.loaded = false;
      this.persisted = false;
      this.loadedDataJson = "{}";
    } else {
      this.sid = payload.sid;
      this.iat = payload.iat;
      this.lat = payload.lat;
      this.csrfSecret = Buffer.from(payload.csrf, "base64url");
      this.data = payload.data;
      this.incomingFlash = payload.flash;
      this.loaded = true;
      this.persisted = true;
      this.loadedDataJson = encodeData(payload.data);
    }
    this.hadIncomingFlash = Object.keys(this.incomingFlash).length > 0;
  }

  regenerate(): void {
    const time = this.#now();
    this.sid = newSessionId();
    this.csrfSecret = newCsrfSecret();
    this.iat = time;
    this.lat = time;
    this.regenerated = true;
    this.persisted = false;
  }

  destroy(): void {
    this.regenerate();
    this.data = Object.create(null);
    this.incomingFlash = Object.create(null);
    this.outgoingFlash = Object.create(null);
    this.regenerated = false;
    this.csrfIssued = false;
    this.destroyed = true;
  }
}

/**
 * The state lives on the proxy's target under a module-private symbol, so one handler serves
 * every session and no WeakMap is needed. (A handler, a controls object with getters and a
 * WeakMap entry per session cost more than opening the cookie itself.) The symbol is never
 * exported and `ownKeys` hides it, so application code cannot reach the state.
 */
const STATE: unique symbol = Symbol("session state");

interface SessionTarget {
  [STATE]: SessionState;
  /** The controls' functions, made on first use (most requests only read data). */
  controls?: Readonly<Record<string, unknown>>;
}

/** The state behind a session proxy; throws for objects that are not sessions. */
export function sessionStateOf(session: object): SessionState {
  const state =
    session !== null && typeof session === "object"
      ? (session as { [STATE]?: unknown })[STATE]
      : undefined;
  if (!(state instanceof SessionState)) {
    throw new TypeError("commit() expects a session returned by SessionManager.load()");
  }
  return state;
}

/** The control methods of one session; plain closures, so they also work detached. */
function makeControls(state: SessionState): Readonly<Record<string, unknown>> {
  const controls: Omit<SessionControls, "sessionId" | "isNew"> = {
    regenerate: () => state.regenerate(),
    destroy: () => state.destroy(),
    flash(key: string, value: unknown) {
      state.outgoingFlash[checkedKey(key)] = value;
    },
    consumeFlash(key: string) {
      const value = state.incomingFlash[checkedKey(key)];
      delete state.incomingFlash[key];
      return value;
    },
    flashes() {
      const all = state.incomingFlash;
      state.incomingFlash = Object.create(null);
      return all;
    },
    csrfToken() {
      state.csrfIssued = true;
      return maskCsrfSecret(state.csrfSecret);
    },
    verifyCsrfToken: (token: unknown) => verifyMaskedCsrfToken(state.csrfSecret, token),
  };
  return controls as unknown as Readonly<Record<string, unknown>>;
}

function control(target: SessionTarget, key: string): unknown {
  const state = target[STATE];
  if (key === "sessionId") return state.sid;
  if (key === "isNew") return !state.persisted || state.destroyed;
  target.controls ??= makeControls(state);
  return target.controls[key];
}

const handler: ProxyHandler<SessionTarget> = {
  get(target, key) {
    if (key === STATE) return target[STATE];
    // `await` probes `then`; a session must never look like a promise, nor count as used.
    if (typeof key === "symbol" || key === "then") return undefined;
    const state = target[STATE];
    state.accessed = true;
    if (RESERVED_SESSION_KEYS.has(key)) return control(target, key);
    return state.data[key];
  },
  set(target, key, value) {
    const state = target[STATE];
    state.accessed = true;
    const name = checkedDataKey(key);
    // JSON drops undefined anyway; deleting keeps `"key" in session` truthful.
    if (value === undefined) delete state.data[name];
    else state.data[name] = value;
    return true;
  },
  deleteProperty(target, key) {
    const state = target[STATE];
    state.accessed = true;
    delete state.data[checkedDataKey(key)];
    return true;
  },
  has(target, key) {
    const state = target[STATE];
    state.accessed = true;
    return (
      typeof key === "string" && (Object.hasOwn(state.data, key) || RESERVED_SESSION_KEYS.has(key))
    );
  },
  ownKeys(target) {
    const state = target[STATE];
    state.accessed = true;
    return Object.keys(state.data);
  },
  getOwnPropertyDescriptor(target, key) {
    const state = target[STATE];
    state.accessed = true;
    if (typeof key !== "string" || !Object.hasOwn(state.data, key)) return undefined;
    return { value: state.data[key], writable: true, enumerable: true, configurable: true };
  },
  defineProperty(target, key, descriptor) {
    if (!("value" in descriptor) || descriptor.configurable === false) {
      throw new TypeError("Session data properties must be plain, configurable values");
    }
    return handler.set!(target, key, descriptor.value, undefined);
  },
  preventExtensions: () => false,
  setPrototypeOf: () => false,
};

export function createSession<Data extends JsonRecord>(state: SessionState): Session<Data> {
  const target: SessionTarget = Object.create(null);
  target[STATE] = state;
  return new Proxy(target, handler) as unknown as Session<Data>;
}

function checkedDataKey(key: string | symbol): string {
  if (typeof key === "symbol") throw new TypeError("Session data keys must be strings");
  if (RESERVED_SESSION_KEYS.has(key) || key === "then") {
    throw new TypeError(
      `"${key}" is reserved by the session API; store the value under another name`,
    );
  }
  return checkedKey(key);
}

function checkedKey(key: string): string {
  if (typeof key !== "string") throw new TypeError("Session keys must be strings");
  if (key === "__proto__") throw new TypeError('"__proto__" cannot be used as a session key');
  return key;
}

// From the pooled CSPRNG: a fresh session is made for every anonymous visitor that touches the
// session, and one randomBytes() call per value costs more than the rest of the session.
function newSessionId(): string {
  return pooledRandomBytes(16).toString("base64url");
}

/** A copy, so the secret does not keep the whole random pool alive with the session. */
function newCsrfSecret(): Buffer {
  return Buffer.from(pooledRandomBytes(CSRF_SECRET_BYTES));
}
