// The peers' stand-in for slow-serv's encrypted session: a hand-rolled sealed cookie doing the same
// crypto work per request as the design in /work/shared/design/sessions.md (HKDF-derived
// per-message key and IV from a random 24-byte nonce, AES-256-GCM, name-bound AAD, base64url).
// It exists only to make scenario 9 comparable; it is not a session implementation.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

export const SESSION_COOKIE = "bench_session";
const VERSION = 1;
const NONCE_BYTES = 24;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + NONCE_BYTES;
const MAX_TOKEN_CHARS = 4096;

export interface SessionSealer {
  seal(data: object): string;
  open(token: string): Record<string, unknown> | undefined;
}

export function createSessionSealer(secret: Buffer = randomBytes(32)): SessionSealer {
  if (secret.length < 32) throw new Error("session secret must be at least 32 bytes");
  const aad = Buffer.from(SESSION_COOKIE, "latin1");
  const derive = (nonce: Buffer): { key: Buffer; iv: Buffer } => {
    const material = Buffer.from(hkdfSync("sha256", secret, nonce, "bench session v1", 44));
    return { key: material.subarray(0, 32), iv: material.subarray(32, 44) };
  };
  return {
    seal(data) {
      const nonce = randomBytes(NONCE_BYTES);
      const { key, iv } = derive(nonce);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(aad);
      const body = cipher.update(JSON.stringify(data), "utf8");
      const final = cipher.final();
      const token = Buffer.concat([Buffer.of(VERSION), nonce, body, final, cipher.getAuthTag()]);
      return token.toString("base64url");
    },
    open(token) {
      if (token.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
      const raw = Buffer.from(token, "base64url");
      if (raw.toString("base64url") !== token) return undefined;
      if (raw.length < HEADER_BYTES + TAG_BYTES || raw[0] !== VERSION) return undefined;
      const nonce = raw.subarray(1, HEADER_BYTES);
      const { key, iv } = derive(nonce);
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, iv);
        decipher.setAAD(aad);
        decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
        const plain = Buffer.concat([
          decipher.update(raw.subarray(HEADER_BYTES, raw.length - TAG_BYTES)),
          decipher.final(),
        ]);
        const parsed: unknown = JSON.parse(plain.toString("utf8"));
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
          return undefined;
        return Object.assign(Object.create(null) as Record<string, unknown>, parsed);
      } catch {
        return undefined;
      }
    },
  };
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0 && part.slice(0, separator).trim() === name) {
      return part.slice(separator + 1).trim();
    }
  }
  return undefined;
}

export interface SessionCounterReply {
  body: string;
  headers: Record<string, string>;
}

/** Reads the counter from the cookie, increments it and re-seals: one open plus one seal. */
export function countWithSession(
  sealer: SessionSealer,
  cookieHeader: string | undefined,
): SessionCounterReply {
  const token = readCookie(cookieHeader, SESSION_COOKIE);
  const data = token === undefined ? undefined : sealer.open(token);
  const previous = typeof data?.count === "number" ? data.count : 0;
  const count = previous + 1;
  return {
    body: `count ${count}`,
    headers: {
      "set-cookie": `${SESSION_COOKIE}=${sealer.seal({ count })}; Path=/; HttpOnly; SameSite=Lax`,
      "cache-control": "private, no-store",
      vary: "Cookie",
    },
  };
}
