import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { assertOpaque, type RunningDemo, startDemo } from "../demo/harness.js";
import { launchChromium, screenshot } from "./browser.js";

const XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>";

/**
 * Records every state the live-stream box shows ("status:count"), from before the page's own
 * script runs: the test then waits for the final state instead of polling for a passing one.
 */
const RECORD_STREAM = `
window.__sse = [];
window.__sseAt = [];
new MutationObserver(() => {
  const status = document.getElementById("sse-status")?.textContent;
  const count = document.getElementById("sse-count")?.textContent;
  if (status === undefined || count === undefined) return;
  const state = status + ":" + count;
  if (window.__sse.at(-1) === state) return;
  window.__sse.push(state);
  window.__sseAt.push(performance.now());
}).observe(document, { subtree: true, childList: true, characterData: true });
`;

/** Each test's own budget: the browser is slow on a loaded machine, the suite as a whole slower. */
const EACH = { timeout: 60_000 };

describe("demo in headless Chromium", () => {
  let demo: RunningDemo;
  let browser: Browser;
  // Every test has its own browser context (cookies, storage) and page: none depends on another.
  let context: BrowserContext;
  let page: Page;
  let dialogs: string[] = [];

  /** The rendered text of the first match (Playwright's innerText, not the DOM property). */
  // biome-ignore lint/performance/useDomNodeTextContent: Playwright's method, the rendered text is wanted.
  const text = (selector: string) => page.locator(selector).first().innerText();

  /** Signs `name` in through the form, as a visitor would. */
  async function signIn(name: string): Promise<void> {
    await page.goto("/account");
    await page.fill("#name", name);
    await Promise.all([page.waitForURL("**/account"), page.click("form.form button[type=submit]")]);
  }

  before(async () => {
    browser = await launchChromium();
    demo = await startDemo({ streamIntervalMs: 150, streamEvents: 5 });
  });

  beforeEach(async () => {
    context = await browser.newContext({
      baseURL: demo.url,
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    await context.addInitScript(RECORD_STREAM);
    page = await context.newPage();
    dialogs = [];
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  });

  afterEach(async () => {
    await context?.close();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  it("shows the home page with styles, logo and every link", EACH, async () => {
    await page.goto("/");
    assert.equal(await page.title(), "Home · slow-serv demo");
    // The stylesheet applied (the header is sticky) and the SVG logo decoded.
    const position = await page.evaluate(
      "getComputedStyle(document.querySelector('.site-header')).position",
    );
    assert.equal(position, "sticky");
    const logoLoaded = await page.evaluate("document.querySelector('.brand img').naturalWidth > 0");
    assert.ok(logoLoaded, "logo.svg loaded");
    for (const href of ["/account", "/cookies", "/guestbook", "/files", "/notes", "/stream"]) {
      assert.ok(await page.locator(`.grid a[href="${href}"]`).count(), `card for ${href}`);
    }
    await screenshot(page, "01-home");
  });

  it(
    "signs in, counts visits across reloads, keeps the session cookie HttpOnly",
    EACH,
    async () => {
      await page.goto("/account");
      await screenshot(page, "02-sign-in");
      await page.fill("#name", "Ada Lovelace");
      await Promise.all([
        page.waitForURL("**/account"),
        page.click("form.form button[type=submit]"),
      ]);
      assert.equal(await text(".notice-success"), "Welcome, Ada Lovelace! You are signed in.");
      assert.equal(await text(".user-name"), "Ada Lovelace");
      assert.equal(await text("#visit-count"), "1");
      await screenshot(page, "03-account");
      await page.reload();
      assert.equal(await text("#visit-count"), "2");
      await page.reload();
      assert.equal(await text("#visit-count"), "3");
      assert.equal(await page.locator(".notice-success").count(), 0, "flash shown once");
      assert.equal(await text(".who strong"), "Ada Lovelace");

      const session = (await context.cookies()).find((cookie) => cookie.name === "session");
      assert.ok(session, "session cookie stored");
      assert.equal(session.httpOnly, true);
      assert.equal(session.sameSite, "Lax");
      assertOpaque(session.value, "Ada Lovelace");
      assert.equal(await page.evaluate("document.cookie.includes('session=')"), false);
    },
  );

  it("sets a normal cookie next to the secret one and shows both", EACH, async () => {
    await page.goto("/cookies");
    await page.fill("#cookie-name", "Leo");
    await Promise.all([
      page.waitForURL("**/cookies"),
      page.click('form[action="/cookies"] button'),
    ]);
    const rows = await page.locator("#cookie-table tbody tr").allInnerTexts();
    assert.ok(rows.some((row) => row.startsWith("name") && row.includes("Leo")));
    assert.ok(rows.some((row) => row.startsWith("session") && row.includes("secret (sealed)")));
    assert.equal(await text("#secrets"), "a=1, b=2, c=3");
    const visible = await text("#document-cookie");
    assert.ok(visible.includes("name=Leo"));
    assert.ok(!visible.includes("session="), "HttpOnly hides the session from scripts");
    const cookies = await context.cookies();
    assert.equal(cookies.find((cookie) => cookie.name === "name")?.httpOnly, false);
    await screenshot(page, "04-cookies");
  });

  it("escapes an XSS payload in the guestbook, and no dialog fires", EACH, async () => {
    await page.goto("/guestbook");
    await page.fill("#gb-message", "");
    await page.click("#guestbook-form button");
    await page.waitForSelector(".field-error");
    assert.match(await text("#message-error"), /Message is required/);
    await screenshot(page, "05-guestbook-errors");

    await page.fill("#gb-name", "Mallory");
    await page.fill("#gb-message", XSS);
    await Promise.all([page.waitForURL("**/guestbook"), page.click("#guestbook-form button")]);
    const message = await text("#entries .entry-message");
    assert.equal(message, XSS);
    assert.equal(await page.locator("#entries img").count(), 0);
    assert.equal(await page.locator("#entries script").count(), 0);
    assert.deepEqual(dialogs, []);
    await screenshot(page, "06-guestbook");
  });

  it("uploads a file and downloads it back", EACH, async () => {
    const content = Buffer.from("Hello from Chromium\n".repeat(100));
    await page.goto("/files");
    await page.setInputFiles("#file", {
      name: "hello.txt",
      mimeType: "text/plain",
      buffer: content,
    });
    await Promise.all([page.waitForURL("**/files"), page.click("#upload-form button")]);
    assert.equal(await text(".notice-success"), "Uploaded hello.txt.");
    await screenshot(page, "07-files");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click('#file-table a:text("hello.txt")'),
    ]);
    assert.equal(download.suggestedFilename(), "hello.txt");
    assert.deepEqual(await readFile(await download.path()), content);
  });

  it("shows the server-sent events arriving live", EACH, async () => {
    await page.goto("/stream");
    // The final state stays; "live" lasts well under a second and a loaded machine's polling can
    // miss it, so the recorder (RECORD_STREAM) shows what came before.
    await page.waitForFunction("document.getElementById('sse-status')?.textContent === 'finished'");
    const states = (await page.evaluate("window.__sse")) as string[];
    assert.deepEqual(
      states.filter((state) => !state.startsWith("connecting")),
      ["live:0", "live:1", "live:2", "live:3", "live:4", "live:5", "finished:5"],
      "each event shown as it arrived, while the stream was open",
    );
    // Sent 150 ms apart, they arrive apart, not buffered into one delivery at the end (a lower
    // bound only: a loaded machine makes the gaps longer, never shorter).
    const at = (await page.evaluate("window.__sseAt")) as number[];
    const first = states.indexOf("live:1");
    const last = states.indexOf("live:5");
    assert.ok(
      at[last]! - at[first]! >= 300,
      `events 1 to 5 came within ${at[last]! - at[first]!} ms`,
    );
    assert.match(await text("#sse-time"), /\d/);
    await screenshot(page, "08-stream");
  });

  it("adds a note through the JSON API from the page script", EACH, async () => {
    await page.goto("/notes");
    await page.fill("#note-title", "From the browser");
    await page.fill("#note-body", "Posted with fetch()");
    await Promise.all([page.waitForEvent("load"), page.click("#note-form button")]);
    assert.ok(await page.locator(".notes li", { hasText: "From the browser" }).count());
    await screenshot(page, "09-notes");
  });

  it("renders 404 pages in the site layout", EACH, async () => {
    const response = await page.goto("/does-not-exist");
    assert.equal(response?.status(), 404);
    assert.equal(await text(".error-code"), "404");
    await screenshot(page, "10-not-found");
  });

  it("fits a tablet-width screen while signed in", EACH, async () => {
    await signIn("Ada Lovelace");
    await page.setViewportSize({ width: 1000, height: 700 });
    const overflow = await page.evaluate(
      "document.documentElement.scrollWidth > window.innerWidth",
    );
    assert.equal(overflow, false, "no horizontal scrolling");
    const box = await page.locator(".signout button").boundingBox();
    assert.ok(box && box.x + box.width <= 1000, "sign-out button on screen");
    await screenshot(page, "11-tablet-account");
  });

  it("signs out from the header", EACH, async () => {
    await signIn("Ada Lovelace");
    await Promise.all([page.waitForURL(`${demo.url}/`), page.click(".signout button")]);
    assert.equal(await text(".notice-info"), "Goodbye, Ada Lovelace.");
    assert.equal(await page.locator(".account a", { hasText: "Sign in" }).count(), 1);
    await page.goto("/account");
    assert.equal(await text("h1"), "Sign in");
  });

  it("works on a phone-sized screen", EACH, async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(`${demo.url}/guestbook`);
      assert.equal(await phone.locator("#site-nav").isVisible(), false);
      await phone.click(".nav-toggle");
      assert.equal(await phone.locator("#site-nav").isVisible(), true);
      const overflow = await phone.evaluate(
        "document.documentElement.scrollWidth > window.innerWidth",
      );
      assert.equal(overflow, false, "no horizontal scrolling");
      await screenshot(phone, "12-mobile-guestbook");
    } finally {
      await phone.close();
    }
  });
});
