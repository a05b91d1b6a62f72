/**
 * Content negotiation for `Accept` and `Accept-Encoding` (RFC 9110 §12.5). Parsing is tolerant:
 * malformed entries are skipped rather than failing the request, and work per header is bounded.
 */

/** Entries beyond this in one header are ignored. */
export const DEFAULT_MAX_ACCEPT_ENTRIES = 64;

export interface MediaRange {
  /** Lower-cased type, or "*". */
  type: string;
  /** Lower-cased subtype, or "*". */
  subtype: string;
  /** Media type parameters before `q` (names lower-cased), e.g. `{ level: "1" }`. */
  params: Record<string, string>;
  /** 0 to 1; entries with q=0 mean "not acceptable". */
  q: number;
  /** Position in the header, for tie-breaking. */
  index: number;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/** Splits on `separator` outside double-quoted strings (parameter values may contain commas). */
function splitOutsideQuotes(text: string, separator: string, limit: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
      if (parts.length >= limit) return parts;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    return value.slice(1, -1).replace(/\\(.)/g, "$1");
  }
  return value;
}

/** Parses a q parameter; undefined for garbage, which drops the whole entry. */
function parseQ(text: string): number | undefined {
  return QVALUE.test(text) ? Number(text) : undefined;
}

interface ParsedEntry {
  head: string;
  params: Record<string, string>;
  q: number;
}

function parseEntry(entry: string): ParsedEntry | undefined {
  const pieces = splitOutsideQuotes(entry, ";", 32);
  const head = pieces[0]!.trim().toLowerCase();
  if (head.length === 0) return undefined;
  const params: Record<string, string> = Object.create(null);
  let q = 1;
  for (let i = 1; i < pieces.length; i++) {
    const piece = pieces[i]!;
    const eq = piece.indexOf("=");
    if (eq === -1) continue;
    const name = piece.slice(0, eq).trim().toLowerCase();
    const value = piece.slice(eq + 1).trim();
    if (name === "q") {
      const parsed = parseQ(value);
      if (parsed === undefined) return undefined;
      q = parsed;
      break; // Anything after q is an accept-extension, not a media type parameter.
    }
    if (TOKEN.test(name)) params[name] = unquote(value);
  }
  return { head, params, q };
}

/** Parses an `Accept` header into media ranges, skipping malformed entries. */
export function parseAccept(
  header: string | undefined,
  maxEntries = DEFAULT_MAX_ACCEPT_ENTRIES,
): MediaRange[] {
  if (typeof header !== "string") return [];
  const ranges: MediaRange[] = [];
  const entries = splitOutsideQuotes(header, ",", maxEntries);
  for (let index = 0; index < entries.length; index++) {
    const parsed = parseEntry(entries[index]!);
    if (parsed === undefined) continue;
    const slash = parsed.head.indexOf("/");
    if (slash === -1) continue;
    const type = parsed.head.slice(0, slash).trim();
    const subtype = parsed.head.slice(slash + 1).trim();
    if (!TOKEN.test(type) || !TOKEN.test(subtype)) continue;
    if (type === "*" && subtype !== "*") continue;
    ranges.push({ type, subtype, params: parsed.params, q: parsed.q, index });
  }
  return ranges;
}

function specificity(range: MediaRange): number {
  if (range.type === "*") return 0;
  if (range.subtype === "*") return 1;
  return Object.keys(range.params).length > 0 ? 3 : 2;
}

function matches(range: MediaRange, offer: MediaRange): boolean {
  if (range.type !== "*" && range.type !== offer.type) return false;
  if (range.subtype !== "*" && range.subtype !== offer.subtype) return false;
  for (const name of Object.keys(range.params)) {
    if (offer.params[name]?.toLowerCase() !== range.params[name]!.toLowerCase()) return false;
  }
  return true;
}

// Offers come from application code, so there are few distinct ones; parse each once.
const offerCache = new Map<string, MediaRange | undefined>();
const OFFER_CACHE_LIMIT = 512;

function parseOffer(offer: string): MediaRange | undefined {
  if (offerCache.has(offer)) return offerCache.get(offer);
  const parsed = parseAccept(offer, 1)[0];
  if (offerCache.size < OFFER_CACHE_LIMIT) offerCache.set(offer, parsed);
  return parsed;
}

/**
 * Picks the best of `available` (e.g. `["application/json", "text/html"]`) for an `Accept` header.
 * The most specific matching range sets each offer's quality; ties go to the more specific match,
 * then the client's order, then the order of `available`. Without a usable header (absent, empty or
 * all garbage) the first offer wins. Returns undefined when the client accepts none of them.
 */
export function preferredMediaType(
  acceptHeader: string | undefined,
  available: readonly string[],
): string | undefined {
  if (available.length === 0) return undefined;
  const ranges = parseAccept(acceptHeader);
  if (ranges.length === 0) return available[0];
  let best: string | undefined;
  let bestQ = 0;
  let bestSpecificity = -1;
  let bestIndex = Number.POSITIVE_INFINITY;
  for (const offer of available) {
    const parsedOffer = parseOffer(offer);
    if (parsedOffer === undefined) continue;
    let match: MediaRange | undefined;
    let matchSpecificity = -1;
    for (const range of ranges) {
      if (!matches(range, parsedOffer)) continue;
      const s = specificity(range);
      if (s > matchSpecificity || (s === matchSpecificity && range.q > match!.q)) {
        match = range;
        matchSpecificity = s;
      }
    }
    if (match === undefined || match.q === 0) continue;
    const better =
      match.q > bestQ ||
      (match.q === bestQ &&
        (matchSpecificity > bestSpecificity ||
          (matchSpecificity === bestSpecificity && match.index < bestIndex)));
    if (better) {
      best = offer;
      bestQ = match.q;
      bestSpecificity = matchSpecificity;
      bestIndex = match.index;
    }
  }
  return best;
}

export type ContentCoding = "br" | "gzip";

/**
 * Picks a content coding for an `Accept-Encoding` header from `available` (in server preference
 * order) or "identity". Higher q wins; equal q goes to the server's order; identity, unless named
 * with a q, ranks below every acceptable coding. An absent header returns "identity": RFC 9110
 * allows any coding then, but clients that send no header are often ones that cannot decode.
 * Returns undefined when nothing is acceptable, not even identity (send 406 or ignore the header).
 */
export function preferredEncoding(
  acceptEncodingHeader: string | undefined,
  available: readonly ContentCoding[] = ["br", "gzip"],
): ContentCoding | "identity" | undefined {
  if (typeof acceptEncodingHeader !== "string") return "identity";
  const qualities = new Map<string, number>();
  const entries = splitOutsideQuotes(acceptEncodingHeader, ",", DEFAULT_MAX_ACCEPT_ENTRIES);
  for (const entry of entries) {
    const parsed = parseEntry(entry);
    if (parsed === undefined) continue;
    const coding = parsed.head === "x-gzip" ? "gzip" : parsed.head;
    if (!TOKEN.test(coding)) continue;
    // A repeated coding is ambiguous; keep the first, as for cookies.
    if (!qualities.has(coding)) qualities.set(coding, parsed.q);
  }
  const wildcard = qualities.get("*");
  let best: ContentCoding | undefined;
  let bestQ = 0;
  for (const coding of available) {
    const q = qualities.get(coding) ?? wildcard ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  const identityQ = qualities.get("identity");
  if (identityQ !== undefined) {
    if (identityQ > bestQ) return "identity";
    return best ?? undefined;
  }
  if (best !== undefined) return best;
  return wildcard === 0 ? undefined : "identity";
}
