import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningDemo, startDemo, storedGuestbook } from "./harness.js";

const XSS = `<script>alert(1)</script><img src=x onerror="alert(2)">'&`;

describe("demo: guestbook form", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  it("stores a valid entry, redirects, flashes and lists it", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/guestbook");
    const response = await client.postForm("/guestbook", {
      name: "  Ada  ",
      message: "Hello from the tests",
      _csrf: token,
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/guestbook");
    const { html } = await client.page("/guestbook");
    assert.ok(html.includes("Thanks for signing the guestbook!"));
    assert.match(html, /<strong>Ada<\/strong>/, "trimmed");
    assert.ok(html.includes("Hello from the tests"));
    const saved = await storedGuestbook(demo.dataDir);
    assert.ok(saved.some((entry) => entry.message === "Hello from the tests"));
  });

  it("renders an XSS payload as text, never as markup", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/guestbook");
    const posted = await client.postForm("/guestbook", {
      name: "<b>Eve</b>",
      message: XSS,
      _csrf: token,
    });
    assert.equal(posted.status, 303, await posted.text());
    const { html } = await client.page("/guestbook");
    assert.ok(!html.includes("<script>alert(1)"));
    assert.ok(!html.includes("<img src=x"));
    assert.ok(!html.includes("<b>Eve</b>"));
    assert.ok(html.includes("<strong>&lt;b&gt;Eve&lt;/b&gt;</strong>"));
    assert.ok(
      html.includes(
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#39;&amp;",
      ),
    );
  });

  const invalid: Array<[string, Record<string, string>, string[]]> = [
    ["empty fields", { name: "", message: "" }, ["Name is required", "Message is required"]],
    ["blank message", { name: "Bob", message: "   " }, ["Message is required"]],
    ["missing fields", {}, ["Name is required", "Message is required"]],
    [
      "a too long message",
      { name: "Bob", message: "x".repeat(501) },
      ["Message must be at most 500 characters (got 501)"],
    ],
    ["a too long name", { name: "n".repeat(41), message: "hi" }, ["Name must be at most 40"]],
  ];

  for (const [label, fields, errors] of invalid) {
    it(`answers ${label} with a 400 page keeping the form, the input and the errors`, async () => {
      const client = demo.client();
      const token = await client.csrfFrom("/guestbook");
      const before = JSON.stringify(await storedGuestbook(demo.dataDir));
      const response = await client.postForm("/guestbook", { ...fields, _csrf: token });
      assert.equal(response.status, 400);
      const html = await response.text();
      assert.ok(html.includes('id="guestbook-form"'));
      assert.ok(html.includes("Please fix the highlighted fields."));
      for (const error of errors) assert.ok(html.includes(error), `missing "${error}"`);
      if (fields.name) assert.ok(html.includes(`value="${fields.name}"`), "keeps the input");
      const after = JSON.stringify(await storedGuestbook(demo.dataDir));
      assert.equal(after, before, "nothing stored");
    });
  }

  it("answers a malformed form body with a 400 page, not a stack trace", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/guestbook");
    const before = JSON.stringify(await storedGuestbook(demo.dataDir));
    const response = await client.fetch("/guestbook", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `_csrf=${token}&name=%ZZ&message=%`,
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    const html = await response.text();
    assert.ok(html.includes("That didn&#39;t look right"), html.slice(0, 300));
    assert.ok(html.includes("Malformed percent-encoding"));
    assert.ok(html.includes('class="site-header"'), "in the site layout");
    assert.ok(!/\bat .*\.js:\d+/.test(html), "no stack trace");
    const after = JSON.stringify(await storedGuestbook(demo.dataDir));
    assert.equal(after, before, "nothing stored");
  });

  it("answers a body over the route's limit with a 413 page", async () => {
    const client = demo.client();
    const token = await client.csrfFrom("/guestbook");
    const response = await client.postForm("/guestbook", {
      name: "Big",
      message: "x".repeat(20_000),
      _csrf: token,
    });
    assert.equal(response.status, 413);
    assert.ok((await response.text()).includes("That was too large"));
  });

  it("keeps entries across restarts (JSON file under the data dir)", async () => {
    const other = await startDemo({ dataDir: demo.dataDir });
    try {
      const { html } = await other.client().page("/guestbook");
      assert.ok(html.includes("Hello from the tests"));
    } finally {
      await other.close();
    }
  });
});
