import { HttpError } from "../../wire/http-error.js";
import { assertLimit, type FormFields, parsePairs } from "./form-pairs.js";

export { allValues, firstValue } from "./form-pairs.js";

/** Decoded query parameters: null prototype, repeated names as arrays in order. */
export type QueryParams = FormFields;

export const DEFAULT_MAX_QUERY_KEYS = 1000;

/**
 * Parses a query string (with or without its leading `?`) the way URLSearchParams does: `+` is a space,
 * malformed percent-escapes stay literal, invalid UTF-8 becomes U+FFFD. Never throws for encoding;
 * throws HttpError 400 when there are more than `maxKeys` parameters.
 */
export function parseQuery(search: string, maxKeys: number = DEFAULT_MAX_QUERY_KEYS): QueryParams {
  assertLimit("maxKeys", maxKeys);
  const input = search.charCodeAt(0) === 0x3f ? search.slice(1) : search;
  return parsePairs(input, maxKeys, false, () => {
    throw new HttpError(400, `Too many query parameters (limit ${maxKeys})`);
  });
}
