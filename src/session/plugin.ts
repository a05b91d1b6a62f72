import { appendVary } from "../app/compress.js";
import type { Request } from "../app/request.js";
import type { Response } from "../app/response.js";
import type { Server, ServerPlugin } from "../app/server.js";
import { HttpError } from "../wire/http-error.js";
import { ConfigError } from "../wire/options.js";
import { MAX_SET_COOKIE_LINE_BYTES } from "./chunks.js";
import type { SessionOptions } from "./config.js";
import { SessionTooLargeError } from "./errors.js";
import { SessionManager } from "./manager.js";
import type { JsonRecord } from "./payload.js";
import type { Session } from "./session.js";

/**
 * What `request.session` holds. Declare your fields by augmenting it, and they are typed
 * everywhere:
 *
 *     declare module "slow-serv" {
 *       interface SessionData { count: number; user: string }
 *     }
 */
export interface SessionData extends JsonRecord {}

/** Room left for the request-line and every other header next to a full set of session cookies. */
const OTHER_HEADERS_BYTES = 4096;

const SESSIONS_OFF = "Sessions are off: pass { session: { keys: [...] } } to new Server()";

interface SessionContext {
  readonly manager: SessionManager<SessionData>;
  /** `isRevoked` is async, so a presented cookie is opened in the before hook instead of lazily. */
  readonly eager: boolean;
}

// Per-request state lives in symbol-keyed slots on the request rather than in WeakMaps: the
// before hook runs for every request, and a WeakMap insertion per request (plus the ephemeron
// work it leaves for the garbage collector) cost more than the rest of a plain request's routing.
const kContext = Symbol("slow-serv.session-context");
const kOpened = Symbol("slow-serv.session-opened");

interface SessionSlots {
  /** Which server's sessions the request belongs to; set by the before hook. */
  [kContext]?: SessionContext;
  /** The opened session; `null` when the revocation check failed (nothing to commit). */
  [kOpened]?: Session<SessionData> | null;
}

function slots(request: Request): SessionSlots {
  return request as Request & SessionSlots;
}
/** Servers with sessions installed, so the CSRF plugin can insist on them at start-up. */
const serversWithSessions = new WeakSet<Server>();

export function hasSessions(server: Server): boolean {
  return serversWithSessions.has(server);
}

/**
 * `request.session`. Opened on first use: a request that never touches the session does no
 * crypto, sets no cookie and keeps the response cacheable.
 */
export function requestSession(request: Request): Session<SessionData> {
  const slot = slots(request);
  const session = slot[kOpened];
  if (session !== undefined && session !== null) return session;
  const context = slot[kContext];
  if (context === undefined) throw new Error(SESSIONS_OFF);
  if (session === null) {
    throw new Error(
      "The session could not be loaded for this request (its revocation check failed)",
    );
  }
  const fresh = context.manager.loadSync(request.cookies, request.secure);
  slot[kOpened] = fresh;
  return fresh;
}

/**
 * Encrypted client-side sessions as a server plugin; `new Server({ session: options })` installs
 * it. The before hook remembers the request (and, with `isRevoked`, opens a presented cookie);
 * the after hook, which runs after every app hook and on error responses too, writes the cookie.
 */
export function sessionPlugin(options: SessionOptions): ServerPlugin {
  const manager = new SessionManager<SessionData>(options);
  const context: SessionContext = { manager, eager: manager.config.isRevoked !== undefined };

  function load(request: Request): void | Promise<void> {
    const slot = slots(request);
    slot[kContext] = context;
    if (!context.eager || request.headers.get("cookie") === undefined) return;
    return manager.load(request.cookies, request.secure).then(
      (session) => {
        slot[kOpened] = session;
      },
      (error: unknown) => {
        // Fail closed, but keep the cookie: a denylist outage must not sign everyone out.
        slot[kOpened] = null;
        throw new HttpError(503, "Session revocation check failed; the session was not used", {
          cause: error,
        });
      },
    );
  }

  function commit(request: Request, response: Response): void {
    const session = slots(request)[kOpened];
    if (session === undefined) return;
    if (session === null) {
      markPrivate(response);
      return;
    }
    let result: ReturnType<SessionManager["commit"]>;
    try {
      result = manager.commit(session);
    } catch (error) {
      if (error instanceof SessionTooLargeError) {
        // 500 without any session Set-Cookie: the browser keeps its previous, still valid cookie.
        throw new HttpError(500, `Session not saved: ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (result.accessed) markPrivate(response);
    for (const cookie of result.setCookies) response.headers.append("set-cookie", cookie);
  }

  return {
    name: "session",
    hooks: { before: [load], after: [commit] },
    install(server: Server): void {
      checkHeaderRoom(server.limits.maxHeaderBytes, manager.config.maxChunks);
      serversWithSessions.add(server);
    },
  };
}

/** A response that read or wrote a session is one user's: no shared caches, and keyed by Cookie. */
function markPrivate(response: Response): void {
  appendVary(response.headers, "Cookie");
  response.headers.set("cache-control", "private, no-store");
}

/** A browser holding a full session must not be answered with 431 on every request. */
function checkHeaderRoom(maxHeaderBytes: number, maxChunks: number): void {
  const needed = maxChunks * MAX_SET_COOKIE_LINE_BYTES + OTHER_HEADERS_BYTES;
  if (maxHeaderBytes >= needed) return;
  throw new ConfigError(
    `Session \`maxChunks: ${maxChunks}\` lets a browser send up to ${maxChunks} × 4 KiB of ` +
      `session cookies, but \`limits.maxHeaderBytes\` is ${maxHeaderBytes}, so such requests ` +
      `would be refused with 431. Raise \`limits.maxHeaderBytes\` to at least ${needed}, or ` +
      "lower `session.maxChunks`.",
  );
}
