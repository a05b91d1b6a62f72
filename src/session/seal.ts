import { createCipheriv, createDecipheriv, createHmac, randomBytes } from "node:crypto";
import type { Keyring } from "./keys.js";
import { KEY_ID_BYTES } from "./keys.js";

/**
 * Token = base64url(version(1) ‖ kid(4) ‖ nonce(24) ‖ ciphertext ‖ tag(16)).
 *
 * Each seal draws a fresh 24-byte nonce and derives a one-off AES-256-GCM key and 12-byte IV:
 * key ‖ IV = HKDF-Expand-SHA256(PRK = K_enc, info = "slow-serv session v1 msg" ‖ nonce, L = 44).
 * K_enc is already an HKDF output (a uniform 32-byte PRK), so Extract is skipped, and Expand is
 * written out with two HMACs because `hkdfSync` costs about twice as much per call.
 * A (key, IV) pair therefore never repeats in practice
 * (192 random bits rather than GCM's 96, whose birthday bound caps a key at ~2^32 seals), and
 * nonce reuse — which leaks the GCM authentication key and lets a client forge sessions — is
 * off the table. The AAD binds the header and the cookie's logical name, so a token cannot be
 * replayed under another cookie, key id or format version.
 */
export const TOKEN_VERSION = 0x01;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES;
const IV_BYTES = 12;
const MESSAGE_INFO = Buffer.from("slow-serv session v1 msg");
const BLOCK_1 = Buffer.from([1]);
const BLOCK_2 = Buffer.from([2]);

/** Smallest possible token: empty plaintext. */
export const MIN_TOKEN_BYTES = HEADER_BYTES + NONCE_BYTES + TAG_BYTES;
/** Five 4 KiB cookies; anything longer is refused before decoding. */
export const DEFAULT_MAX_TOKEN_CHARS = 5 * 4096;

const TOKEN_CHARS = /^[A-Za-z0-9_-]+$/;

/** Returns `size` cryptographically random bytes. Injectable only for known-answer tests. */
export type RandomSource = (size: number) => Buffer;

// One `randomBytes` call costs about as much as a whole AES-GCM seal, so draw 4 KiB at a time
// (as Node's own randomUUID does). Exhausted pools are replaced, never refilled, so handed-out
// slices stay unique.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

export const pooledRandomBytes: RandomSource = (size) => {
  if (size > POOL_BYTES) return randomBytes(size);
  if (poolOffset + size > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  poolOffset += size;
  return pool.subarray(poolOffset - size, poolOffset);
};

export interface OpenedToken {
  plaintext: Buffer;
  /** Key id (hex) that opened the token. */
  kid: string;
  /** False when a fallback key opened it: the caller should re-seal with the primary. */
  usedPrimary: boolean;
}

/** Why a token did not open; for metrics only — callers must treat every reason alike. */
export type OpenFailure = "malformed" | "unknown-key" | "auth-failed";

export type OpenResult = ({ ok: true } & OpenedToken) | { ok: false; reason: OpenFailure };

export function seal(
  keyring: Keyring,
  cookieName: string,
  plaintext: Buffer,
  rng: RandomSource = pooledRandomBytes,
): string {
  const key = keyring.primary;
  const nonce = rng(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) {
    throw new TypeError(`Random source returned ${nonce.length} bytes, expected ${NONCE_BYTES}`);
  }
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header[0] = TOKEN_VERSION;
  key.kidBytes.copy(header, 1);
  const { messageKey, iv } = deriveMessageKey(key.encryptionKey, nonce);
  const cipher = createCipheriv("aes-256-gcm", messageKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(header, cookieName));
  const ciphertext = cipher.update(plaintext);
  cipher.final();
  return Buffer.concat([header, nonce, ciphertext, cipher.getAuthTag()]).toString("base64url");
}

/** Opens a token; `undefined` for every failure, whatever the reason. */
export function open(
  keyring: Keyring,
  cookieName: string,
  token: string,
  maxChars = DEFAULT_MAX_TOKEN_CHARS,
): OpenedToken | undefined {
  const result = openWithReason(keyring, cookieName, token, maxChars);
  return result.ok
    ? { plaintext: result.plaintext, kid: result.kid, usedPrimary: result.usedPrimary }
    : undefined;
}

export function openWithReason(
  keyring: Keyring,
  cookieName: string,
  token: string,
  maxChars = DEFAULT_MAX_TOKEN_CHARS,
): OpenResult {
  // Length first: no regex, decoding or crypto on absurd input.
  if (
    typeof token !== "string" ||
    token.length < base64urlLength(MIN_TOKEN_BYTES) ||
    token.length > maxChars ||
    !TOKEN_CHARS.test(token)
  ) {
    return { ok: false, reason: "malformed" };
  }
  const bytes = Buffer.from(token, "base64url");
  // Node's decoder ignores stray bits and odd lengths; only the one canonical spelling is valid.
  if (bytes.length < MIN_TOKEN_BYTES || bytes.toString("base64url") !== token) {
    return { ok: false, reason: "malformed" };
  }
  if (bytes[0] !== TOKEN_VERSION) return { ok: false, reason: "malformed" };
  const kid = bytes.toString("hex", 1, HEADER_BYTES);
  const key = keyring.lookup(kid);
  if (key === undefined) return { ok: false, reason: "unknown-key" };

  const header = bytes.subarray(0, HEADER_BYTES);
  const nonce = bytes.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const ciphertext = bytes.subarray(HEADER_BYTES + NONCE_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const { messageKey, iv } = deriveMessageKey(key.encryptionKey, nonce);
  const decipher = createDecipheriv("aes-256-gcm", messageKey, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(header, cookieName));
  decipher.setAuthTag(tag);
  const plaintext = decipher.update(ciphertext);
  try {
    decipher.final();
  } catch {
    return { ok: false, reason: "auth-failed" };
  }
  return { ok: true, plaintext, kid, usedPrimary: key === keyring.primary };
}

function deriveMessageKey(
  encryptionKey: Buffer,
  nonce: Buffer,
): { messageKey: Buffer; iv: Buffer } {
  // RFC 5869 Expand: T(1) = HMAC(PRK, info ‖ 0x01), T(2) = HMAC(PRK, T(1) ‖ info ‖ 0x02).
  const t1 = createHmac("sha256", encryptionKey)
    .update(MESSAGE_INFO)
    .update(nonce)
    .update(BLOCK_1)
    .digest();
  const t2 = createHmac("sha256", encryptionKey)
    .update(t1)
    .update(MESSAGE_INFO)
    .update(nonce)
    .update(BLOCK_2)
    .digest();
  return { messageKey: t1, iv: t2.subarray(0, IV_BYTES) };
}

/** The header is fixed-length, so appending the name is unambiguous. */
function associatedData(header: Buffer, cookieName: string): Buffer {
  return Buffer.concat([header, Buffer.from(cookieName, "utf8")]);
}

function base64urlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}
