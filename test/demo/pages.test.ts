import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { publicDir } from "../../examples/demo/paths.js";
import { type RunningDemo, startDemo } from "./harness.js";

describe("demo: pages, static files and error pages", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  const pages = [
    ["/", "Home"],
    ["/account", "Sign in"],
    ["/cookies", "Cookies"],
    ["/guestbook", "Guestbook"],
    ["/files", "Files"],
    ["/notes", "Notes API"],
    ["/stream", "Live stream"],
  ] as const;

  for (const [path, title] of pages) {
    it(`GET ${path} renders in the layout with timing headers`, async () => {
      const { response, html } = await demo.client().page(path);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
      assert.ok(html.includes(`<title>${title} · slow-serv demo</title>`), html.slice(0, 300));
      assert.ok(html.includes('<link rel="stylesheet" href="/static/site.css">'));
      assert.ok(html.includes('class="site-footer"'));
      assert.match(response.headers.get("server-timing") ?? "", /^app;dur=\d+(\.\d+)?$/);
      assert.match(response.headers.get("x-response-time") ?? "", /^\d+(\.\d+)?ms$/);
    });
  }

  it("the home page links to every page", async () => {
    const { html } = await demo.client().page("/");
    for (const [path] of pages) assert.ok(html.includes(`href="${path}"`), `missing link ${path}`);
  });

  const assets = [
    ["site.css", /^text\/css/],
    ["app.js", /javascript/],
    ["logo.svg", /^image\/svg\+xml/],
  ] as const;

  for (const [file, type] of assets) {
    it(`serves /static/${file} with caching headers and revalidation`, async () => {
      const client = demo.client();
      const response = await client.fetch(`/static/${file}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type") ?? "", type);
      assert.equal(response.headers.get("cache-control"), "public, max-age=3600");
      const body = Buffer.from(await response.arrayBuffer());
      assert.deepEqual(body, await readFile(join(publicDir, file)));
      const etag = response.headers.get("etag");
      assert.ok(etag);
      const again = await client.fetch(`/static/${file}`, { headers: { "if-none-match": etag } });
      assert.equal(again.status, 304);
      assert.equal((await again.arrayBuffer()).byteLength, 0);
    });
  }

  it("refuses to leave the static folder", async () => {
    for (const path of ["/static/../app.js", "/static/%2e%2e/app.ts", "/static/.hidden"]) {
      const response = await demo.client().fetch(path);
      await response.arrayBuffer();
      assert.ok([400, 404].includes(response.status), `${path} gave ${response.status}`);
    }
  });

  it("answers an unknown page with a 404 page in the site layout", async () => {
    const { response, html } = await demo.client().page("/no/such/page");
    assert.equal(response.status, 404);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.ok(html.includes("Page not found"));
    assert.ok(html.includes('class="site-header"'));
    assert.doesNotMatch(html, /\n\s+at /, "no stack trace");
  });

  it("answers a wrong method with a 405 page and an Allow header", async () => {
    const { response, html } = await demo.client().page("/signout");
    assert.equal(response.status, 405);
    assert.match(response.headers.get("allow") ?? "", /POST/);
    assert.ok(html.includes("Method not allowed"));
    assert.ok(html.includes('class="site-header"'));
  });

  it("answers HEAD like GET without a body", async () => {
    const response = await demo.client().fetch("/", { method: "HEAD" });
    assert.equal(response.status, 200);
    assert.equal((await response.arrayBuffer()).byteLength, 0);
  });

  it("escapes request data echoed on the home page", async () => {
    const { html } = await demo.client().page("/?q=<script>alert(1)</script>");
    assert.ok(!html.includes("<script>alert(1)"));
  });
});
