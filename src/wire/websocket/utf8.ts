/**
 * An incremental UTF-8 validator (RFC 3629): bytes go in as they arrive, in any split, and an
 * invalid sequence is reported at the first byte that makes it invalid, so a text message fails
 * as soon as its bad byte arrives, not when the message is complete. Overlong forms, surrogates
 * (U+D800–U+DFFF) and code points past U+10FFFF are invalid.
 */
export class Utf8Validator {
  /** Continuation bytes still expected by the current sequence. */
  #needed = 0;
  /** Bounds for the next continuation byte (narrower than 0x80–0xBF right after some leads). */
  #lower = 0x80;
  #upper = 0xbf;

  /** False as soon as `bytes` (following everything written before) cannot be UTF-8. */
  write(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let needed = this.#needed;
    let lower = this.#lower;
    let upper = this.#upper;
    let index = start;
    // ASCII fast path between sequences: the common case for chat-like text.
    while (index < end) {
      const byte = bytes[index++]!;
      if (needed === 0) {
        if (byte < 0x80) continue;
        if (byte >= 0xc2 && byte <= 0xdf) {
          needed = 1;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          needed = 2;
          if (byte === 0xe0) lower = 0xa0;
          else if (byte === 0xed) upper = 0x9f;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          needed = 3;
          if (byte === 0xf0) lower = 0x90;
          else if (byte === 0xf4) upper = 0x8f;
        } else {
          return this.#invalid();
        }
        continue;
      }
      if (byte < lower || byte > upper) return this.#invalid();
      lower = 0x80;
      upper = 0xbf;
      needed--;
    }
    this.#needed = needed;
    this.#lower = lower;
    this.#upper = upper;
    return true;
  }

  /** True if the bytes so far end on a character boundary (the message may end here). */
  get complete(): boolean {
    return this.#needed === 0;
  }

  reset(): void {
    this.#needed = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  #invalid(): false {
    this.reset();
    return false;
  }
}

/** Whole-buffer check for short payloads (close reasons). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const validator = new Utf8Validator();
  return validator.write(bytes) && validator.complete;
}
