import type { Request } from "../../src/index.js";

/**
 * The demo's session data, typed for the whole app. `request.session` is the framework's
 * encrypted session (switched on with `session: { keys }` in app.ts); this module only names
 * what the demo keeps in it.
 */
declare module "../../src/index.js" {
  interface SessionData {
    user: string;
    visits: number;
    /** Set by the cookies page, as the prototype's README set secret_cookie["a"], ["b"], ["c"]. */
    secrets: { a: number; b: number; c: number };
  }
}

export const SESSION_COOKIE = "session";

/** A fresh, masked CSRF token for a form (differs on every render). */
export function csrfToken(request: Request): string {
  return request.session.csrfToken();
}

/**
 * The upload handler streams its multipart body to disk, so the CSRF guard cannot read a form
 * field first: the handler checks the token itself, from the x-csrf-token header or the form's
 * first field (pages/files.ts).
 */
export function isUpload(request: Request): boolean {
  return request.method === "POST" && request.path === "/files";
}
