import type { Request, Response, ServerPlugin } from "../../src/index.js";
import { HttpError } from "../../src/index.js";
import { SESSION_RESPONSE_HEADERS, type Session, SessionManager } from "../../src/session/index.js";

/**
 * ADAPTER until `new Server({ session, csrf: true })` lands in the framework: the same behaviour
 * built from `SessionManager` as a plugin (its hooks wrap the app's, so the session is loaded
 * before any app hook and saved after all of them, error pages included). Pages only use
 * `sessionOf(request)`, so switching to `request.session` is a change in this file alone.
 */

/** What the demo keeps in its encrypted cookie. */
export type DemoSessionData = {
  user: string;
  visits: number;
  /** Set by the cookies page, as the prototype's README set secret_cookie["a"], ["b"], ["c"]. */
  secrets: { a: number; b: number; c: number };
};

export type DemoSession = Session<DemoSessionData>;

export const SESSION_COOKIE = "session";

const sessions = new WeakMap<Request, DemoSession>();
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function sessionOf(request: Request): DemoSession {
  const session = sessions.get(request);
  if (session === undefined) throw new Error("Sessions are not installed on this app");
  return session;
}

/** A fresh, masked CSRF token for a form (differs on every render). */
export function csrfToken(request: Request): string {
  return sessionOf(request).csrfToken();
}

function isCrossSite(request: Request): boolean {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite !== undefined) return fetchSite !== "same-origin" && fetchSite !== "none";
  const origin = request.headers.get("origin");
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.headers.get("host");
  } catch {
    return true;
  }
}

async function submittedToken(request: Request): Promise<unknown> {
  const header = request.headers.get("x-csrf-token");
  if (header !== undefined) return header;
  if (request.contentType === "application/x-www-form-urlencoded") {
    return (await request.form()).fields._csrf;
  }
  // A multipart upload is streamed by its handler, so its token travels in the query string.
  return request.query._csrf;
}

export function sessionPlugin(options: {
  keys: readonly string[];
  csrfExempt?: (request: Request) => boolean;
}): ServerPlugin {
  const manager = new SessionManager<DemoSessionData>({
    keys: options.keys,
    cookieName: SESSION_COOKIE,
  });
  const load = async (request: Request): Promise<void> => {
    sessions.set(request, await manager.load(request.cookies, request.secure));
    if (!UNSAFE.has(request.method)) return;
    if (isCrossSite(request)) throw new HttpError(403, "Cross-site requests are not accepted");
    if (options.csrfExempt?.(request)) return;
    if (!sessionOf(request).verifyCsrfToken(await submittedToken(request))) {
      throw new HttpError(403, "The form expired or was not sent by this site: reload and retry");
    }
  };
  const save = (request: Request, response: Response): void => {
    const session = sessions.get(request);
    if (session === undefined) return;
    const { setCookies, accessed } = manager.commit(session);
    for (const cookie of setCookies) response.headers.append("set-cookie", cookie);
    if (accessed) {
      for (const [name, value] of Object.entries(SESSION_RESPONSE_HEADERS)) {
        response.headers.set(name, value);
      }
    }
  };
  return { name: "demo-session", hooks: { before: [load], after: [save] } };
}
