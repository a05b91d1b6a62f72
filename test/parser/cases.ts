import { CHUNKED_CASES } from "./cases-chunked.js";
import { FRAMING_CASES } from "./cases-framing.js";
import { HEADER_CASES } from "./cases-headers.js";
import { LIMIT_CASES } from "./cases-limits.js";
import { REQUEST_LINE_CASES } from "./cases-request-line.js";
import { PIPELINE_SMUGGLING_GUARD, SMUGGLING_CASES } from "./cases-smuggling.js";
import { STRICTNESS_CASES } from "./cases-strictness.js";
import type { ParserCase } from "./harness.js";

/**
 * The parser conformance table: raw bytes in, the exact sink calls out. Grouped by topic in the
 * cases-*.ts files; every row runs whole, byte by byte and split at every position.
 */
export const CASES: readonly ParserCase[] = [
  ...REQUEST_LINE_CASES,
  ...HEADER_CASES,
  ...FRAMING_CASES,
  ...CHUNKED_CASES,
  ...LIMIT_CASES,
  ...SMUGGLING_CASES,
  ...STRICTNESS_CASES,
  PIPELINE_SMUGGLING_GUARD,
];
