import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDemoApp, type DemoOptions } from "../../examples/demo/app.js";
import { DemoStore, type GuestbookEntry, type StoredFile } from "../../examples/demo/store.js";
import type { Server } from "../../src/index.js";
import { generateKey } from "../../src/session/keys.js";

/** One stored cookie with the attributes the tests look at. */
export interface JarCookie {
  name: string;
  value: string;
  attributes: Readonly<Record<string, string | true>>;
}

/**
 * A browser-ish client for the demo over real TCP: Node's fetch plus a cookie jar (undici keeps
 * no cookies), redirects left to the test so each hop can be checked.
 */
export class Client {
  readonly base: string;
  readonly jar = new Map<string, JarCookie>();

  constructor(base: string) {
    this.base = base;
  }

  cookieHeader(): string {
    return [...this.jar.values()].map(({ name, value }) => `${name}=${value}`).join("; ");
  }

  async fetch(path: string, init: RequestInit = {}): Promise<globalThis.Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0 && !headers.has("cookie")) headers.set("cookie", this.cookieHeader());
    if (!headers.has("accept")) headers.set("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    const response = await fetch(this.base + path, { ...init, headers, redirect: "manual" });
    this.store(response.headers.getSetCookie());
    return response;
  }

  store(lines: readonly string[]): void {
    for (const line of lines) {
      const [pair = "", ...rest] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const attributes: Record<string, string | true> = {};
      for (const attribute of rest) {
        const [key = "", ...values] = attribute.trim().split("=");
        attributes[key.toLowerCase()] = values.length > 0 ? values.join("=") : true;
      }
      const expired = attributes["max-age"] !== undefined && Number(attributes["max-age"]) <= 0;
      if (expired) this.jar.delete(name);
      else this.jar.set(name, { name, value, attributes });
    }
  }

  async page(path: string): Promise<{ response: globalThis.Response; html: string }> {
    const response = await this.fetch(path);
    return { response, html: await response.text() };
  }

  /** Posts an urlencoded form (the CSRF token is added by the caller, as a browser would). */
  postForm(path: string, fields: Record<string, string>, init: RequestInit = {}) {
    return this.fetch(path, {
      ...init,
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...init.headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Loads `path` and returns the CSRF token of its first form. */
  async csrfFrom(path: string): Promise<string> {
    const { html } = await this.page(path);
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    if (token === undefined) throw new Error(`No CSRF field on ${path}`);
    return token;
  }

  /** Signs in through the form, following the redirect. */
  async signIn(name: string): Promise<void> {
    const token = await this.csrfFrom("/account");
    const response = await this.postForm("/signin", { name, _csrf: token });
    await response.arrayBuffer();
    if (response.status !== 303) throw new Error(`Sign-in failed with ${response.status}`);
  }
}

export interface RunningDemo {
  app: Server;
  url: string;
  dataDir: string;
  client(): Client;
  close(): Promise<void>;
}

/**
 * The demo on a free port with a temporary data directory and a fresh key; `configure` may add
 * hooks before it starts.
 */
export async function startDemo(
  options: Partial<DemoOptions> = {},
  configure?: (app: Server) => void,
): Promise<RunningDemo> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "slow-serv-demo-")));
  const removeDir = async (): Promise<void> => {
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
  };
  let app: Server;
  let url: string;
  try {
    app = createDemoApp({
      sessionKeys: [generateKey()],
      logger: false,
      streamIntervalMs: 5,
      ...options,
      dataDir,
    });
    configure?.(app);
    ({ url } = await app.run({ port: 0 }));
  } catch (error) {
    // No RunningDemo to close: the folder would outlive the failed start.
    await removeDir();
    throw error;
  }
  return {
    app,
    url,
    dataDir,
    client: () => new Client(url),
    async close() {
      await app.close();
      await removeDir();
    },
  };
}

/** The text of an HTML fragment's elements, for assertions that ignore markup. */
export function textOf(html: string): string {
  return html
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Asserts that `secret` cannot be read from a cookie value, neither as is nor base64url-decoded
 * at any of the four alignments (a cookie that merely encoded the session would fail). The
 * secret must be long: a short one like "Ada" turns up in random base64url by chance (it did,
 * once in a few hundred runs).
 */
export function assertOpaque(value: string, secret: string): void {
  if (secret.length < 8) throw new Error("assertOpaque needs a secret of 8 or more characters");
  assert.ok(!value.includes(secret), `the cookie shows ${JSON.stringify(secret)}`);
  for (let offset = 0; offset < 4; offset++) {
    const decoded = Buffer.from(value.slice(offset), "base64url").toString("latin1");
    assert.ok(!decoded.includes(secret), `the cookie encodes ${JSON.stringify(secret)} readably`);
  }
}

/** What the demo stored, read from its database as another process would. */
export async function storedGuestbook(dataDir: string): Promise<readonly GuestbookEntry[]> {
  const store = new DemoStore(dataDir);
  try {
    return await store.guestbook.all();
  } finally {
    store.db.close();
  }
}

export async function storedFiles(dataDir: string): Promise<readonly StoredFile[]> {
  const store = new DemoStore(dataDir);
  try {
    return await store.files.all();
  } finally {
    store.db.close();
  }
}
