import { ConfigError } from "../wire/options.js";

/** Where slow-serv reports errors and (when switched on) access-log lines. */
export interface Logger {
  info(message: string, fields?: Readonly<Record<string, unknown>>): void;
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void;
  error(message: string, fields?: Readonly<Record<string, unknown>>): void;
}

function line(level: string, message: string, fields?: Readonly<Record<string, unknown>>): string {
  const record: Record<string, unknown> = { time: new Date().toISOString(), level, message };
  if (fields !== undefined) Object.assign(record, fields);
  return `${JSON.stringify(record, errorReplacer)}\n`;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack };
  }
  return value;
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
