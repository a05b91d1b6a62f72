import { hkdfSync, randomBytes } from "node:crypto";
import { SessionConfigError } from "./errors.js";

/** A session secret: raw bytes, or a `base64url:` / `hex:` string decoding to at least 32 bytes. */
export type SessionKeyInput = string | Uint8Array;

export const MIN_KEY_BYTES = 32;
export const KEY_ID_BYTES = 4;
export const ENCRYPTION_KEY_BYTES = 32;

// Versioned labels: a future format (v2) derives unrelated keys from the same secrets.
const ENCRYPTION_INFO = "slow-serv session v1 enc";
const KEY_ID_INFO = "slow-serv session v1 kid";
const NO_SALT = Buffer.alloc(0);

const BASE64URL_PREFIX = "base64url:";
const HEX_PREFIX = "hex:";
const BASE64URL_BODY = /^[A-Za-z0-9_-]+$/;
const HEX_BODY = /^(?:[0-9a-fA-F]{2})+$/;

const KEY_ADVICE =
  "Generate a key with `npx slow-serv keygen` (it prints `base64url:` followed by 32 random " +
  "bytes), keep it in a secret store or environment variable, and pass it as `keys: [key]`. " +
  "To rotate, put the new key first and keep the old one after it until sessions sealed with it " +
  "have expired.";

/** One secret after derivation. The secret itself is not kept. */
export interface SessionKey {
  /** Position in the configured list; 0 is the primary (sealing) key. */
  readonly index: number;
  /** 8 lowercase hex characters; safe to log, it reveals nothing about the secret. */
  readonly kid: string;
  readonly kidBytes: Buffer;
  readonly encryptionKey: Buffer;
}

/** `keys[0]` seals; any key opens the tokens that name its key id (no trial decryption). */
export class Keyring {
  readonly primary: SessionKey;
  readonly keys: readonly SessionKey[];
  readonly #byKid: ReadonlyMap<string, SessionKey>;

  constructor(inputs: readonly SessionKeyInput[]) {
    const secrets = decodeKeyList(inputs);
    const keys = secrets.map((secret, index) => deriveSessionKey(secret, index));
    const byKid = indexByKeyId(keys);
    this.keys = keys;
    this.primary = keys[0]!;
    this.#byKid = byKid;
  }

  lookup(kid: string): SessionKey | undefined {
    return this.#byKid.get(kid);
  }
}

/** Fails on a key-id collision: a token must name exactly one key that can open it. */
export function indexByKeyId(keys: readonly SessionKey[]): Map<string, SessionKey> {
  const byKid = new Map<string, SessionKey>();
  for (const key of keys) {
    const clash = byKid.get(key.kid);
    if (clash !== undefined) {
      throw new SessionConfigError(
        `Session keys[${clash.index}] and keys[${key.index}] derive the same key id ` +
          `(a one-in-four-billion accident). Replace one of them with a new key. ${KEY_ADVICE}`,
      );
    }
    byKid.set(key.kid, key);
  }
  return byKid;
}

/** A fresh key in the format `keys` accepts: `base64url:` + 32 random bytes. */
export function generateKey(): string {
  for (;;) {
    const bytes = randomBytes(MIN_KEY_BYTES);
    // Astronomically unlikely, but a generated key must always pass our own validation.
    if (keyWeakness(bytes) === undefined) return BASE64URL_PREFIX + bytes.toString("base64url");
  }
}

function decodeKeyList(inputs: readonly SessionKeyInput[]): Buffer[] {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new SessionConfigError(
      `Session \`keys\` must be a non-empty array of secrets. ${KEY_ADVICE}`,
    );
  }
  const secrets: Buffer[] = [];
  inputs.forEach((input: SessionKeyInput, index: number) => {
    const secret = decodeKey(input, index);
    const twin = secrets.findIndex((other) => other.equals(secret));
    if (twin !== -1) {
      throw new SessionConfigError(
        `Session keys[${index}] is the same secret as keys[${twin}]. Every key must be distinct; ` +
          `remove the duplicate. ${KEY_ADVICE}`,
      );
    }
    secrets.push(secret);
  });
  return secrets;
}

