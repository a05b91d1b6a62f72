import type { InjectedResponse, InjectOptions } from "../app/inject.js";
import { ConfigError } from "../wire/options.js";
import { CookieJar } from "./cookie-jar.js";

/** Anything that serves `inject()`: a `Server`. */
export interface Injectable {
  inject(options: InjectOptions): Promise<InjectedResponse>;
}

export interface TestClientOptions {
  /**
   * Where the app pretends to be: scheme and host of every request (`Host`, and whether the
   * connection counts as TLS, so `Secure` cookies are kept and sent only for "https").
   * Default "http://localhost".
   */
  baseUrl?: string;
  /** Headers sent with every request (a request's own headers win). */
  headers?: Record<string, string>;
  /** Milliseconds since the epoch, for cookie expiry; tests with a fake clock pass theirs. */
  clock?: () => number;
}

/** A request as `inject()` takes it, without the target (given separately) and the TLS flag. */
export type TestRequest = Omit<InjectOptions, "url" | "encrypted">;

/**
 * A test client on top of `app.inject()` that keeps cookies like a browser, so a test can sign
 * in and then call the next route with the session:
 *
 *     const client = testClient(app);
 *     await client.post("/login", { body: { user: "ada" } });
 *     const me = await client.get("/me"); // carries the session cookie
 *
 * A request that sets its own `cookie` header sends that instead of the jar's cookies.
 */
export class TestClient {
  readonly cookies: CookieJar;
  readonly baseUrl: URL;
  readonly #app: Injectable;
  readonly #headers: Record<string, string>;

  constructor(app: Injectable, options: TestClientOptions = {}) {
    if (typeof app?.inject !== "function") {
      throw new ConfigError("testClient(app) needs the app (a Server) as its first argument.");
    }
    const base = parseBase(options.baseUrl ?? "http://localhost");
    this.#app = app;
    this.baseUrl = base;
    this.#headers = { ...options.headers };
    this.cookies = new CookieJar(options.clock);
  }

  /** Sends a request; `target` is a path with an optional query, e.g. "/search?q=1". */
  async request(target: string, init: TestRequest = {}): Promise<InjectedResponse> {
    if (!target.startsWith("/")) {
      throw new TypeError(`Test request targets start with "/", got ${JSON.stringify(target)}`);
    }
    const url = new URL(target, this.baseUrl);
    const headers: Record<string, string | readonly string[]> = {
      host: this.baseUrl.host,
      ...this.#headers,
      ...init.headers,
    };
    if (!Object.keys(headers).some((name) => name.toLowerCase() === "cookie")) {
      const cookie = this.cookies.cookieHeader(url);
      if (cookie !== undefined) headers.cookie = cookie;
    }
    const response = await this.#app.inject({
      ...init,
      url: target,
      headers,
      encrypted: this.baseUrl.protocol === "https:",
    });
    for (const line of response.headers.getSetCookie()) this.cookies.setCookie(line, url);
    return response;
  }

  get(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "GET" });
  }

  head(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "HEAD" });
  }

  post(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "POST" });
  }

  put(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "PUT" });
  }

  patch(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "PATCH" });
  }

  delete(target: string, init?: Omit<TestRequest, "method">): Promise<InjectedResponse> {
    return this.request(target, { ...init, method: "DELETE" });
  }
}

/** `new TestClient(app, options)`. */
export function testClient(app: Injectable, options?: TestClientOptions): TestClient {
  return new TestClient(app, options);
}

function parseBase(text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "http:" && url.protocol !== "https:")) {
    throw new ConfigError(
      `testClient \`baseUrl\` must be an http or https URL like "https://shop.example", got ${JSON.stringify(text)}`,
    );
  }
  return url;
}
