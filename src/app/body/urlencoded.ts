import { HttpError } from "../../wire/http-error.js";
import { assertLimit, type FormFields, MalformedEncodingError, parsePairs } from "./form-pairs.js";

export type { FormFields } from "./form-pairs.js";

export interface UrlencodedLimits {
  /** Most name=value pairs accepted; more gives 413. */
  maxFields: number;
}

export const DEFAULT_URLENCODED_LIMITS: Readonly<UrlencodedLimits> = Object.freeze({
  maxFields: 1000,
});

/**
 * Parses an application/x-www-form-urlencoded body. Unlike a query string, a form body comes from a
 * client that had to encode it, so malformed escapes or invalid UTF-8 are a 400, not guessed at.
 */
export function parseUrlencoded(
  body: string,
  limits: UrlencodedLimits = DEFAULT_URLENCODED_LIMITS,
): FormFields {
  assertLimit("maxFields", limits.maxFields);
  try {
    return parsePairs(body, limits.maxFields, true, () => {
      throw new HttpError(413, `Too many form fields (limit ${limits.maxFields})`);
    });
  } catch (error) {
    if (!(error instanceof MalformedEncodingError)) throw error;
    throw new HttpError(
      400,
      error.reason === "escape"
        ? "Malformed percent-encoding in form body"
        : "Form body is not valid UTF-8 after percent-decoding",
    );
  }
}