/** Decodes and vets one key. Error messages never echo the key: they end up in logs. */
export function decodeKey(input: SessionKeyInput, index = 0): Buffer {
  const where = `Session keys[${index}]`;
  let bytes: Buffer;
  if (typeof input === "string") {
    bytes = decodeKeyString(input, where);
  } else if (input instanceof Uint8Array) {
    bytes = Buffer.from(input);
  } else if (input === undefined) {
    // Almost always `keys: [process.env.SESSION_KEY!]` with the variable unset.
    throw new SessionConfigError(
      `${where} (option 'session.keys') is undefined: is the environment variable or secret ` +
        `that should hold it (e.g. SESSION_KEY) set in this environment? ${KEY_ADVICE}`,
    );
  } else {
    const got = input === null ? "null" : typeof input;
    throw new SessionConfigError(
      `${where} (option 'session.keys') must be a Buffer or a string, got ${got}. ${KEY_ADVICE}`,
    );
  }
  if (bytes.length < MIN_KEY_BYTES) {
    throw new SessionConfigError(
      `${where} is ${bytes.length} bytes; at least ${MIN_KEY_BYTES} random bytes are required. ` +
        KEY_ADVICE,
    );
  }
  const weakness = keyWeakness(bytes);
  if (weakness !== undefined) {
    throw new SessionConfigError(
      `${where} ${weakness}; it does not look like random bytes. ${KEY_ADVICE}`,
    );
  }
  return bytes;
}

function decodeKeyString(input: string, where: string): Buffer {
  if (input.startsWith(BASE64URL_PREFIX)) {
    const body = input.slice(BASE64URL_PREFIX.length);
    const bytes = Buffer.from(body, "base64url");
    if (!BASE64URL_BODY.test(body) || bytes.toString("base64url") !== body) {
      throw new SessionConfigError(
        `${where} is not canonical base64url after \`base64url:\` (only A-Z a-z 0-9 - _, no ` +
          `padding, no whitespace; check for a trailing newline). ${KEY_ADVICE}`,
      );
    }
    return bytes;
  }
  if (input.startsWith(HEX_PREFIX)) {
    const body = input.slice(HEX_PREFIX.length);
    if (!HEX_BODY.test(body)) {
      throw new SessionConfigError(
        `${where} is not valid hex after \`hex:\` (an even number of 0-9 a-f characters, no ` +
          `whitespace). ${KEY_ADVICE}`,
      );
    }
    return Buffer.from(body, "hex");
  }
  throw new SessionConfigError(
    `${where} looks like a passphrase: key strings must start with \`base64url:\` or \`hex:\`. ` +
      `Passwords are guessable offline from any cookie, so only random keys are accepted. ${KEY_ADVICE}`,
  );
}

/**
 * Cheap screens for secrets that are not random: 32 random bytes have ~30 distinct values, are
 * almost never all printable ASCII (p ≈ 1e-14) and almost never repeat one step between
 * neighbours 8 times (p ≈ 1e-10). Catches passphrases smuggled through an encoding, `"a".repeat`,
 * counters and short repeating patterns. Shared by every secret slow-serv takes: session keys and
 * CookieSigner keys.
 */
export function keyWeakness(bytes: Uint8Array): string | undefined {
  const distinct = new Set(bytes).size;
  if (distinct < 16) return `has only ${distinct} distinct byte values`;
  if (bytes.every((b) => b >= 0x20 && b <= 0x7e)) {
    return "decodes to printable text (a password or an encoded string, not raw random bytes)";
  }
  const stepCounts = new Map<number, number>();
  let mostRepeatedStep = 0;
  for (let i = 1; i < bytes.length; i++) {
    const step = (bytes[i]! - bytes[i - 1]!) & 0xff;
    const count = (stepCounts.get(step) ?? 0) + 1;
    stepCounts.set(step, count);
    if (count > mostRepeatedStep) mostRepeatedStep = count;
  }
  if (mostRepeatedStep >= (bytes.length - 1) / 4) return "follows a regular pattern";
  return undefined;
}

function deriveSessionKey(secret: Buffer, index: number): SessionKey {
  const encryptionKey = Buffer.from(
    hkdfSync("sha256", secret, NO_SALT, ENCRYPTION_INFO, ENCRYPTION_KEY_BYTES),
  );
  const kidBytes = Buffer.from(hkdfSync("sha256", secret, NO_SALT, KEY_ID_INFO, KEY_ID_BYTES));
  return { index, kid: kidBytes.toString("hex"), kidBytes, encryptionKey };
}
