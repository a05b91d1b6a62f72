import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { type RunningDemo, startDemo } from "../demo/harness.js";
import { launchChromium, screenshot } from "./browser.js";

/** The demo's live chat in Chromium: two signed-in users in two browser contexts talk. */

describe("demo chat in headless Chromium", { timeout: 60_000 }, () => {
  let demo: RunningDemo;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    demo = await startDemo();
  });

  after(async () => {
    await browser?.close();
    await demo?.close();
  });

  async function signedIn(name: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: demo.url });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto("/account");
    await page.fill("#name", name);
    await Promise.all([page.waitForURL("**/account"), page.click("form.form button[type=submit]")]);
    await page.goto("/chat?room=lobby");
    await page.locator("#chat-status", { hasText: "connected" }).waitFor();
    return page;
  }

  const lines = (page: Page) => page.locator("#chat-log li").allTextContents();

  it("delivers messages between two users in a room, names from their sessions", async () => {
    const ada = await signedIn("Ada");
    const grace = await signedIn("Grace");
    await ada.locator("#chat-log li", { hasText: "Grace joined" }).waitFor();

    await ada.fill("#chat-text", "Hello from Ada");
    await ada.click("#chat-form button");
    await grace.locator("#chat-log li", { hasText: "Ada: Hello from Ada" }).waitFor();

    const xss = "<img src=x onerror=alert(1)>";
    await grace.fill("#chat-text", xss);
    await grace.click("#chat-form button");
    await ada.locator("#chat-log li", { hasText: `Grace: ${xss}` }).waitFor();
    assert.equal(await ada.locator("#chat-log img").count(), 0, "a message is shown as text");
    await screenshot(ada, "20-chat");

    assert.ok((await lines(grace)).includes("Ada: Hello from Ada"));
    // Another room hears nothing of the lobby.
    const other = await contexts[0]!.newPage();
    await other.goto("/chat?room=random");
    await other.locator("#chat-status", { hasText: "connected" }).waitFor();
    await grace.fill("#chat-text", "lobby only");
    await grace.click("#chat-form button");
    await ada.locator("#chat-log li", { hasText: "Grace: lobby only" }).waitFor();
    assert.equal(
      (await lines(other)).some((text) => text.includes("lobby only")),
      false,
    );

    await grace.close();
    await ada.locator("#chat-log li", { hasText: "Grace left" }).waitFor();
  });

  it("asks to sign in first, and the socket refuses anonymous clients", async () => {
    const context = await browser.newContext({ baseURL: demo.url });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto("/chat");
    assert.ok(await page.locator("a.button[href='/account']").count());
    const status = await page.evaluate(
      `new Promise((resolve) => {
        const socket = new WebSocket(location.origin.replace("http", "ws") + "/chat/lobby/socket");
        socket.onopen = () => resolve("open");
        socket.onclose = (event) => resolve("closed " + event.code);
      })`,
    );
    assert.equal(status, "closed 1006");
  });
});
