/**
 * `Range: bytes=…` for one representation of known size (RFC 9110 §14.1.2).
 *
 * Only a single range is served as 206. A header with several ranges gets the whole file (200):
 * multipart/byteranges is rarely used by real clients, and serving it is allowed to be skipped.
 * Anything malformed, or another unit, is ignored (200 with the whole file), as the RFC permits.
 */

export type RangeOutcome =
  /** No usable Range header: send the whole representation. */
  | { readonly kind: "whole" }
  /** Send bytes `start`…`end` inclusive with 206. */
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  /** No requested byte exists: 416 with `Content-Range: bytes *\/size`. */
  | { readonly kind: "unsatisfiable" };

const WHOLE: RangeOutcome = Object.freeze({ kind: "whole" });
const UNSATISFIABLE: RangeOutcome = Object.freeze({ kind: "unsatisfiable" });

/** `first-last`, `first-` or `-suffix`, digits only. */
const RANGE_SPEC = /^(\d*)-(\d*)$/;
/** Longer numbers than this are not byte positions anyone can mean; treat the header as junk. */
const MAX_DIGITS = 20;

export function parseRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return WHOLE;
  const equals = header.indexOf("=");
  if (equals === -1) return WHOLE;
  if (header.slice(0, equals).trim().toLowerCase() !== "bytes") return WHOLE;
  // Empty list elements are allowed by the list syntax ("bytes=0-1,") and carry no meaning.
  const specs = header
    .slice(equals + 1)
    .split(",")
    .map((spec) => spec.trim())
    .filter((spec) => spec !== "");
  if (specs.length !== 1) return WHOLE;
  const match = RANGE_SPEC.exec(specs[0]!);
  if (match === null) return WHOLE;
  const [, first = "", last = ""] = match;
  if (first.length > MAX_DIGITS || last.length > MAX_DIGITS) return WHOLE;

  if (first === "") {
    if (last === "") return WHOLE;
    const suffix = Number(last);
    // A zero-length suffix, or any suffix of an empty file, selects nothing.
    if (suffix === 0 || size === 0) return UNSATISFIABLE;
    return { kind: "partial", start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "") {
    const end = Number(last);
    if (end < start) return WHOLE; // invalid spec: ignored rather than refused
    if (start >= size) return UNSATISFIABLE;
    return { kind: "partial", start, end: Math.min(end, size - 1) };
  }
  if (start >= size) return UNSATISFIABLE;
  return { kind: "partial", start, end: size - 1 };
}
