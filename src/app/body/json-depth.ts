/**
 * How deeply a JSON text nests arrays and objects, checked before it is parsed.
 *
 * `JSON.parse` copes with any depth, but what a handler does next often does not: echoing the
 * value (`JSON.stringify`), storing it in the session, or walking it recursively overflows the
 * stack at a few thousand levels, turning 10 KB of `[` into a 500. A limit on the raw text makes
 * that a 400 before any of it runs. The scan is one pass over the characters, skipped outright for
 * texts too short to reach the limit or with too few `[` and `{` in them to nest that deep.
 */

/** Deeper than any real document (API payloads nest under 20), far from any stack limit. */
export const DEFAULT_MAX_JSON_DEPTH = 64;

/** True when `text` opens more than `maxDepth` arrays/objects inside one another. */
export function jsonTooDeep(text: string, maxDepth: number): boolean {
  if (text.length <= maxDepth || fewOpeners(text, maxDepth)) return false;
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // the escaped character cannot end the string
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) {
      inString = true;
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * True when `text` holds at most `maxDepth` of `[` and `{`, counted anywhere (inside strings too,
 * so never fewer than it opens): then it cannot nest deeper. `indexOf` runs in native code, so a
 * typical payload costs a few calls (about 40 ns for 1 KB) where the loop over every character
 * costs 2–3 µs, more than `JSON.parse` itself.
 */
function fewOpeners(text: string, maxDepth: number): boolean {
  let count = 0;
  for (const opener of OPENERS) {
    for (let at = text.indexOf(opener); at !== -1; at = text.indexOf(opener, at + 1)) {
      if (++count > maxDepth) return false;
    }
  }
  return true;
}

const OPENERS = ["[", "{"] as const;
