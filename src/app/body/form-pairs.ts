/**
 * The application/x-www-form-urlencoded pair syntax shared by query strings and form bodies
 * (WHATWG URL §5.1): `&`-separated `name=value` pairs, `+` for space, percent-encoded UTF-8.
 */

/** Null-prototype name → value(s) record: `a=1&a=2` gives `{ a: ["1", "2"] }`. */
export type FormFields = { [name: string]: string | string[] | undefined };

const HEX_VALUE = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let digit = 0; digit < 10; digit++) table[0x30 + digit] = digit;
  for (let letter = 0; letter < 6; letter++) {
    table[0x41 + letter] = 10 + letter;
    table[0x61 + letter] = 10 + letter;
  }
  return table;
})();

function hexValue(code: number): number {
  return code < 128 ? HEX_VALUE[code]! : -1;
}

const lenientUtf8 = new TextDecoder("utf-8");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Thrown by `decodeComponent` in strict mode; callers turn it into their own HttpError. */
export class MalformedEncodingError extends Error {
  constructor(readonly reason: "escape" | "utf8") {
    super(reason === "escape" ? "Malformed percent-encoding" : "Invalid UTF-8");
  }
}

/**
 * Decodes one name or value. Lenient mode behaves like URLSearchParams: a `%` not followed by two hex
 * digits stays literal and invalid UTF-8 becomes U+FFFD. Strict mode throws MalformedEncodingError.
 */
export function decodeComponent(raw: string, strict: boolean): string {
  const percent = raw.indexOf("%");
  const plus = raw.indexOf("+");
  if (percent === -1) return plus === -1 ? raw : raw.replaceAll("+", " ");
  const text = plus === -1 ? raw : raw.replaceAll("+", " ");
  const bytes = Buffer.from(text, "utf8");
  let write = 0;
  for (let read = 0; read < bytes.length; read++) {
    const byte = bytes[read]!;
    if (byte === 0x25) {
      const high = read + 2 < bytes.length ? hexValue(bytes[read + 1]!) : -1;
      const low = high === -1 ? -1 : hexValue(bytes[read + 2]!);
      if (low !== -1) {
        bytes[write++] = high * 16 + low;
        read += 2;
        continue;
      }
      if (strict) throw new MalformedEncodingError("escape");
    }
    bytes[write++] = byte;
  }
  const decoded = bytes.subarray(0, write);
  if (!strict) return lenientUtf8.decode(decoded);
  try {
    return strictUtf8.decode(decoded);
  } catch {
    throw new MalformedEncodingError("utf8");
  }
}

/** Adds a value, turning a repeated name into an array in arrival order. */
export function appendField(fields: FormFields, name: string, value: string): void {
  const existing = fields[name];
  if (existing === undefined) fields[name] = value;
  else if (typeof existing === "string") fields[name] = [existing, value];
  else existing.push(value);
}

/**
 * Splits and decodes `input`. `onTooMany` is called (and must throw) when a pair beyond `maxPairs`
 * appears, before any more work is done on it.
 */
export function parsePairs(
  input: string,
  maxPairs: number,
  strict: boolean,
  onTooMany: () => never,
): FormFields {
  const fields: FormFields = Object.create(null);
  let count = 0;
  let start = 0;
  while (start <= input.length) {
    let end = input.indexOf("&", start);
    if (end === -1) end = input.length;
    if (end > start) {
      if (++count > maxPairs) onTooMany();
      const equals = input.indexOf("=", start);
      const hasValue = equals !== -1 && equals < end;
      const name = decodeComponent(input.slice(start, hasValue ? equals : end), strict);
      const value = hasValue ? decodeComponent(input.slice(equals + 1, end), strict) : "";
      appendField(fields, name, value);
    }
    start = end + 1;
  }
  return fields;
}

/** The first value of `name`, or undefined: for handlers that expect a single value. */
export function firstValue(fields: FormFields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === "string" || value === undefined ? value : value[0];
}

/** Every value of `name` in arrival order (empty when absent). */
export function allValues(fields: FormFields, name: string): string[] {
  const value = fields[name];
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : [...value];
}

export function assertLimit(label: string, value: number): void {
  if (!(Number.isInteger(value) && value >= 0) && value !== Number.POSITIVE_INFINITY) {
    throw new RangeError(
      `${label} must be a non-negative integer or Infinity, got ${String(value)}; fix the limit in your configuration`,
    );
  }
}
