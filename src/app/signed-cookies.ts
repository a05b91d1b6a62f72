/**
 * Signed (not encrypted) cookie values: the client can read them but cannot change them.
 * Use the session module's sealed cookies when the value must stay secret.
 *
 * Format: `value.signature`, where signature = base64url(HMAC-SHA256) (43 characters) over the
 * cookie name and the value, so a signed value cannot be moved to another cookie. The HMAC key is
 * derived from each secret with HKDF, so the same secret can also serve sessions without the two
 * uses ever producing interchangeable outputs.
 */

import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import { keyWeakness } from "../session/keys.js";

export const MIN_SIGNING_KEY_BYTES = 32;
const SIGNATURE_CHARS = 43;
const SIGNATURE = /^[A-Za-z0-9_-]{43}$/;
const HKDF_INFO = "slow-serv signed cookie v1";

/**
 * Turns a configured secret into bytes. Strings may be `base64url:...` or `hex:...` (as printed by a
 * key generator); any other string is taken as UTF-8 text.
 */
function secretBytes(key: string | Buffer, index: number): Buffer {
  if (Buffer.isBuffer(key)) return key;
  if (typeof key !== "string") {
    throw new TypeError(`CookieSigner keys[${index}] must be a Buffer or a string`);
  }
  if (key.startsWith("base64url:")) {
    const text = key.slice("base64url:".length);
    const bytes = Buffer.from(text, "base64url");
    if (!/^[A-Za-z0-9_-]*$/.test(text) || bytes.toString("base64url") !== text) {
      throw new TypeError(`CookieSigner keys[${index}] is not valid base64url after "base64url:"`);
    }
    return bytes;
  }
  if (key.startsWith("hex:")) {
    const text = key.slice("hex:".length);
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) {
      throw new TypeError(`CookieSigner keys[${index}] is not valid hex after "hex:"`);
    }
    return Buffer.from(text, "hex");
  }
  return Buffer.from(key, "utf8");
}

function deriveKeys(keys: ReadonlyArray<string | Buffer>): Buffer[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(
      "CookieSigner needs at least one key: new CookieSigner([secret]) with a secret of at least " +
        `${MIN_SIGNING_KEY_BYTES} random bytes, e.g. crypto.randomBytes(32)`,
    );
  }
  const secrets = keys.map(secretBytes);
  secrets.forEach((secret, index) => {
    if (secret.length < MIN_SIGNING_KEY_BYTES) {
      throw new TypeError(
        `CookieSigner keys[${index}] has ${secret.length} bytes; use at least ` +
          `${MIN_SIGNING_KEY_BYTES} random bytes (e.g. "base64url:" + randomBytes(32).toString("base64url"))`,
      );
    }
    const weakness = keyWeakness(secret);
    if (weakness !== undefined) {
      // The session keys' check: a guessable secret lets anyone forge signed values offline.
      throw new TypeError(
        `CookieSigner keys[${index}] ${weakness}; it does not look like random bytes. Use ` +
          '`npx slow-serv keygen`, or "base64url:" + randomBytes(32).toString("base64url")',
      );
    }
    for (let earlier = 0; earlier < index; earlier++) {
      if (secrets[earlier]!.equals(secret)) {
        throw new TypeError(`CookieSigner keys[${index}] duplicates keys[${earlier}]; remove one`);
      }
    }
  });
  return secrets.map((secret) =>
    Buffer.from(hkdfSync("sha256", secret, Buffer.alloc(0), HKDF_INFO, 32)),
  );
}

export interface UnsignResult {
  value: string;
  /** True when a fallback key verified it: re-sign with `sign` to move it to the current key. */
  rotated: boolean;
}

export class CookieSigner {
  readonly #keys: readonly Buffer[];

  /** `keys[0]` signs; every key verifies, so a new key can be rolled in before old ones retire. */
  constructor(keys: ReadonlyArray<string | Buffer>) {
    this.#keys = deriveKeys(keys);
  }

  /** Returns `value.signature`. The value is not encoded: keep it to cookie-safe characters. */
  sign(name: string, value: string): string {
    return `${value}.${this.#mac(this.#keys[0]!, name, value)}`;
  }

  /** The original value if `signed` carries a valid signature for this cookie name, else undefined. */
  unsign(name: string, signed: string | undefined): string | undefined {
    return this.verify(name, signed)?.value;
  }

  /** Like `unsign`, but also says whether the value should be re-signed with the current key. */
  verify(name: string, signed: string | undefined): UnsignResult | undefined {
    if (typeof signed !== "string") return undefined;
    const dot = signed.length - SIGNATURE_CHARS - 1;
    if (dot < 0 || signed.charCodeAt(dot) !== 0x2e) return undefined;
    const signature = signed.slice(dot + 1);
    if (!SIGNATURE.test(signature)) return undefined;
    const value = signed.slice(0, dot);
    // Comparing the canonical base64url text (not decoded bytes) rejects the variants that Node's
    // lenient decoder would map to the same bytes, so each value has exactly one valid signature.
    const given = Buffer.from(signature, "latin1");
    for (let i = 0; i < this.#keys.length; i++) {
      const expected = Buffer.from(this.#mac(this.#keys[i]!, name, value), "latin1");
      if (timingSafeEqual(given, expected)) return { value, rotated: i > 0 };
    }
    return undefined;
  }

  #mac(key: Buffer, name: string, value: string): string {
    const nameBytes = Buffer.from(name, "utf8");
    // Length-prefixing the name keeps ("a", "b.c") and ("a.b", "c") from sharing a MAC input.
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(nameBytes.length);
    return createHmac("sha256", key)
      .update(prefix)
      .update(nameBytes)
      .update(value, "utf8")
      .digest("base64url");
  }
}
