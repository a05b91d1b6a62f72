import assert from "node:assert/strict";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parsePartHead } from "../../src/app/body/multipart-head.js";
import { evaluatePreconditions } from "../../src/app/conditional.js";
import { serveStatic } from "../../src/app/static.js";
import { escapeHtml, html, safeUrl } from "../../src/app/template.js";
import { matrix, newApp } from "./matrix.js";

/**
 * Issue 13 items 5 and 7: redirect() with a lone surrogate, a safe redirect mode for targets
 * from the client, safeUrl and scheme-relative URLs, html with values String() throws on,
 * control characters in multipart file names, and a future If-Modified-Since.
 */

/** Every off-site spelling a `?next=` parameter can carry; none may leave the site. */
const OFF_SITE = [
  "//evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "\\/evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "\u0000//evil.example",
  "https://evil.example/",
  "javascript:alert(1)",
  "evil.example",
  "",
];

describe("safeUrl", () => {
  test("refuses scheme-relative URLs in every spelling a browser reads as one", () => {
    for (const url of OFF_SITE.slice(0, 9)) assert.equal(safeUrl(url), "about:blank", url);
  });
  test("still passes paths, queries, fragments and http(s)", () => {
    for (const url of ["/", "/a//b", "/a\\b", "?q=1", "#top", "page.html", "https://ok.example/"]) {
      assert.equal(safeUrl(url), url);
    }
  });
});

describe("html and escapeHtml with values String() throws on", () => {
  test("a null-prototype object renders instead of throwing", () => {
    const bare = Object.assign(Object.create(null) as object, { a: "<b>" });
    assert.equal(html`<p>${bare}</p>`.value, "<p>[object Object]</p>");
    const hostile = {
      toString(): string {
        throw new Error("no");
      },
    };
    assert.equal(html`${hostile}`.value, "[object Object]");
  });
  test("escapeHtml escapes an array (from untyped code) instead of throwing", () => {
    const value = ["<script>", "&"] as unknown as string;
    assert.equal(escapeHtml(value), "&lt;script&gt;,&amp;");
    assert.equal(escapeHtml(Object.create(null) as string), "[object Object]");
  });
});

describe("multipart file names", () => {
  const head = (disposition: string) =>
    parsePartHead(Buffer.from(`Content-Disposition: form-data; ${disposition}`, "latin1"));
  test("control characters are removed from filename and filename*", () => {
    const cases: Array<[string, string]> = [
      ['name="f"; filename="a%0D%0Ab.txt"', "ab.txt"],
      ['name="f"; filename="evil\r.txt"'.replace("\r", "\t"), "evil.txt"],
      ["name=\"f\"; filename*=UTF-8''a%00b%0d%0a%7F%C2%85.txt", "ab.txt"],
      ["name=\"f\"; filename*=UTF-8''.%00.", ""],
      ["name=\"f\"; filename*=UTF-8''x%2F..%00%2F..%2Fpasswd", "passwd"],
      ['name="f"; filename="caf\u00c3\u00a9 (1).txt"', "café (1).txt"],
    ];
    for (const [disposition, filename] of cases) {
      assert.equal(head(disposition).filename, filename, disposition);
    }
  });
});

describe("If-Modified-Since in the future (RFC 9110 §13.1.3)", () => {
  const lastModified = Date.UTC(2024, 0, 2, 3, 4, 5);
  const now = Date.UTC(2024, 5, 1);
  const validators = { etag: undefined, lastModified };
  test("is ignored: the representation is sent", () => {
    const future = new Date(now + 86_400_000).toUTCString();
    assert.equal(
      evaluatePreconditions("GET", { ifModifiedSince: future }, validators, now),
      "proceed",
    );
  });
  test("a past date at or after Last-Modified still answers 304", () => {
    const past = new Date(now - 86_400_000).toUTCString();
    assert.equal(
      evaluatePreconditions("GET", { ifModifiedSince: past }, validators, now),
      "not-modified",
    );
  });
});

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "slow-serv-hardening-"));
  await writeFile(join(root, "page.txt"), "page");
  await utimes(join(root, "page.txt"), new Date("2024-01-02"), new Date("2024-01-02"));
});
after(() => rm(root, { recursive: true, force: true }));

matrix("redirects and conditional requests", (check) => {
  check("redirect() with a lone surrogate is a redirect, not a 500", async (serve) => {
    const app = newApp();
    app.post("/go", async (request, response) => {
      const { to } = await request.json<{ to: string }>();
      response.redirect(to);
    });
    const client = await serve(app);
    for (const [body, location] of [
      ['{"to":"/\\ud800"}', "/%EF%BF%BD"],
      ['{"to":"/a\\udc00b"}', "/a%EF%BF%BDb"],
      ['{"to":"/\\ud83d\\ude00"}', "/%F0%9F%98%80"],
    ] as const) {
      const response = await client.request("POST", "/go", {
        headers: { "content-type": "application/json" },
        body,
      });
      assert.equal(response.status, 302, body);
      assert.equal(response.headers.get("location"), location, body);
    }
  });

  check(
    "redirect(target, { local: true }) refuses every off-site target with 400",
    async (serve) => {
      const app = newApp();
      app.post("/login", async (request, response) => {
        const { next } = await request.json<{ next: string }>();
        response.redirect(next, { local: true, status: 303 });
      });
      const client = await serve(app);
      const post = (next: string) =>
        client.request("POST", "/login", {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ next }),
        });
      for (const next of OFF_SITE) {
        const response = await post(next);
        assert.equal(response.status, 400, JSON.stringify(next));
        assert.ok(!response.headers.has("location"), JSON.stringify(next));
      }
      for (const [next, location] of [
        ["/account", "/account"],
        ["/a/b?x=1#y", "/a/b?x=1#y"],
        ["/%2F/x", "/%2F/x"],
        ["/caf\u00e9", "/caf%C3%A9"],
      ]) {
        const response = await post(next!);
        assert.equal(response.status, 303, next);
        assert.equal(response.headers.get("location"), location, next);
      }
    },
  );

  check("a future If-Modified-Since gets the file (200), a past one 304", async (serve) => {
    const app = newApp();
    app.get("/files/*path", serveStatic(root));
    const client = await serve(app);
    const future = await client.get("/files/page.txt", {
      headers: { "if-modified-since": "Fri, 01 Jan 2100 00:00:00 GMT" },
    });
    assert.equal(future.status, 200);
    assert.equal(future.text, "page");
    const past = await client.get("/files/page.txt", {
      headers: { "if-modified-since": "Wed, 03 Jan 2024 00:00:00 GMT" },
    });
    assert.equal(past.status, 304);
  });
});
