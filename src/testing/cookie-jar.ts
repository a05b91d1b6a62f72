/**
 * A browser's cookie store, reduced to what tests need (RFC 6265 §5.2–5.4): it keeps what
 * Set-Cookie lines say under their name, domain and path, forgets cookies that expire or are
 * deleted (`Max-Age=0`, an `Expires` in the past), and gives back the `Cookie` header a browser
 * would send to a URL: matching path and host, `Secure` ones only over https, longest path first.
 */

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** Lowercase host (host-only) or domain the cookie belongs to. */
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  /** Milliseconds since the epoch; undefined for a session cookie (kept until the jar goes). */
  readonly expires: number | undefined;
  readonly created: number;
}

export class CookieJar {
  readonly #cookies = new Map<string, StoredCookie>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** Stores the cookie a Set-Cookie line sets for a response to `url`; ignores malformed lines. */
  setCookie(line: string, url: URL): void {
    const parts = line.split(";");
    const pair = parts[0]!;
    const eq = pair.indexOf("=");
    if (eq === -1) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (name === "") return;
    const now = this.#clock();
    const host = url.hostname.toLowerCase();
    let expires: number | undefined;
    let maxAge: number | undefined;
    let path: string | undefined;
    let domain: string | undefined;
    let secure = false;
    for (const attribute of parts.slice(1)) {
      const at = attribute.indexOf("=");
      const key = (at === -1 ? attribute : attribute.slice(0, at)).trim().toLowerCase();
      const given = at === -1 ? "" : attribute.slice(at + 1).trim();
      if (key === "expires") {
        const time = Date.parse(given);
        if (!Number.isNaN(time)) expires = time;
      } else if (key === "max-age" && /^-?\d+$/.test(given)) {
        maxAge = Number(given);
      } else if (key === "path") {
        path = given.startsWith("/") ? given : undefined;
      } else if (key === "domain" && given !== "") {
        domain = given.replace(/^\./, "").toLowerCase();
      } else if (key === "secure") {
        secure = true;
      }
    }
    // A Secure cookie cannot be set from plain http (RFC 6265bis §5.6 step 8).
    if (secure && url.protocol !== "https:") return;
    if (domain !== undefined && !domainMatches(host, domain)) return;
    // Max-Age wins over Expires (§5.3 step 3).
    const expiry = maxAge !== undefined ? now + maxAge * 1000 : expires;
    const cookieDomain = domain ?? host;
    const cookiePath = path ?? defaultPath(url.pathname);
    const key = keyOf(name, cookieDomain, cookiePath);
    if (expiry !== undefined && expiry <= now) {
      this.#cookies.delete(key);
      return;
    }
    this.#cookies.set(key, {
      name,
      value,
      domain: cookieDomain,
      hostOnly: domain === undefined,
      path: cookiePath,
      secure,
      expires: expiry,
      // A replaced cookie keeps its creation time, which orders cookies of equal path length.
      created: this.#cookies.get(key)?.created ?? now,
    });
  }

  /** The `Cookie` header for a request to `url`, or undefined when no cookie applies. */
  cookieHeader(url: URL): string | undefined {
    const now = this.#clock();
    const host = url.hostname.toLowerCase();
    const matching: StoredCookie[] = [];
    for (const [key, cookie] of this.#cookies) {
      if (cookie.expires !== undefined && cookie.expires <= now) {
        this.#cookies.delete(key);
        continue;
      }
      if (cookie.hostOnly ? cookie.domain !== host : !domainMatches(host, cookie.domain)) continue;
      if (!pathMatches(url.pathname, cookie.path)) continue;
      if (cookie.secure && url.protocol !== "https:") continue;
      matching.push(cookie);
    }
    if (matching.length === 0) return undefined;
    matching.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
    return matching.map((cookie) => `${cookie.name}=${cookie.value}`).join("; ");
  }

  /** The value of the cookie `name` that a request to `url` would carry. */
  get(name: string, url: URL): string | undefined {
    const header = this.cookieHeader(url);
    for (const pair of header?.split("; ") ?? []) {
      const eq = pair.indexOf("=");
      if (pair.slice(0, eq) === name) return pair.slice(eq + 1);
    }
    return undefined;
  }

  /** Forgets every cookie (a new browser profile). */
  clear(): void {
    this.#cookies.clear();
  }

  get size(): number {
    return this.#cookies.size;
  }
}

function keyOf(name: string, domain: string, path: string): string {
  return `${name}\u0000${domain}\u0000${path}`;
}

/** §5.1.3: the host is the domain or a subdomain of it (never for an IP address). */
function domainMatches(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith(`.${domain}`) && !/^[\d.]+$|:/.test(host);
}

/** §5.1.4: the request path up to (not including) its last "/", or "/". */
function defaultPath(path: string): string {
  if (!path.startsWith("/")) return "/";
  const last = path.lastIndexOf("/");
  return last <= 0 ? "/" : path.slice(0, last);
}

/** §5.1.4: the cookie path is the request path or a prefix of it ending at a "/". */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}
