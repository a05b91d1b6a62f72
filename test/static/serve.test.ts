import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { weakEtag } from "../../src/app/conditional.js";
import { serveStatic } from "../../src/app/static.js";
import { APP_JS, createFixture, DIGITS, type Fixture, MTIME } from "./fixture.js";
import { type RawRequest, rawRequest, startApp } from "./http-client.js";

const LAST_MODIFIED = MTIME.toUTCString();
const EARLIER = new Date(MTIME.getTime() - 3600_000).toUTCString();
const LATER = new Date(MTIME.getTime() + 3600_000).toUTCString();
const HELLO_ETAG = weakEtag(14, MTIME.getTime());

describe("serveStatic over TCP", () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startApp>>;
  const cachePaths: string[] = [];
  const get = (target: string, headers?: Record<string, string>, method?: string) =>
    rawRequest(server.port, { target, headers, method } as RawRequest);

  before(async () => {
    fixture = await createFixture();
    const root = fixture.root;
    server = await startApp((app) => {
      app.get("/static/*path", serveStatic(root));
      app.route("/any/*path", serveStatic(root));
      app.get("/pre/*path", serveStatic(root, { precompressed: true }));
      app.get("/gz-only/*path", serveStatic(root, { precompressed: ["gzip"] }));
      app.get("/noredirect/*path", serveStatic(root, { redirect: false }));
      app.get("/noindex/*path", serveStatic(root, { index: false }));
      app.get("/deny/*path", serveStatic(root, { dotfiles: "deny" }));
      app.get("/allow/*path", serveStatic(root, { dotfiles: "allow" }));
      app.get("/year/*path", serveStatic(root, { maxAge: 31536000, immutable: true }));
      app.get("/hour/*path", serveStatic(root, { maxAge: 3600 }));
      app.get("/nocache/*path", serveStatic(root, { cacheControl: false }));
      app.get(
        "/percss/*path",
        serveStatic(root, {
          maxAge: 60,
          cacheControl: (path) => {
            cachePaths.push(path);
            return path.endsWith(".css") ? "no-store" : undefined;
          },
        }),
      );
      app.get("/v/:version/*file", serveStatic(root));
      app.get("/named/*file", serveStatic(root, { param: "file" }));
      app.get("/wrong/*file", serveStatic(root, { param: "nope" }));
      app.get("/bare", serveStatic(root, { prefix: "/bare" }));
    });
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  describe("content types", () => {
    const cases: Array<[string, string, string]> = [
      ["hello.txt", "text/plain; charset=utf-8", "Hello, world!\n"],
      ["page.html", "text/html; charset=utf-8", "<p>page</p>"],
      ["style.css", "text/css; charset=utf-8", "body { color: red }"],
      ["app.js", "text/javascript; charset=utf-8", "console.log(1);"],
      ["data.json", "application/json; charset=utf-8", '{"a":1}'],
      ["unknown.xyz", "application/octet-stream", "unknown"],
      ["noext", "application/octet-stream", "no extension"],
      ["with%20space.txt", "text/plain; charset=utf-8", "spaced"],
      ["%C3%BCn%C3%AF.txt", "text/plain; charset=utf-8", "unicode name"],
      ["docs/guide.md", "text/markdown; charset=utf-8", "# Guide"],
      ["nested/deep/file.txt", "text/plain; charset=utf-8", "deep"],
      ["assets/app.js.gz", "application/gzip", ""],
    ];
    for (const [path, type, body] of cases) {
      it(`${path} → ${type}`, async () => {
        const response = await get(`/static/${path}`);
        assert.equal(response.status, 200);
        assert.equal(response.headers["content-type"], type);
        assert.equal(response.headers["content-encoding"], undefined);
        if (body !== "") assert.equal(response.body.toString(), body);
        assert.equal(Number(response.headers["content-length"]), response.body.length);
      });
    }
    it("image bytes are exact", async () => {
      const response = await get("/static/image.png");
      assert.equal(response.headers["content-type"], "image/png");
      assert.deepEqual(response.body, await readFile(join(fixture.root, "image.png")));
    });
    it("an empty file is a 200 with Content-Length 0", async () => {
      const response = await get("/static/empty.txt");
      assert.equal(response.status, 200);
      assert.equal(response.headers["content-length"], "0");
      assert.equal(response.body.length, 0);
    });
  });

  it("sends validators, Accept-Ranges and the default Cache-Control", async () => {
    const response = await get("/static/hello.txt");
    assert.equal(response.headers.etag, HELLO_ETAG);
    assert.equal(response.headers["last-modified"], LAST_MODIFIED);
    assert.equal(response.headers["accept-ranges"], "bytes");
    assert.equal(response.headers["cache-control"], "public, max-age=0");
    assert.equal(response.headers.vary, undefined);
  });

  it("HEAD sends the GET headers and no body", async () => {
    const response = await get("/static/hello.txt", {}, "HEAD");
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-length"], "14");
    assert.equal(response.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(response.headers.etag, HELLO_ETAG);
    assert.equal(response.body.length, 0);
  });

  it("HEAD ignores Range", async () => {
    const response = await get("/static/digits.txt", { range: "bytes=0-1" }, "HEAD");
    assert.equal(response.status, 200);
    assert.equal(response.headers["content-length"], "10");
    assert.equal(response.headers["content-range"], undefined);
  });

  describe("conditional requests", () => {
    const cases: Array<[string, Record<string, string>, number, string?]> = [
      ["If-None-Match same", { "if-none-match": HELLO_ETAG }, 304],
      ["If-None-Match strong form", { "if-none-match": HELLO_ETAG.slice(2) }, 304],
      ["If-None-Match list", { "if-none-match": `"a", ${HELLO_ETAG}, "b"` }, 304],
      ["If-None-Match *", { "if-none-match": "*" }, 304],
      ["If-None-Match other", { "if-none-match": '"other"' }, 200],
      ["INM miss wins over IMS hit", { "if-none-match": '"x"', "if-modified-since": LATER }, 200],
      [
        "INM hit wins over IMS miss",
        { "if-none-match": HELLO_ETAG, "if-modified-since": EARLIER },
        304,
      ],
      ["If-Modified-Since equal", { "if-modified-since": LAST_MODIFIED }, 304],
      ["If-Modified-Since later", { "if-modified-since": LATER }, 304],
      ["If-Modified-Since earlier", { "if-modified-since": EARLIER }, 200],
      ["If-Modified-Since garbage", { "if-modified-since": "tomorrow" }, 200],
      ["If-Match weak tag", { "if-match": HELLO_ETAG }, 412],
      ["If-Match *", { "if-match": "*" }, 200],
      ["If-Match other", { "if-match": '"nope"' }, 412],
      ["If-Match fails before INM", { "if-match": '"nope"', "if-none-match": HELLO_ETAG }, 412],
      ["If-Unmodified-Since earlier", { "if-unmodified-since": EARLIER }, 412],
      ["If-Unmodified-Since later", { "if-unmodified-since": LATER }, 200],
    ];
    for (const [name, headers, status] of cases) {
      it(`${name} → ${status}`, async () => {
        const response = await get("/static/hello.txt", headers);
        assert.equal(response.status, status);
        if (status === 304) {
          assert.equal(response.body.length, 0);
          assert.equal(response.headers.etag, HELLO_ETAG);
          assert.equal(response.headers["last-modified"], LAST_MODIFIED);
          assert.equal(response.headers["cache-control"], "public, max-age=0");
          assert.equal(response.headers["content-length"], undefined);
        } else if (status === 200) {
          assert.equal(response.body.toString(), "Hello, world!\n");
        }
      });
    }
    it("HEAD with a matching If-None-Match → 304", async () => {
      const response = await get("/static/hello.txt", { "if-none-match": HELLO_ETAG }, "HEAD");
      assert.equal(response.status, 304);
    });
  });

  describe("ranges", () => {
    const cases: Array<[string, Record<string, string>, number, string, string?]> = [
      ["first bytes", { range: "bytes=0-3" }, 206, "0123", "bytes 0-3/10"],
      ["open-ended", { range: "bytes=5-" }, 206, "56789", "bytes 5-9/10"],
      ["suffix", { range: "bytes=-3" }, 206, "789", "bytes 7-9/10"],
      ["suffix longer than file", { range: "bytes=-20" }, 206, DIGITS, "bytes 0-9/10"],
      ["end past the end", { range: "bytes=8-100" }, 206, "89", "bytes 8-9/10"],
      ["one byte", { range: "bytes=9-9" }, 206, "9", "bytes 9-9/10"],
      ["start at size", { range: "bytes=10-" }, 416, "", "bytes */10"],
      ["start past end", { range: "bytes=20-30" }, 416, "", "bytes */10"],
      ["empty suffix", { range: "bytes=-0" }, 416, "", "bytes */10"],
      ["reversed is ignored", { range: "bytes=5-2" }, 200, DIGITS],
      ["malformed is ignored", { range: "bytes=abc" }, 200, DIGITS],
      ["other unit is ignored", { range: "lines=0-1" }, 200, DIGITS],
      ["several ranges: whole file", { range: "bytes=0-1,4-5" }, 200, DIGITS],
      ["If-Range date match", { range: "bytes=0-1", "if-range": LAST_MODIFIED }, 206, "01"],
      ["If-Range old date", { range: "bytes=0-1", "if-range": EARLIER }, 200, DIGITS],
      [
        "If-Range weak ETag",
        { range: "bytes=0-1", "if-range": weakEtag(10, MTIME.getTime()) },
        200,
        DIGITS,
      ],
      ["If-Range garbage", { range: "bytes=0-1", "if-range": "whenever" }, 200, DIGITS],
    ];
    for (const [name, headers, status, body, contentRange] of cases) {
      it(`${name} → ${status}`, async () => {
        const response = await get("/static/digits.txt", headers);
        assert.equal(response.status, status);
        if (status !== 416) {
          assert.equal(response.body.toString(), body);
          assert.equal(Number(response.headers["content-length"]), body.length);
        }
        if (contentRange !== undefined) {
          assert.equal(response.headers["content-range"], contentRange);
        } else if (status === 200) {
          assert.equal(response.headers["content-range"], undefined);
        }
      });
    }
    it("an empty file has no satisfiable range", async () => {
      const response = await get("/static/empty.txt", { range: "bytes=0-" });
      assert.equal(response.status, 416);
      assert.equal(response.headers["content-range"], "bytes */0");
    });
    it("a failed precondition wins over Range", async () => {
      const response = await get("/static/digits.txt", {
        range: "bytes=0-1",
        "if-none-match": "*",
      });
      assert.equal(response.status, 304);
    });
  });

  describe("precompressed variants", () => {
    const cases: Array<[string, string | undefined, string | undefined]> = [
      ["/pre/assets/app.js", "br, gzip", "br"],
      ["/pre/assets/app.js", "gzip, deflate", "gzip"],
      ["/pre/assets/app.js", "br;q=0.5, gzip", "gzip"],
      ["/pre/assets/app.js", "br;q=0, gzip", "gzip"],
      ["/pre/assets/app.js", "*", "br"],
      ["/pre/assets/app.js", "identity", undefined],
      ["/pre/assets/app.js", "deflate", undefined],
      ["/pre/assets/app.js", undefined, undefined],
      ["/pre/assets/only-gz.css", "br", undefined],
      ["/pre/assets/only-gz.css", "br, gzip", "gzip"],
      ["/gz-only/assets/app.js", "br, gzip", "gzip"],
      ["/gz-only/assets/app.js", "br", undefined],
      ["/static/assets/app.js", "br, gzip", undefined],
    ];
    for (const [target, accept, encoding] of cases) {
      it(`${target} with ${String(accept)} → ${String(encoding ?? "identity")}`, async () => {
        const response = await get(
          target,
          accept === undefined ? {} : { "accept-encoding": accept },
        );
        assert.equal(response.status, 200);
        assert.equal(response.headers["content-encoding"], encoding);
        const file = target.replace(/^\/[^/]+\//, "");
        const suffix = encoding === "br" ? ".br" : encoding === "gzip" ? ".gz" : "";
        assert.deepEqual(response.body, await readFile(join(fixture.root, file + suffix)));
        assert.equal(Number(response.headers["content-length"]), response.body.length);
        assert.match(
          response.headers["content-type"]!,
          file.endsWith(".js") ? /^text\/javascript/ : /^text\/css/,
        );
        if (target.startsWith("/static/")) assert.equal(response.headers.vary, undefined);
        else assert.equal(response.headers.vary, "Accept-Encoding");
      });
    }
    it("each encoding has its own ETag, and a 304 only for its own", async () => {
      const br = await get("/pre/assets/app.js", { "accept-encoding": "br" });
      const gzip = await get("/pre/assets/app.js", { "accept-encoding": "gzip" });
      const plain = await get("/pre/assets/app.js");
      const tags = new Set([br.headers.etag, gzip.headers.etag, plain.headers.etag]);
      assert.equal(tags.size, 3);
      const hit = await get("/pre/assets/app.js", {
        "accept-encoding": "br",
        "if-none-match": br.headers.etag!,
      });
      assert.equal(hit.status, 304);
      assert.equal(hit.headers.vary, "Accept-Encoding");
      const miss = await get("/pre/assets/app.js", {
        "accept-encoding": "gzip",
        "if-none-match": br.headers.etag!,
      });
      assert.equal(miss.status, 200);
    });
    it("decoded variants equal the original", async () => {
      const { brotliDecompressSync, gunzipSync } = await import("node:zlib");
      const br = await get("/pre/assets/app.js", { "accept-encoding": "br" });
      const gzip = await get("/pre/assets/app.js", { "accept-encoding": "gzip" });
      assert.equal(brotliDecompressSync(br.body).toString(), APP_JS);
      assert.equal(gunzipSync(gzip.body).toString(), APP_JS);
    });
    it("a range applies to the encoded bytes", async () => {
      const full = await readFile(join(fixture.root, "assets/app.js.gz"));
      const response = await get("/pre/assets/app.js", {
        "accept-encoding": "gzip",
        range: "bytes=0-9",
      });
      assert.equal(response.status, 206);
      assert.equal(response.headers["content-encoding"], "gzip");
      assert.equal(response.headers["content-range"], `bytes 0-9/${full.length}`);
      assert.deepEqual(response.body, full.subarray(0, 10));
    });
  });

  describe("directories and index files", () => {
    it("serves index.html for a directory URL", async () => {
      const response = await get("/static/docs/");
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), "<h1>docs</h1>");
      assert.equal(response.headers["content-type"], "text/html; charset=utf-8");
    });
    it("serves the root's index for the empty path", async () => {
      const response = await get("/static/");
      assert.equal(response.body.toString(), "<!doctype html><title>home</title>");
    });
    it("redirects a directory without its slash, keeping the query", async () => {
      const plain = await get("/static/docs");
      assert.equal(plain.status, 301);
      assert.equal(plain.headers.location, "/static/docs/");
      const query = await get("/static/docs?lang=en&x=1");
      assert.equal(query.headers.location, "/static/docs/?lang=en&x=1");
      const encoded = await get("/static/%64ocs");
      // The redirect is built from the canonical path, where %64 is "d".
      assert.equal(encoded.headers.location, "/static/docs/");
    });
    const missing: Array<[string, number]> = [
      ["/static/noindex/", 404],
      ["/static/hello.txt/", 404],
      ["/static/missing.txt", 404],
      ["/static/missing/", 404],
      ["/noredirect/docs", 404],
      ["/noindex/docs/", 404],
      ["/noindex/hello.txt", 200],
    ];
    for (const [target, status] of missing) {
      it(`${target} → ${status}`, async () => assert.equal((await get(target)).status, status));
    }
  });

  describe("dotfiles", () => {
    const cases: Array<[string, number]> = [
      ["/static/.secret", 404],
      ["/deny/.secret", 403],
      ["/deny/.hidden/file.txt", 403],
      ["/allow/.secret", 200],
      ["/allow/.hidden/file.txt", 200],
    ];
    for (const [target, status] of cases) {
      it(`${target} → ${status}`, async () => assert.equal((await get(target)).status, status));
    }
  });

  describe("Cache-Control", () => {
    const cases: Array<[string, string | undefined]> = [
      ["/static/style.css", "public, max-age=0"],
      ["/year/style.css", "public, max-age=31536000, immutable"],
      ["/hour/style.css", "public, max-age=3600"],
      ["/nocache/style.css", undefined],
      ["/percss/style.css", "no-store"],
      ["/percss/hello.txt", "public, max-age=60"],
    ];
    for (const [target, value] of cases) {
      it(`${target} → ${String(value)}`, async () => {
        const response = await get(target);
        assert.equal(response.status, 200);
        assert.equal(response.headers["cache-control"], value);
      });
    }
    it("the function sees paths relative to the root, index files included", async () => {
      cachePaths.length = 0;
      await get("/percss/docs/");
      await get("/percss/nested/deep/file.txt");
      assert.deepEqual(cachePaths, ["docs/index.html", "nested/deep/file.txt"]);
    });
    it("is also on 304 responses", async () => {
      const response = await get("/year/style.css", { "if-modified-since": LATER });
      assert.equal(response.status, 304);
      assert.equal(response.headers["cache-control"], "public, max-age=31536000, immutable");
    });
  });

  describe("methods and route parameters", () => {
    it("answers other methods with 405 and Allow: GET, HEAD", async () => {
      for (const method of ["POST", "PUT", "DELETE"]) {
        const response = await get("/any/hello.txt", {}, method);
        assert.equal(response.status, 405);
        assert.equal(response.headers.allow, "GET, HEAD");
      }
      assert.equal((await get("/any/hello.txt")).status, 200);
    });
    it("uses the last parameter (the catch-all) by default", async () => {
      const response = await get("/v/123/hello.txt");
      assert.equal(response.body.toString(), "Hello, world!\n");
    });
    it("uses the named parameter", async () => {
      const response = await get("/named/docs/guide.md");
      assert.equal(response.body.toString(), "# Guide");
    });
    it("a parameter the route does not have is a server error", async () => {
      assert.equal((await get("/wrong/hello.txt")).status, 500);
    });
    it("a route without parameters uses the path after `prefix`", async () => {
      const response = await get("/bare");
      assert.equal(response.body.toString(), "<!doctype html><title>home</title>");
    });
  });
});
