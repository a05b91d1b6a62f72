import { ConfigError } from "../wire/options.js";

/** Option checks the plugins share, so each mistake reads the same way whichever plugin made it. */

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Refuses a non-object and names an unknown option along with the known ones. */
export function checkOptionNames(
  plugin: string,
  options: unknown,
  known: ReadonlySet<string>,
  example: string,
): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ConfigError(`${plugin} takes an options object, e.g. ${plugin}(${example})`);
  }
  for (const name of Object.keys(options)) {
    if (!known.has(name)) {
      throw new ConfigError(
        `Unknown ${plugin} option \`${name}\`. Known options: ${[...known].join(", ")}.`,
      );
    }
  }
}

/** A list of header names as one comma-separated value; undefined when not given or empty. */
export function headerList(
  option: string,
  names: readonly string[] | undefined,
): string | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.some((n) => typeof n !== "string" || !HEADER_NAME.test(n))) {
    throw new ConfigError(`${option} must be a list of header names like ["x-request-id"].`);
  }
  return names.length === 0 ? undefined : names.join(", ");
}

/** A whole number from `min` up, or the fallback when not given. */
export function wholeNumber(option: string, value: unknown, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new ConfigError(`${option} must be a whole number ≥ ${min}, got ${String(value)}`);
  }
  return value;
}
