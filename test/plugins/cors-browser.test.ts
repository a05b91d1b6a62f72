import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser } from "playwright-core";
import { corsPlugin, html, Server } from "../../src/index.js";
import { launchChromium } from "../e2e/browser.js";
import { KEY_A } from "../session/helpers.js";

/**
 * CORS and the CSRF guard as a real browser sees them. Chromium sends the preflights,
 * `Sec-Fetch-Site` and the cookies itself, and hides any answer that lacks the CORS headers.
 * The API listens on localhost; the pages come from another port of localhost (same site, other
 * origin: the setup that keeps cookies working now that browsers block third-party ones) and
 * from 127.0.0.1 (another site).
 */
describe("CORS with the CSRF guard in headless Chromium", { timeout: 60_000 }, () => {
  let browser: Browser;
  const api = new Server({ logger: false, session: { keys: [KEY_A] }, csrf: true });
  const site = new Server({ logger: false });
  let apiUrl = "";
  let sameSite = "";
  let crossSite = "";

  before(async () => {
    site.get("/", () => html`<!doctype html><title>shop</title><p>shop front</p>`);
    const { port } = await site.run({ port: 0, host: "127.0.0.1" });
    sameSite = `http://localhost:${port}`;
    crossSite = `http://127.0.0.1:${port}`;
    api.use(corsPlugin({ origin: [sameSite, crossSite], credentials: true }));
    api.get("/token", (request) => {
      request.session.visits = Number(request.session.visits ?? 0) + 1;
      return { token: request.session.csrfToken() };
    });
    api.post("/orders", (request) => ({ ordered: true, visits: request.session.visits ?? 0 }));
    const bound = await api.run({ port: 0, host: "127.0.0.1" });
    apiUrl = `http://localhost:${bound.port}`;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await api.close();
    await site.close();
  });

  /** On a page of `origin`: fetch a token, then POST a JSON order with it and without it. */
  async function orderFrom(origin: string) {
    const page = await browser.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(async (base) => {
        const read = async (response: globalThis.Response) => ({
          status: response.status,
          text: await response.text(),
        });
        const tokenResponse = await fetch(`${base}/token`, { credentials: "include" });
        const { token } = (await tokenResponse.json()) as { token: string };
        // JSON and a custom header: not a "simple" request, so Chromium sends a preflight first.
        const headers = { "content-type": "application/json", accept: "text/plain" };
        const order = (extra: Record<string, string>) =>
          fetch(`${base}/orders`, {
            method: "POST",
            credentials: "include",
            headers: { ...headers, ...extra },
            body: "{}",
          }).then(read);
        return { withToken: await order({ "x-csrf-token": token }), without: await order({}) };
      }, apiUrl);
    } finally {
      await page.close();
    }
  }

  const REFUSED = { status: 403, text: "403 Forbidden: CSRF token missing or invalid\n" };

  it("a page of an allowed origin on the same site orders with its session and token", async () => {
    const results = await orderFrom(sameSite);
    assert.deepEqual(results.withToken, { status: 200, text: '{"ordered":true,"visits":1}' });
    assert.deepEqual(results.without, REFUSED, "the page reads the reason of the 403");
  });

  it("a page of an allowed origin on another site passes the cross-site check", async () => {
    // Chromium blocks third-party cookies, so no session travels and the token cannot match;
    // what matters is that the guard refused for the token, not as cross-site, and that the page
    // could read why.
    const results = await orderFrom(crossSite);
    assert.deepEqual(results.withToken, REFUSED);
    assert.deepEqual(results.without, REFUSED);
  });
});
