import type { SessionOptions } from "../../src/session/config.js";
import { Keyring } from "../../src/session/keys.js";
import { SessionManager } from "../../src/session/manager.js";
import type { JsonRecord, SessionPayload } from "../../src/session/payload.js";
import { decodePayload } from "../../src/session/payload.js";
import { open } from "../../src/session/seal.js";
import type { Session } from "../../src/session/session.js";

// Fixed, random-looking test keys (never use these anywhere real).
export const KEY_A = "hex:da153715005c0af0dec856113b1a9bcc76df92a33fe81a720a72abe9758b2098";
export const KEY_B = "hex:a71b07ff9b3c8fff1b88dc6bbb8a78d27c2a067b94bd7e249bc0892928025bfc";
export const KEY_C = "hex:4eed882e6676978e676b75347e841667666e7e2e685cae24c0f17b4c0d4a8fb0";

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const T0 = Date.UTC(2024, 0, 1);

export class FakeClock {
  constructor(public time = T0) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

/** A minimal browser cookie jar: applies Set-Cookie values (name=value; ...; Max-Age=N). */
export class CookieJar {
  readonly cookies: Record<string, string> = {};

  apply(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split("; ");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq);
      const maxAge = attributes.find((a) => a.startsWith("Max-Age="));
      if (maxAge !== undefined && Number(maxAge.slice("Max-Age=".length)) <= 0) {
        delete this.cookies[name];
      } else {
        this.cookies[name] = pair!.slice(eq + 1);
      }
    }
  }

  names(): string[] {
    return Object.keys(this.cookies).sort();
  }
}

/** Opens a token the way the manager would and returns its payload (test inspection only). */
export function inspectToken(
  keys: readonly string[],
  token: string,
  cookieName = "session",
): { payload: SessionPayload; kid: string } {
  const keyring = new Keyring(keys);
  const opened = open(keyring, cookieName, token, 1e6);
  if (opened === undefined) throw new Error("token does not open");
  const payload = decodePayload(opened.plaintext);
  if (payload === undefined) throw new Error("payload does not decode");
  return { payload, kid: opened.kid };
}

/** Joins the chunk cookies of a jar in order. */
export function jarToken(jar: CookieJar, wireName: string): string {
  let token = "";
  for (let i = 0; i < 5; i++) token += jar.cookies[i === 0 ? wireName : `${wireName}.${i}`] ?? "";
  return token;
}

export function kidOf(key: string): string {
  return new Keyring([key]).primary.kid;
}

/** One request/response cycle through a manager and a cookie jar. */
export async function roundTrip<S extends object>(
  manager: {
    load(cookies: Record<string, string>, secure: boolean): Promise<S>;
    commit(session: S): { setCookies: string[]; accessed: boolean };
  },
  jar: CookieJar,
  handler: (session: S) => void = () => {},
  secure = true,
): Promise<{ session: S; setCookies: string[]; accessed: boolean }> {
  const session = await manager.load({ ...jar.cookies }, secure);
  handler(session);
  const { setCookies, accessed } = manager.commit(session);
  jar.apply(setCookies);
  return { session, setCookies, accessed };
}

/** A manager sealing with KEY_A on a fake clock, and an empty cookie jar for its responses. */
export function managerSetup<Data extends JsonRecord = JsonRecord>(
  options: Partial<SessionOptions> = {},
) {
  const clock = new FakeClock();
  const manager = new SessionManager<Data>({ keys: [KEY_A], clock, ...options });
  return { clock, manager, jar: new CookieJar() };
}

/** The handler most manager tests run: count one more visit. */
export function increment(session: Session<{ count: number }>): void {
  session.count = (session.count ?? 0) + 1;
}
