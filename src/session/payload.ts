/**
 * The sealed session payload: plain JSON (never a code-capable format), parsed into
 * null-prototype objects. Even though only this server can produce a payload, it is validated
 * strictly: a bug or a future format must fail closed, not half-load.
 */
export const PAYLOAD_VERSION = 1;

/** Session id: 16 random bytes, base64url. */
export const SESSION_ID_CHARS = 22;
/** CSRF secret: 32 random bytes, base64url. */
export const CSRF_SECRET_CHARS = 43;

const HOUR = 3_600_000;

export type JsonRecord = Record<string, unknown>;

export interface SessionPayload {
  v: typeof PAYLOAD_VERSION;
  /** Session id, stable across requests; changed by `regenerate()`. */
  sid: string;
  /** Issued at (ms since epoch): start of the absolute timeout. */
  iat: number;
  /** Last active (ms since epoch): start of the idle timeout. */
  lat: number;
  /** Expiry stamped at seal time = min(iat + absolute, lat + idle). A hard cap: config can only shorten it. */
  exp: number;
  /** CSRF secret, base64url. */
  csrf: string;
  data: JsonRecord;
  /** Flash messages set during the previous request. */
  flash: JsonRecord;
}

export interface ExpiryPolicy {
  /** ms after `iat` at which a session ends however active it is. */
  absoluteTimeout: number;
  /** ms of inactivity after which a session ends. */
  idleTimeout: number;
  /** ms a timestamp may lie in the future (clocks of other instances run ahead). */
  clockSkew: number;
}

export type ExpiryFailure = "future" | "absolute" | "idle" | "sealed-expiry";

const PAYLOAD_KEYS = ["v", "sid", "iat", "lat", "exp", "csrf", "data", "flash"] as const;
const ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${SESSION_ID_CHARS}}$`);
const CSRF_PATTERN = new RegExp(`^[A-Za-z0-9_-]{${CSRF_SECRET_CHARS}}$`);
const utf8 = new TextDecoder("utf-8", { fatal: true });

class ForbiddenKey extends Error {}

/** Serialises a payload; throws a TypeError for data that JSON cannot carry faithfully. */
export function encodePayload(payload: SessionPayload): Buffer {
  return Buffer.from(stringifyJson(payload), "utf8");
}

/** Serialises user data alone; comparing it detects changes, including nested mutations. */
export function encodeData(data: JsonRecord): string {
  return stringifyJson(data);
}

function stringifyJson(value: object): string {
  try {
    return JSON.stringify(value, rejectProtoKey);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new TypeError(
      `Session data must be JSON-serialisable (no cycles, BigInt or __proto__ keys): ${detail}`,
      { cause: error },
    );
  }
}

function rejectProtoKey(key: string, value: unknown): unknown {
  if (key === "__proto__") throw new ForbiddenKey("a key named __proto__");
  return value;
}

/** Parses and validates; `undefined` on any problem. */
export function decodePayload(bytes: Uint8Array): SessionPayload | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(bytes), toNullPrototype);
  } catch {
    return undefined;
  }
  return isValidPayload(parsed) ? parsed : undefined;
}

/** JSON.parse calls this bottom-up, so every object ends up without a prototype. */
function toNullPrototype(key: string, value: unknown): unknown {
  if (key === "__proto__") throw new ForbiddenKey("a key named __proto__");
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const copy: JsonRecord = Object.create(null);
  for (const name of Object.keys(value)) copy[name] = (value as JsonRecord)[name];
  return copy;
}

function isValidPayload(value: unknown): value is SessionPayload {
  if (!isRecord(value)) return false;
  const keys = Object.keys(value);
  if (keys.length !== PAYLOAD_KEYS.length) return false;
  if (!PAYLOAD_KEYS.every((key) => Object.hasOwn(value, key))) return false;
  const { v, sid, iat, lat, exp, csrf, data, flash } = value;
  return (
    v === PAYLOAD_VERSION &&
    typeof sid === "string" &&
    ID_PATTERN.test(sid) &&
    typeof csrf === "string" &&
    CSRF_PATTERN.test(csrf) &&
    isTimestamp(iat) &&
    isTimestamp(lat) &&
    isTimestamp(exp) &&
    iat <= lat &&
    iat < exp &&
    isRecord(data) &&
    isRecord(flash)
  );
}

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isTimestamp(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * `undefined` while valid. The policy is the server's current one, so shortening a timeout
 * immediately ends older sessions; the sealed `exp` still caps sessions if a timeout grows.
 * Boundaries are exclusive: at exactly iat + absolute the session has ended.
 */
export function expiryFailure(
  payload: SessionPayload,
  now: number,
  policy: ExpiryPolicy,
): ExpiryFailure | undefined {
  if (payload.iat > now + policy.clockSkew || payload.lat > now + policy.clockSkew) return "future";
  if (now - payload.iat >= policy.absoluteTimeout) return "absolute";
  if (now - payload.lat >= policy.idleTimeout) return "idle";
  if (now >= payload.exp) return "sealed-expiry";
  return undefined;
}

export function expiryOf(iat: number, lat: number, policy: ExpiryPolicy): number {
  return Math.min(iat + policy.absoluteTimeout, lat + policy.idleTimeout);
}

/** Refreshing last-active costs a Set-Cookie, so do it at most every min(idle / 10, 1 h). */
export function refreshInterval(idleTimeout: number): number {
  return Math.min(Math.floor(idleTimeout / 10), HOUR);
}

export function shouldRefresh(
  payload: Pick<SessionPayload, "lat">,
  now: number,
  idleTimeout: number,
): boolean {
  return now - payload.lat >= refreshInterval(idleTimeout);
}
