import { SessionTooLargeError } from "./errors.js";

/**
 * Splitting one sealed token over several cookies. Chunk 0 is named like the session cookie,
 * chunk i > 0 is `<name>.<i>`. The AEAD covers the joined token, so a dropped, swapped,
 * reordered or foreign chunk breaks authentication. Re-splitting one's own token at other
 * boundaries still yields the same token; that is harmless, the client already holds it.
 */

/** Browsers silently drop larger cookies; we measure the whole header line to be safe. */
export const MAX_SET_COOKIE_LINE_BYTES = 4096;
export const DEFAULT_MAX_CHUNKS = 2;
/** Five 4 KiB cookies already make every request carry 20 KiB of Cookie header. */
export const HARD_MAX_CHUNKS = 5;

const LINE_PREFIX = "Set-Cookie: ";

export type ChunkProblem = "missing-chunk" | "too-many-chunks" | "oversized" | "malformed";

export interface ChunkRead {
  /** The joined token, or `undefined` when absent or unusable. */
  token: string | undefined;
  /** Chunk indices present in the request: delete these if the session is unusable. */
  present: number[];
  problem: ChunkProblem | undefined;
}

export function chunkName(wireName: string, index: number): string {
  return index === 0 ? wireName : `${wireName}.${index}`;
}

/** Token bytes that fit in chunk `index` with these attributes. */
export function chunkCapacity(wireName: string, index: number, attributes: string): number {
  const overhead = Buffer.byteLength(`${LINE_PREFIX}${chunkName(wireName, index)}=${attributes}`);
  return Math.max(0, MAX_SET_COOKIE_LINE_BYTES - overhead);
}

/**
 * `Set-Cookie` values (without the `Set-Cookie: ` prefix) carrying `token`, each full line at
 * most 4096 bytes. Throws `SessionTooLargeError` instead of returning anything partial.
 * `attributes` starts with "; " (e.g. "; Max-Age=60; Path=/; HttpOnly").
 */
export function splitIntoChunks(
  wireName: string,
  token: string,
  attributes: string,
  maxChunks: number,
): string[] {
  const capacities: number[] = [];
  for (let index = 0; index < maxChunks; index++) {
    capacities.push(chunkCapacity(wireName, index, attributes));
  }
  const limit = capacities.reduce((sum, capacity) => sum + capacity, 0);
  // Token characters are base64url, one byte each.
  if (token.length > limit) throw new SessionTooLargeError(token.length, limit, maxChunks);
  const values: string[] = [];
  let offset = 0;
  for (let index = 0; offset < token.length || index === 0; index++) {
    const piece = token.slice(offset, offset + capacities[index]!);
    offset += piece.length;
    values.push(`${chunkName(wireName, index)}=${piece}${attributes}`);
  }
  return values;
}

/**
 * Joins the chunks found in a parsed cookie map. Looks at every index up to the hard cap, so
 * chunks left over from a larger `maxChunks` are reported (and can be deleted).
 */
export function readChunks(
  cookies: Readonly<Record<string, unknown>>,
  wireName: string,
  maxChunks: number,
): ChunkRead {
  const present: number[] = [];
  const pieces: unknown[] = [];
  for (let index = 0; index < HARD_MAX_CHUNKS; index++) {
    const name = chunkName(wireName, index);
    if (Object.hasOwn(cookies, name)) {
      present.push(index);
      pieces.push(cookies[name]);
    }
  }
  if (present.length === 0) return { token: undefined, present, problem: undefined };
  if (present.length > maxChunks) return { token: undefined, present, problem: "too-many-chunks" };
  // Contiguous from 0: a gap means a chunk went missing.
  if (present[present.length - 1] !== present.length - 1) {
    return { token: undefined, present, problem: "missing-chunk" };
  }
  for (const piece of pieces) {
    if (typeof piece !== "string" || piece.length === 0) {
      return { token: undefined, present, problem: "malformed" };
    }
    if (piece.length > MAX_SET_COOKIE_LINE_BYTES) {
      return { token: undefined, present, problem: "oversized" };
    }
  }
  return { token: (pieces as string[]).join(""), present, problem: undefined };
}

/** `Set-Cookie` values that make the browser forget the given chunks. */
export function chunkDeletions(
  wireName: string,
  indices: Iterable<number>,
  deletionAttributes: string,
): string[] {
  const values: string[] = [];
  for (const index of indices) values.push(`${chunkName(wireName, index)}=${deletionAttributes}`);
  return values;
}
