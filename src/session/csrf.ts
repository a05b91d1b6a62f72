import { timingSafeEqual } from "node:crypto";
import type { RandomSource } from "./seal.js";
import { pooledRandomBytes } from "./seal.js";

/**
 * Synchronizer tokens derived from the CSRF secret sealed in the session. Each call masks the
 * secret with fresh random bytes, token = base64url(mask ‖ (mask XOR secret)), so the bytes in a
 * page differ on every render and compression side channels (BREACH) cannot recover the secret.
 */
export const CSRF_SECRET_BYTES = 32;
const TOKEN_BYTES = 2 * CSRF_SECRET_BYTES;
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function maskCsrfSecret(secret: Buffer, rng: RandomSource = pooledRandomBytes): string {
  const mask = rng(CSRF_SECRET_BYTES);
  const token = Buffer.allocUnsafe(TOKEN_BYTES);
  mask.copy(token, 0);
  for (let i = 0; i < CSRF_SECRET_BYTES; i++) token[CSRF_SECRET_BYTES + i] = mask[i]! ^ secret[i]!;
  return token.toString("base64url");
}

/** Constant time in the secret; the token's shape is checked first (it is not secret). */
export function verifyMaskedCsrfToken(secret: Buffer, token: unknown): boolean {
  if (typeof token !== "string" || token.length !== TOKEN_CHARS || !BASE64URL.test(token)) {
    return false;
  }
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length !== TOKEN_BYTES || bytes.toString("base64url") !== token) return false;
  const unmasked = Buffer.allocUnsafe(CSRF_SECRET_BYTES);
  for (let i = 0; i < CSRF_SECRET_BYTES; i++) {
    unmasked[i] = bytes[i]! ^ bytes[CSRF_SECRET_BYTES + i]!;
  }
  return secret.length === CSRF_SECRET_BYTES && timingSafeEqual(unmasked, secret);
}
