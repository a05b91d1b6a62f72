import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { ConfigError, etagPlugin, html, Server } from "../../src/index.js";
import { overTcp } from "./helpers.js";

function tagOf(text: string): string {
  const bytes = Buffer.from(text);
  const digest = createHash("sha1").update(bytes).digest("base64url");
  return `W/"${bytes.length.toString(16)}-${digest}"`;
}

function etagApp(options = {}, serverOptions = {}): Server {
  const app = new Server({ logger: false, ...serverOptions });
  app.use(etagPlugin(options));
  let version = 1;
  app.get("/text", () => `version ${version}`);
  app.post("/bump", () => {
    version++;
    return "bumped";
  });
  app.get("/json", (_request, response) => {
    response.headers.set("cache-control", "no-cache");
    return { items: [1, 2, 3] };
  });
  app.get("/page", () => html`<p>${"a < b"}</p>`);
  app.get("/own-tag", (_request, response) => {
    response.headers.set("etag", '"v42"');
    return "tagged by the handler";
  });
  app.get("/stream", () => Readable.from(["streamed"]));
  app.get("/created", (_request, response) => response.setStatus(201).text("made"));
  app.get("/big", () => "x".repeat(100));
  return app;
}

describe("ETag plugin", () => {
  test("a dynamic body gets a weak tag of its bytes; If-None-Match with it gives 304", async () => {
    await overTcp(etagApp(), async (client) => {
      const first = await client.request("GET", "/text");
      assert.equal(first.status, 200);
      assert.equal(first.headers.get("etag"), tagOf("version 1"));
      const again = await client.request("GET", "/text", { "if-none-match": tagOf("version 1") });
      assert.equal(again.status, 304);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.get("etag"), tagOf("version 1"));
      assert.equal(again.headers.has("content-type"), false);
      assert.equal(again.headers.has("content-length"), false);

      await client.request("POST", "/bump");
      const changed = await client.request("GET", "/text", { "if-none-match": tagOf("version 1") });
      assert.equal(changed.status, 200);
      assert.equal(changed.text, "version 2");
      assert.equal(changed.headers.get("etag"), tagOf("version 2"));
    });
  });

  test("JSON and html bodies are tagged as sent; caching headers survive into the 304", async () => {
    await overTcp(etagApp(), async (client) => {
      const json = await client.request("GET", "/json");
      assert.equal(json.headers.get("content-type"), "application/json; charset=utf-8");
      assert.equal(json.headers.get("etag"), tagOf('{"items":[1,2,3]}'));
      const cached = await client.request("GET", "/json", {
        "if-none-match": `"other", ${tagOf('{"items":[1,2,3]}')}`,
      });
      assert.equal(cached.status, 304);
      assert.equal(cached.headers.get("cache-control"), "no-cache");
      const page = await client.request("GET", "/page");
      assert.equal(page.text, "<p>a &lt; b</p>");
      assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
      assert.equal(page.headers.get("etag"), tagOf("<p>a &lt; b</p>"));
      // A strong tag in If-None-Match matches weakly (RFC 9110 §13.1.2), and * matches any.
      const strong = tagOf("<p>a &lt; b</p>").slice(2);
      assert.equal((await client.request("GET", "/page", { "if-none-match": strong })).status, 304);
      assert.equal((await client.request("GET", "/page", { "if-none-match": "*" })).status, 304);
    });
  });

  test("HEAD gets GET's tag and 304; the handler's own tag is used as it is", async () => {
    await overTcp(etagApp(), async (client) => {
      const head = await client.request("HEAD", "/text");
      assert.equal(head.headers.get("etag"), tagOf("version 1"));
      assert.equal(
        (await client.request("HEAD", "/text", { "if-none-match": tagOf("version 1") })).status,
        304,
      );
      const own = await client.request("GET", "/own-tag", { "if-none-match": '"v42"' });
      assert.equal(own.status, 304);
      assert.equal(own.headers.get("etag"), '"v42"');
    });
  });

  test("streams, non-200 answers, other methods and bodies over maxBytes are left alone", async () => {
    await overTcp(etagApp({ maxBytes: 50 }), async (client) => {
      const checks: Array<[string, string]> = [
        ["GET", "/stream"],
        ["GET", "/created"],
        ["POST", "/bump"],
        ["GET", "/big"],
        ["GET", "/nowhere"],
      ];
      for (const [method, url] of checks) {
        const response = await client.request(method, url, { "if-none-match": "*" });
        assert.notEqual(response.status, 304, url);
        assert.equal(response.headers.has("etag"), false, url);
      }
      assert.equal((await client.request("GET", "/stream")).text, "streamed");
    });
  });

  test("with compression the tag stays the same and a 304 is still found", async () => {
    const app = etagApp({}, { compression: { threshold: 0 } });
    await overTcp(app, async (client) => {
      const gzip = { "accept-encoding": "gzip" };
      const compressed = await client.request("GET", "/json", gzip);
      assert.equal(compressed.headers.get("content-encoding"), "gzip");
      assert.equal(compressed.headers.get("etag"), tagOf('{"items":[1,2,3]}'));
      const tag = compressed.headers.get("etag")!;
      const cached = await client.request("GET", "/json", { ...gzip, "if-none-match": tag });
      assert.equal(cached.status, 304);
    });
  });

  test("maxBytes is checked", () => {
    assert.throws(() => etagPlugin({ maxBytes: -1 }), ConfigError);
    assert.throws(() => etagPlugin({ weak: true } as object), /Unknown etagPlugin option `weak`/);
  });
});
