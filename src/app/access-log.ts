import { consoleLogger, type Logger } from "./logger.js";
import type { AccessLogEntry } from "./server.js";

/**
 * The human-readable access-log format for development (`accessLog: "text"`): one short line per
 * request, e.g. `GET /users/7 200 512 B 1.9 ms 127.0.0.1 8f3a…`. JSON lines (`accessLog: true`)
 * stay the format for production, where logs are read by machines.
 */

export type AccessLogFormat = "json" | "text";

/** The format `SLOW_SERV_ACCESS_LOG` asks for (the CLI's `--access-log`), if any. */
export function accessLogFromEnvironment(
  value = process.env.SLOW_SERV_ACCESS_LOG,
): AccessLogFormat | false | undefined {
  if (value === "json" || value === "text") return value;
  if (value === "off") return false;
  return undefined;
}

function size(bytes: number | undefined): string {
  if (bytes === undefined) return "stream";
  return bytes < 10_240 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function formatAccessLine(entry: AccessLogEntry): string {
  const duration =
    entry.durationMs < 10 ? entry.durationMs.toFixed(1) : Math.round(entry.durationMs);
  return `${entry.method} ${entry.path} ${entry.status} ${size(entry.bytes)} ${duration} ms ${entry.ip} ${entry.requestId}`;
}

/** Text lines on stdout with the console logger; through `logger.info` for any other logger. */
export function textAccessLog(logger: Logger): (entry: AccessLogEntry) => void {
  if (logger === consoleLogger) {
    return (entry) => process.stdout.write(`${formatAccessLine(entry)}\n`);
  }
  return (entry) => logger.info(formatAccessLine(entry));
}
