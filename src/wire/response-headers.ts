import { TOKEN } from "./chars.js";

export type HeaderValue = string | number | readonly string[];

/** Printable ASCII and HTAB: the common case, accepted with one test. */
const PLAIN_VALUE = /^[\t\x20-\x7e]*$/;
/** Characters that may not appear in a field value we send: CTLs but HTAB, DEL, and > U+00FF. */
const UNSAFE_VALUE = /[\0-\x08\x0a-\x1f\x7f\u0100-\uffff]/;

function checkName(name: string): void {
  if (name.length === 0) throw new TypeError("Header name must not be empty");
  for (let index = 0; index < name.length; index++) {
    const code = name.charCodeAt(index);
    if (code > 0xff || TOKEN[code] !== 1) {
      throw new TypeError(`Invalid header name ${JSON.stringify(name)}: use token characters only`);
    }
  }
}

/**
 * Response header fields. Names are case-insensitive and validated; values are checked for CR/LF
 * and other characters that could split or corrupt the head, so a bad value is an error thrown to
 * the developer, never bytes on the wire. Kept in three parallel arrays: a response has a handful
 * of fields, and a linear scan beats two Maps per response.
 */
export class ResponseHeaders implements Iterable<[string, string | readonly string[]]> {
  /** Lowercased names, in insertion order. */
  #lower: string[] = [];
  /** The spelling of each name as first set, for the wire. */
  #names: string[] = [];
  #values: Array<string | string[]> = [];
  /** Set when a value has bytes 0x80–0xFF: the head must then be written as latin1. */
  nonAscii = false;

  get size(): number {
    return this.#lower.length;
  }

  set(name: string, value: HeaderValue): this {
    checkName(name);
    const checked = Array.isArray(value)
      ? (value as readonly string[]).map((item) => this.#checked(name, String(item)))
      : this.#checked(name, String(value));
    this.#put(name.toLowerCase(), name, checked);
    return this;
  }

  /**
   * Sets a field the framework itself chose (a default Content-Type, say): `lower` must be the
   * lowercased `name` and both must already be valid, so nothing is checked.
   */
  setTrusted(lower: string, name: string, value: string): this {
    this.#put(lower, name, value);
    return this;
  }

  /** Adds a field line (e.g. another Set-Cookie) without replacing earlier ones. */
  append(name: string, value: string): this {
    checkName(name);
    const lower = name.toLowerCase();
    const checked = this.#checked(name, value);
    const index = this.#lower.indexOf(lower);
    if (index === -1) {
      this.#lower.push(lower);
      this.#names.push(name);
      this.#values.push(checked);
      return this;
    }
    const existing = this.#values[index]!;
    if (Array.isArray(existing)) existing.push(checked);
    else this.#values[index] = [existing, checked];
    return this;
  }

  get(name: string): string | undefined {
    const index = this.#lower.indexOf(name.toLowerCase());
    if (index === -1) return undefined;
    const value = this.#values[index]!;
    return Array.isArray(value) ? value.join(", ") : value;
  }

  getAll(name: string): readonly string[] {
    const index = this.#lower.indexOf(name.toLowerCase());
    if (index === -1) return [];
    const value = this.#values[index]!;
    return Array.isArray(value) ? value : [value];
  }

  has(name: string): boolean {
    return this.#lower.indexOf(name.toLowerCase()) !== -1;
  }

  delete(name: string): boolean {
    const index = this.#lower.indexOf(name.toLowerCase());
    if (index === -1) return false;
    this.#lower.splice(index, 1);
    this.#names.splice(index, 1);
    this.#values.splice(index, 1);
    return true;
  }

  clear(): void {
    this.#lower = [];
    this.#names = [];
    this.#values = [];
    this.nonAscii = false;
  }

  *[Symbol.iterator](): IterableIterator<[string, string | readonly string[]]> {
    for (let index = 0; index < this.#lower.length; index++) {
      yield [this.#lower[index]!, this.#values[index]!];
    }
  }

  /** Appends `Name: value\r\n` lines for every field, skipping the lowercased names in `skip`. */
  serialize(skip: ReadonlySet<string> | undefined): string {
    let text = "";
    const lower = this.#lower;
    for (let index = 0; index < lower.length; index++) {
      if (skip?.has(lower[index]!)) continue;
      const name = this.#names[index]!;
      const value = this.#values[index]!;
      if (Array.isArray(value)) {
        for (const item of value) text += `${name}: ${item}\r\n`;
      } else {
        text += `${name}: ${value}\r\n`;
      }
    }
    return text;
  }

  #put(lower: string, name: string, value: string | string[]): void {
    const index = this.#lower.indexOf(lower);
    if (index === -1) {
      this.#lower.push(lower);
      this.#names.push(name);
      this.#values.push(value);
    } else {
      this.#values[index] = value;
    }
  }

  #checked(name: string, value: string): string {
    if (PLAIN_VALUE.test(value)) return value;
    if (UNSAFE_VALUE.test(value)) {
      throw new TypeError(
        `Invalid value for header '${name}': CR, LF, NUL, other control characters and characters above U+00FF are not allowed (encode the value first, e.g. with encodeURIComponent)`,
      );
    }
    this.nonAscii = true;
    return value;
  }
}
