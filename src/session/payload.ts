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

/**
 * Same bytes as `encodePayload`, reusing user data already serialised by `encodeData` (the
 * change check needs it anyway), so a commit stringifies the data once.
 */
export function encodePayloadWithData(
  payload: Omit<SessionPayload, "data" | "flash">,
  dataJson: string,
  flash: JsonRecord,
): Buffer {
  const { v, sid, iat, lat, exp, csrf } = payload;
  const head = JSON.stringify({ v, sid, iat, lat, exp, csrf });
  return Buffer.from(`${head.slice(0, -1)},"data":${dataJson},"flash":${stringifyJson(flash)}}`);
}

/** Serialises user data alone; comparing it detects changes, including nested mutations. */
export function encodeData(data: JsonRecord): string {
  return stringifyJson(data);
}

function stringifyJson(value: object): string {
  try {
    const text = JSON.stringify(value);
    // A replacer halves JSON.stringify's speed, so only run it when a "__proto__" key may exist
    // (outside keys that text can only occur escaped, as \"__proto__\").
    if (text.includes('"__proto__":')) JSON.stringify(value, rejectProtoKey);
    return text;
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
    // A post-walk is ~3x cheaper than a JSON.parse reviver. Absurd nesting overflows the
    // stack here, which the catch turns into a rejection like any other problem.
    parsed = withNullPrototypes(JSON.parse(utf8.decode(bytes)));
  } catch {
    return undefined;
  }
  return isValidPayload(parsed) ? parsed : undefined;
}

/**
 * Copies every object into a prototype-less one, so `perms[name]` can never find
 * `constructor` or `toString`. JSON.parse stores "__proto__" as an own key (no pollution), but
 * such a key is never legitimate here, so it is rejected outright.
 */
function withNullPrototypes(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = withNullPrototypes(value[i]);
    return value;
  }
  const copy: JsonRecord = Object.create(null);
  for (const name of Object.keys(value)) {
    if (name === "__proto__") throw new ForbiddenKey("a key named __proto__");
    copy[name] = withNullPrototypes((value as JsonRecord)[name]);
  }
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
