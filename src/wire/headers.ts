import { latin1 } from "./chars.js";

/**
 * Request header fields, kept as offsets into the bytes they arrived in. Strings are made only for
 * the fields a handler asks for, which is the point: most requests carry a dozen headers and most
 * handlers read one or two.
 */
export class RequestHeaders implements Iterable<[string, string]> {
  #source: Buffer;
  /** [nameStart, nameEnd, valueStart, valueEnd] per field, in arrival order. */
  readonly #offsets: number[];
  #raw: string[] | undefined;

  constructor(source: Buffer, offsets: number[]) {
    this.#source = source;
    this.#offsets = offsets;
    this.#raw = undefined;
  }

  /** Whether the fields still point into `buffer` (which its owner is about to reuse). */
  isViewOf(buffer: Buffer): boolean {
    return this.#source === buffer && this.#offsets.length > 0;
  }

  /** Where the field bytes lie in their source: [first name's start, last value's end). */
  get sourceStart(): number {
    return this.#offsets[0] ?? 0;
  }

  get sourceEnd(): number {
    return this.#offsets[this.#offsets.length - 1] ?? 0;
  }

  /**
   * Points the fields at `copy`, whose byte 0 is byte `copyStart` of the current source: for a
   * source buffer that is about to be overwritten (see shared-reads.ts).
   */
  moveTo(copy: Buffer, copyStart: number): void {
    const offsets = this.#offsets;
    for (let index = 0; index < offsets.length; index++)
      offsets[index] = offsets[index]! - copyStart;
    this.#source = copy;
  }

  /** Number of header fields, counting repeated names separately. */
  get size(): number {
    return this.#offsets.length >> 2;
  }

  /**
   * The field's value; repeated fields are joined with ", " (or "; " for Cookie, RFC 9113 §8.2.3).
   * Names are case-insensitive. Values are latin1: each byte is one character.
   */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    const offsets = this.#offsets;
    let result: string | undefined;
    for (let index = 0; index < offsets.length; index += 4) {
      if (!this.#nameIs(index, lower)) continue;
      const value = latin1(this.#source, offsets[index + 2]!, offsets[index + 3]!);
      result = result === undefined ? value : result + (lower === "cookie" ? "; " : ", ") + value;
    }
    return result;
  }

  /** Every value of a field, one entry per field line. */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const offsets = this.#offsets;
    const values: string[] = [];
    for (let index = 0; index < offsets.length; index += 4) {
      if (this.#nameIs(index, lower)) {
        values.push(latin1(this.#source, offsets[index + 2]!, offsets[index + 3]!));
      }
    }
    return values;
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    for (let index = 0; index < this.#offsets.length; index += 4) {
      if (this.#nameIs(index, lower)) return true;
    }
    return false;
  }

  /** Field lines in arrival order as a flat `[name, value, name, value, …]` list, names as sent. */
  get raw(): readonly string[] {
    if (this.#raw === undefined) {
      const offsets = this.#offsets;
      const raw: string[] = new Array(offsets.length >> 1);
      for (let index = 0; index < offsets.length; index += 2) {
        raw[index >> 1] = latin1(this.#source, offsets[index]!, offsets[index + 1]!);
      }
      this.#raw = raw;
    }
    return this.#raw;
  }

  /** Lowercased names with joined values, like `get()` for every name. */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const seen = new Set<string>();
    const raw = this.raw;
    for (let index = 0; index < raw.length; index += 2) {
      const name = raw[index]!.toLowerCase();
      if (seen.has(name)) continue;
      seen.add(name);
      yield [name, this.get(name)!];
    }
  }

  /** A plain object of lowercased names to joined values, for logging and debugging. */
  toJSON(): Record<string, string> {
    return Object.fromEntries(this);
  }

  #nameIs(index: number, lower: string): boolean {
    const start = this.#offsets[index]!;
    if (this.#offsets[index + 1]! - start !== lower.length) return false;
    const source = this.#source;
    for (let char = 0; char < lower.length; char++) {
      let byte = source[start + char]!;
      if (byte >= 0x41 && byte <= 0x5a) byte |= 0x20;
      if (byte !== lower.charCodeAt(char)) return false;
    }
    return true;
  }
}

export const EMPTY_HEADERS = new RequestHeaders(Buffer.alloc(0), []);
