/**
 * Turns anything application code can throw or log into plain JSON data, without ever throwing.
 *
 * Errors reach the logger from handlers, hooks, streams and getters, and a thrown value can be
 * anything: a BigInt, a Symbol, a circular object, a null-prototype object, a Proxy whose every
 * trap throws, an Error whose `message` getter throws. `JSON.stringify` throws on the first two
 * kinds and on cycles, and reading a property can run arbitrary code; a logger that throws while
 * reporting a failure turns one bad request into an unhandled rejection. So every read here is
 * guarded, and whatever cannot be read becomes a short marker string.
 */

/** Objects nested deeper than this are cut (an error's cause chain, a big state object). */
const MAX_DEPTH = 8;
/** Keys or items kept per object or array; the rest is summarised. */
const MAX_ENTRIES = 50;
/** Characters kept of one string (a stack trace is a few KiB). */
const MAX_STRING = 16 * 1024;

const UNREADABLE = "[unreadable]";

/** A JSON-safe copy of `value`: strings, numbers, booleans, null, arrays and plain objects. */
export function loggable(value: unknown): unknown {
  return convert(value, []);
}

function convert(value: unknown, ancestors: object[]): unknown {
  try {
    switch (typeof value) {
      case "string":
        return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value;
      case "number":
        return Number.isFinite(value) ? value : String(value);
      case "boolean":
        return value;
      case "undefined":
        return undefined;
      case "bigint":
        return `${value.toString()}n`;
      case "symbol":
        return value.toString();
      case "function":
        return `[function ${readString(value, "name") ?? ""}]`;
    }
    if (value === null) return null;
    const object = value as object;
    if (ancestors.includes(object)) return "[circular]";
    if (ancestors.length >= MAX_DEPTH) return "[nested too deep]";
    ancestors.push(object);
    try {
      return convertObject(object, ancestors);
    } finally {
      ancestors.pop();
    }
  } catch {
    return UNREADABLE;
  }
}

function convertObject(object: object, ancestors: object[]): unknown {
  if (object instanceof Error) {
    const out: Record<string, unknown> = {
      name: readString(object, "name") ?? UNREADABLE,
      message: readString(object, "message") ?? UNREADABLE,
      stack: readString(object, "stack"),
    };
    copyEntries(object, out, ancestors, new Set(["name", "message", "stack"]));
    const cause = read(object, "cause");
    if (cause !== undefined) out.cause = convert(cause, ancestors);
    return out;
  }
  if (object instanceof Date) {
    const time = object.getTime();
    return Number.isNaN(time) ? "Invalid Date" : object.toISOString();
  }
  if (ArrayBuffer.isView(object))
    return `[${object.constructor.name} of ${object.byteLength} bytes]`;
  if (Array.isArray(object)) {
    const items = object.slice(0, MAX_ENTRIES).map((item) => convert(item, ancestors) ?? null);
    if (object.length > MAX_ENTRIES) items.push(`[${object.length - MAX_ENTRIES} more items]`);
    return items;
  }
  if (object instanceof Map || object instanceof Set) {
    return `[${object instanceof Map ? "Map" : "Set"} of ${object.size}]`;
  }
  const out: Record<string, unknown> = {};
  copyEntries(object, out, ancestors, undefined);
  return out;
}

/** Own enumerable string keys, each read on its own so one throwing getter costs one entry. */
function copyEntries(
  object: object,
  out: Record<string, unknown>,
  ancestors: object[],
  skip: ReadonlySet<string> | undefined,
): void {
  let keys: string[];
  try {
    keys = Object.keys(object);
  } catch {
    out["[keys]"] = UNREADABLE;
    return;
  }
  let kept = 0;
  for (const key of keys) {
    if (skip?.has(key)) continue;
    if (kept === MAX_ENTRIES) {
      out["[more]"] = `${keys.length - kept} more keys`;
      break;
    }
    // defineProperty: a key named "__proto__" must become data, not change the prototype.
    Object.defineProperty(out, key, {
      value: convert(read(object, key), ancestors),
      enumerable: true,
      writable: true,
      configurable: true,
    });
    kept++;
  }
}

function read(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return UNREADABLE;
  }
}

function readString(object: object, key: string): string | undefined {
  const value = read(object, key);
  if (value === undefined) return undefined;
  const converted = convert(value, []);
  return typeof converted === "string" ? converted : JSON.stringify(converted);
}
