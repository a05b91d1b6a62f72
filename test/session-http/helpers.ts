import type { InjectedResponse, InjectOptions } from "../../src/app/inject.js";
import { Server, type ServerOptions } from "../../src/index.js";
import type { SessionOptions } from "../../src/session/config.js";

import { FakeClock, KEY_A } from "../session/helpers.js";

// The keys and the fake clock are shared with the session core's tests.
export { DAY, FakeClock, HOUR, KEY_A, KEY_B, MINUTE, SECOND, T0 } from "../session/helpers.js";

/** A server with logging captured instead of printed, and a fake clock for its sessions. */
export function sessionApp(
  session: Partial<SessionOptions> = {},
  options: Omit<ServerOptions, "session"> = {},
): { app: Server; clock: FakeClock; logs: LogLine[] } {
  const clock = new FakeClock();
  const logs: LogLine[] = [];
  const app = new Server({
    logger: {
      info: (message, fields) => logs.push({ level: "info", message, fields }),
      warn: (message, fields) => logs.push({ level: "warn", message, fields }),
      error: (message, fields) => logs.push({ level: "error", message, fields }),
    },
    session: { keys: [KEY_A], clock, ...session },
    ...options,
  });
  return { app, clock, logs };
}

export interface LogLine {
  level: string;
  message: string;
  fields: Readonly<Record<string, unknown>> | undefined;
}

/** `name=value` of a Set-Cookie line, and whether it deletes the cookie. */
export function parseSetCookie(line: string): {
  name: string;
  value: string;
  attributes: string[];
  deletes: boolean;
} {
  const [pair, ...attributes] = line.split("; ");
  const eq = pair!.indexOf("=");
  const maxAge = attributes.find((a) => a.startsWith("Max-Age="));
  return {
    name: pair!.slice(0, eq),
    value: pair!.slice(eq + 1),
    attributes,
    deletes: maxAge !== undefined && Number(maxAge.slice("Max-Age=".length)) <= 0,
  };
}

/** A minimal browser: keeps the cookies the server sets and sends them back. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(
    readonly app: Server,
    readonly defaults: Partial<InjectOptions> = {},
  ) {}

  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async request(url: string, init: Partial<InjectOptions> = {}): Promise<InjectedResponse> {
    const headers: Record<string, string | readonly string[]> = {
      ...this.defaults.headers,
      ...init.headers,
    };
    const cookie = this.cookieHeader();
    if (cookie !== undefined && headers.cookie === undefined) headers.cookie = cookie;
    const response = await this.app.inject({ ...this.defaults, ...init, url, headers });
    this.apply(response.headers.getSetCookie());
    return response;
  }

  apply(lines: readonly string[]): void {
    for (const line of lines) {
      const { name, value, deletes } = parseSetCookie(line);
      if (deletes) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
