import { TOKEN } from "./chars.js";

export type HeaderValue = string | number | readonly string[];

/** Characters that may not appear in a field value we send: CTLs but HTAB, DEL, and > U+00FF. */
const UNSAFE_VALUE = /[\0-\x08\x0a-\x1f\x7f\u0100-\uffff]/;
const NON_ASCII = /[\x80-\xff]/;

function checkName(name: string): void {
  if (name.length === 0) throw new TypeError("Header name must not be empty");
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code > 0xff || TOKEN[code] !== 1) {
      throw new TypeError(`Invalid header name ${JSON.stringify(name)}: use token characters only`);
    }
  }
}

function checkValue(name: string, value: string): void {
  if (UNSAFE_VALUE.test(value)) {
    throw new TypeError(
      `Invalid value for header '${name}': CR, LF, NUL, other control characters and characters above U+00FF are not allowed (encode the value first, e.g. with encodeURIComponent)`,
    );
  }
}

/**
 * Response header fields. Names are case-insensitive and validated; values are checked for CR/LF
 * and other characters that could split or corrupt the head, so a bad value is an error thrown to
 * the developer, never bytes on the wire.
 */
export class ResponseHeaders implements Iterable<[string, string | readonly string[]]> {
  /** Lowercased names and their values, in insertion order. */
  #map = new Map<string, string | string[]>();
  /** The spelling of each name as first set, for the wire. */
  #display = new Map<string, string>();
  /** Set when a value has bytes 0x80–0xFF: the head must then be written as latin1. */
  nonAscii = false;

  get size(): number {
    return this.#map.size;
  }

  set(name: string, value: HeaderValue): this {
    checkName(name);
    const lower = name.toLowerCase();
    if (Array.isArray(value)) {
      const list = (value as readonly string[]).map((item) => this.#checked(name, String(item)));
      this.#map.set(lower, list);
    } else {
      this.#map.set(lower, this.#checked(name, String(value)));
    }
    if (!this.#display.has(lower)) this.#display.set(lower, name);
    return this;
  }

  /** Adds a field line (e.g. another Set-Cookie) without replacing earlier ones. */
  append(name: string, value: string): this {
    checkName(name);
    const lower = name.toLowerCase();
    const checked = this.#checked(name, value);
    const existing = this.#map.get(lower);
    if (existing === undefined) {
      this.#map.set(lower, checked);
      this.#display.set(lower, name);
    } else if (Array.isArray(existing)) {
      existing.push(checked);
    } else {
      this.#map.set(lower, [existing as string, checked]);
    }
    return this;
  }

  get(name: string): string | undefined {
    const value = this.#map.get(name.toLowerCase());
    return Array.isArray(value) ? value.join(", ") : (value as string | undefined);
  }

  getAll(name: string): readonly string[] {
    const value = this.#map.get(name.toLowerCase());
    if (value === undefined) return [];
    return Array.isArray(value) ? value : [value as string];
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  delete(name: string): boolean {
    const lower = name.toLowerCase();
    this.#display.delete(lower);
    return this.#map.delete(lower);
  }

  clear(): void {
    this.#map.clear();
    this.#display.clear();
    this.nonAscii = false;
  }

  *[Symbol.iterator](): IterableIterator<[string, string | readonly string[]]> {
    yield* this.#map;
  }

  /** Appends `Name: value\r\n` lines for every field, skipping the lowercased names in `skip`. */
  serialize(skip: ReadonlySet<string> | undefined): string {
    let text = "";
    for (const [lower, value] of this.#map) {
      if (skip?.has(lower)) continue;
      const name = this.#display.get(lower)!;
      if (Array.isArray(value)) {
        for (const item of value) text += `${name}: ${item}\r\n`;
      } else {
        text += `${name}: ${value as string}\r\n`;
      }
    }
    return text;
  }

  #checked(name: string, value: string): string {
    checkValue(name, value);
    if (!this.nonAscii && NON_ASCII.test(value)) this.nonAscii = true;
    return value;
  }
}
