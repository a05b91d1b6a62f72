import { ConfigError } from "../wire/options.js";
import { loggable } from "./log-value.js";

/** Where slow-serv reports errors and (when switched on) access-log lines. */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

function line(level: string, message: string, fields?: Readonly<Record<string, unknown>>): string {
  // Fields are copied through loggable (log-value.ts), which never throws, so no value a handler
  // threw can make the report of its failure fail. Spreading defines keys ("__proto__" too).
  const copy = loggable(fields);
  const record: Record<string, unknown> = {
    time: new Date().toISOString(),
    level,
    message: loggable(message),
    ...(typeof copy === "object" && copy !== null ? copy : {}),
  };
  try {
    return `${JSON.stringify(record)}\n`;
  } catch {
    return `${JSON.stringify({ time: record.time, level, message: "[unloggable]" })}\n`;
  }
}

/**
 * Calls `logger` without letting it throw: the default logger never does, but a configured one
 * may, and the callers are failure paths (error reports, closed streams) that must complete.
 */
export function logSafely(
  logger: Logger,
  level: "info" | "warn" | "error",
  message: string,
  fields?: Readonly<Record<string, unknown>>,
): void {
  try {
    logger[level](message, fields);
  } catch (failure) {
    try {
      process.stderr.write(line("error", "The logger threw while logging", { failure, message }));
    } catch {}
  }
}

/** JSON lines: info to stdout, warnings and errors to stderr. */
export const consoleLogger: Logger = {
  info: (message, fields) => process.stdout.write(line("info", message, fields)),
  warn: (message, fields) => process.stderr.write(line("warn", message, fields)),
  error: (message, fields) => process.stderr.write(line("error", message, fields)),
};

export const silentLogger: Logger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

export function checkLogger(value: unknown): Logger {
  if (value === undefined) return consoleLogger;
  if (value === false) return silentLogger;
  const candidate = value as Partial<Logger> | null;
  if (
    candidate === null ||
    typeof candidate.info !== "function" ||
    typeof candidate.warn !== "function" ||
    typeof candidate.error !== "function"
  ) {
    throw new ConfigError(
      "'logger' must be false or an object with info, warn and error methods (for example pino(), or console)",
    );
  }
  return candidate as Logger;
}
