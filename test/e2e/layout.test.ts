import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { type RunningDemo, startDemo } from "../demo/harness.js";
import { CHROMIUM, launchChromium, screenshot } from "./browser.js";

/** Every page of the demo, and the error pages a visitor can reach. */
const PAGES = [
  ["home", "/"],
  ["account", "/account"],
  ["cookies", "/cookies"],
  ["guestbook", "/guestbook"],
  ["files", "/files"],
  ["notes", "/notes"],
  ["stream", "/stream"],
  ["not-found", "/no-such-page"],
] as const;

const WIDTHS = [
  ["desktop", { width: 1280, height: 800 }],
  ["phone", { width: 390, height: 844 }],
] as const;

const UPLOAD_LIMIT = 1024;

/** Text nodes inside `code.path` elements that the browser split over more than one line. */
const SPLIT_PATH_SEGMENTS = `[...document.querySelectorAll("code.path")].flatMap((code) =>
  [...code.childNodes].filter((node) => {
    if (node.nodeType !== Node.TEXT_NODE || node.textContent === "") return false;
    const range = document.createRange();
    range.selectNodeContents(node);
    return new Set([...range.getClientRects()].map((rect) => Math.round(rect.top))).size > 1;
  }).map((node) => code.textContent + ": " + node.textContent))`;

describe("demo layout at desktop and phone widths", { timeout: 90_000 }, () => {
  let demo: RunningDemo;
  let browser: Browser;

  before(async () => {
    browser = await launchChromium();
    demo = await startDemo({ maxUploadBytes: UPLOAD_LIMIT, streamEvents: 3 });
    // Some rows, so the guestbook and notes pages are long enough to scroll.
    const client = demo.client();
    for (let i = 0; i < 8; i++) {
      const response = await client.fetch("/api/notes", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: `Note ${i}`, body: "A line of text ".repeat(8) }),
      });
      assert.equal(response.status, 201);
    }
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  for (const [device, viewport] of WIDTHS) {
    it(`renders every page at ${device} width without horizontal scrolling`, async () => {
      const page = await browser.newPage({ viewport, baseURL: demo.url });
      try {
        for (const [name, path] of PAGES) {
          await page.goto(path);
          const overflow = await page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth",
          );
          assert.equal(overflow, false, `${path} scrolls sideways at ${viewport.width} px`);
          await screenshot(page, `layout-${device}-${name}`);
        }
        await page.goto("/notes");
        assert.deepEqual(await page.evaluate(SPLIT_PATH_SEGMENTS), [], "paths break at / only");
        await tooLarge(page, `layout-${device}-too-large`);
      } finally {
        await page.close();
      }
    });
  }

  it("offers one way home on the 404 page", async () => {
    const page = await browser.newPage({ baseURL: demo.url });
    try {
      const response = await page.goto("/no-such-page");
      assert.equal(response?.status(), 404);
      assert.equal(await page.locator('.error-page a[href="/"]').count(), 1);
    } finally {
      await page.close();
    }
  });

  it("keeps the header in place between short and long pages, with real scrollbars", async () => {
    // Headless Chromium hides scrollbars unless told otherwise; the shift only shows with them.
    const withScrollbars = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu"],
      ignoreDefaultArgs: ["--hide-scrollbars"],
    });
    try {
      const page = await withScrollbars.newPage({
        viewport: { width: 1280, height: 600 },
        baseURL: demo.url,
      });
      const place = async (path: string) => {
        await page.goto(path);
        const scrolls = await page.evaluate(
          "document.documentElement.scrollHeight > window.innerHeight",
        );
        const box = await page.locator(".site-header .brand").boundingBox();
        assert.ok(box);
        return { scrolls, x: box.x };
      };
      const short = await place("/no-such-page");
      const long = await place("/notes");
      assert.equal(short.scrolls, false, "the 404 page fits the window");
      assert.equal(long.scrolls, true, "the notes page scrolls");
      assert.equal(long.x, short.x, "the header did not move");
    } finally {
      await withScrollbars.close();
    }
  });
});

/** A too-large upload through the form: the 413 page in the form's units, no token in the URL. */
async function tooLarge(page: Page, name: string): Promise<void> {
  await page.goto("/files");
  await page.setInputFiles("#file", {
    name: "big.bin",
    mimeType: "application/octet-stream",
    buffer: Buffer.alloc(UPLOAD_LIMIT * 2, 1),
  });
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click("#upload-form button"),
  ]);
  assert.equal(response?.status(), 413);
  assert.equal(new URL(page.url()).search, "", "no token in the address bar");
  const message = await page.locator(".error-message").textContent();
  assert.equal(message, "Each file may be at most 1.0 KB.");
  await screenshot(page, name);
}
