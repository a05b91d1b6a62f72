import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before } from "node:test";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { weakEtag } from "../../src/app/conditional.js";
import type { Server } from "../../src/app/server.js";
import { serveStatic } from "../../src/app/static.js";
import { type Client, type ClientResponse, matrix, newApp } from "../framework/matrix.js";
import { ATTEMPTS } from "./attempts.js";
import { APP_JS, createFixture, DIGITS, type Fixture, MTIME, SECRET } from "./fixture.js";

/**
 * Static files and compression through the framework's test matrix: every case runs through
 * `app.inject()` and over real TCP. Requests are written byte for byte (`client.raw`), because
 * fetch would normalise "..", backslashes and escapes away and would decode compressed bodies.
 * The exhaustive tables stay in serve.test.ts and compress.test.ts (TCP); this file proves that
 * in-memory and real traffic agree on each feature.
 */

let fixture: Fixture;
before(async () => {
  fixture = await createFixture();
});
after(() => fixture.cleanup());

const LAST_MODIFIED = MTIME.toUTCString();
const EARLIER = new Date(MTIME.getTime() - 3600_000).toUTCString();
const LATER = new Date(MTIME.getTime() + 3600_000).toUTCString();
const HELLO_ETAG = weakEtag(14, MTIME.getTime());
const TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(100);

async function send(
  client: Client,
  target: string,
  headers: Record<string, string> = {},
  method = "GET",
): Promise<ClientResponse> {
  const lines = Object.entries({ host: "localhost", ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const responses = await client.raw(`${method} ${target} HTTP/1.1\r\n${lines}\r\n`);
  const finals = responses.filter((response) => response.status >= 200);
  assert.equal(finals.length, 1, `one response to ${method} ${target}`);
  return finals[0]!;
}

function staticApp(): Server {
  const root = fixture.root;
  const app = newApp();
  app.get("/static/*path", serveStatic(root));
  app.get("/pre/*path", serveStatic(root, { precompressed: true }));
  app.get("/year/*path", serveStatic(root, { maxAge: 31536000, immutable: true }));
  app.get("/nocache/*path", serveStatic(root, { cacheControl: false }));
  app.get("/follow/*path", serveStatic(root, { followSymlinks: true }));
  return app;
}

matrix("serveStatic", (check) => {
  check("no traversal: encoded .., backslashes, NUL, symlinks out of the root", async (serve) => {
    const client = await serve(staticApp());
    for (const [target, status] of ATTEMPTS) {
      const response = await send(client, target, { accept: "text/plain" });
      assert.equal(response.status, status, target);
      assert.ok(!response.text.includes(SECRET), `${target} leaked a file outside the root`);
      assert.ok(!response.text.includes("root:"), `${target} leaked /etc/passwd`);
    }
    assert.equal((await send(client, "/static/link-in")).text, "Hello, world!\n");
    assert.equal((await send(client, "/follow/link-out")).text, SECRET, "opt-in follows links");
  });

  check("a file: type, length, validators, Cache-Control; HEAD without a body", async (serve) => {
    const client = await serve(staticApp());
    const get = await send(client, "/static/hello.txt");
    assert.equal(get.status, 200);
    assert.equal(get.text, "Hello, world!\n");
    assert.equal(get.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(get.headers.get("content-length"), "14");
    assert.equal(get.headers.get("etag"), HELLO_ETAG);
    assert.equal(get.headers.get("last-modified"), LAST_MODIFIED);
    assert.equal(get.headers.get("accept-ranges"), "bytes");
    assert.equal(get.headers.get("cache-control"), "public, max-age=0");
    const head = await send(client, "/static/hello.txt", {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    for (const name of ["content-type", "content-length", "etag", "last-modified"]) {
      assert.equal(head.headers.get(name), get.headers.get(name), name);
    }
    const index = await send(client, "/static/docs/");
    assert.equal(index.text, "<h1>docs</h1>");
    const redirect = await send(client, "/static/docs?x=1");
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get("location"), "/static/docs/?x=1");
  });

  check("Cache-Control options", async (serve) => {
    const client = await serve(staticApp());
    const year = await send(client, "/year/style.css");
    assert.equal(year.headers.get("cache-control"), "public, max-age=31536000, immutable");
    const none = await send(client, "/nocache/style.css");
    assert.equal(none.status, 200);
    assert.equal(none.headers.get("cache-control"), null);
    const revalidated = await send(client, "/year/style.css", { "if-modified-since": LATER });
    assert.equal(revalidated.status, 304);
    assert.equal(revalidated.headers.get("cache-control"), "public, max-age=31536000, immutable");
  });

  check("304s, and If-None-Match takes precedence over If-Modified-Since", async (serve) => {
    const client = await serve(staticApp());
    const cases: Array<[Record<string, string>, number]> = [
      [{ "if-none-match": HELLO_ETAG }, 304],
      [{ "if-none-match": '"other"' }, 200],
      [{ "if-modified-since": LAST_MODIFIED }, 304],
      [{ "if-modified-since": EARLIER }, 200],
      [{ "if-none-match": '"other"', "if-modified-since": LATER }, 200],
      [{ "if-none-match": HELLO_ETAG, "if-modified-since": EARLIER }, 304],
      [{ "if-match": '"nope"' }, 412],
      [{ "if-unmodified-since": EARLIER }, 412],
    ];
    for (const [headers, status] of cases) {
      const response = await send(client, "/static/hello.txt", headers);
      assert.equal(response.status, status, JSON.stringify(headers));
      if (status === 304) {
        assert.equal(response.body.length, 0);
        assert.equal(response.headers.get("etag"), HELLO_ETAG);
      }
    }
    const head = await send(client, "/static/hello.txt", { "if-none-match": HELLO_ETAG }, "HEAD");
    assert.equal(head.status, 304);
  });

  check("one range → 206, unsatisfiable → 416, several → the whole file", async (serve) => {
    const client = await serve(staticApp());
    const partial = await send(client, "/static/digits.txt", { range: "bytes=2-4" });
    assert.equal(partial.status, 206);
    assert.equal(partial.text, "234");
    assert.equal(partial.headers.get("content-range"), "bytes 2-4/10");
    assert.equal(partial.headers.get("content-length"), "3");
    const suffix = await send(client, "/static/digits.txt", { range: "bytes=-3" });
    assert.equal(suffix.text, "789");
    const beyond = await send(client, "/static/digits.txt", { range: "bytes=10-" });
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get("content-range"), "bytes */10");
    const several = await send(client, "/static/digits.txt", { range: "bytes=0-1,4-5" });
    assert.equal(several.status, 200);
    assert.equal(several.text, DIGITS);
    const head = await send(client, "/static/digits.txt", { range: "bytes=0-1" }, "HEAD");
    assert.equal(head.status, 200, "HEAD ignores Range");
    assert.equal(head.body.length, 0);
  });

  check("precompressed .br/.gz siblings when accepted, with Vary", async (serve) => {
    const client = await serve(staticApp());
    const br = await send(client, "/pre/assets/app.js", { "accept-encoding": "br, gzip" });
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(br.headers.get("vary"), "Accept-Encoding");
    assert.equal(br.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(brotliDecompressSync(br.body).toString(), APP_JS);
    const gzip = await send(client, "/pre/assets/app.js", { "accept-encoding": "gzip" });
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.deepEqual(gzip.body, await readFile(join(fixture.root, "assets/app.js.gz")));
    const plain = await send(client, "/pre/assets/app.js");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(plain.headers.get("vary"), "Accept-Encoding");
    assert.equal(plain.text, APP_JS);
    assert.notEqual(br.headers.get("etag"), plain.headers.get("etag"));
    const outside = await send(client, "/pre/assets/sib.js", { "accept-encoding": "gzip" });
    assert.equal(outside.text, "sibling js", "a sibling linking out of the root is not served");
  });
});

function compressedApp(): Server {
  const app = newApp({ compression: true });
  app.get("/text", () => TEXT);
  app.get("/small", () => "tiny");
  app.get("/json", () => ({ text: TEXT }));
  app.get("/png", (_request, response) => {
    response.headers.set("content-type", "image/png");
    return Buffer.from(TEXT);
  });
  app.get("/zip", (_request, response) => {
    response.headers.set("content-type", "application/zip");
    return Buffer.from(TEXT);
  });
  app.get("/no-transform", (_request, response) => {
    response.headers.set("cache-control", "no-transform");
    return TEXT;
  });
  app.get("/static/*path", serveStatic(fixture.root));
  return app;
}

matrix("compression", (check) => {
  check("gzip and brotli by Accept-Encoding, with Vary and no Content-Length", async (serve) => {
    const client = await serve(compressedApp());
    const br = await send(client, "/text", { "accept-encoding": "gzip, br" });
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(br.headers.get("vary"), "Accept-Encoding");
    assert.equal(brotliDecompressSync(br.body).toString(), TEXT);
    const gzip = await send(client, "/json", { "accept-encoding": "gzip;q=1, br;q=0.1" });
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.deepEqual(JSON.parse(gunzipSync(gzip.body).toString()), { text: TEXT });
    const identity = await send(client, "/text", { "accept-encoding": "identity" });
    assert.equal(identity.headers.get("content-encoding"), null);
    assert.equal(identity.headers.get("vary"), "Accept-Encoding");
    assert.equal(identity.text, TEXT);
    const none = await send(client, "/text");
    assert.equal(none.headers.get("content-encoding"), null);
    assert.equal(none.text, TEXT);
  });

  check("never for already-compressed types, small bodies or no-transform", async (serve) => {
    const client = await serve(compressedApp());
    const accept = { "accept-encoding": "gzip, br" };
    for (const path of ["/png", "/zip"]) {
      const response = await send(client, path, accept);
      assert.equal(response.headers.get("content-encoding"), null, path);
      assert.equal(response.headers.get("vary"), null, `${path}: nothing varies`);
      assert.equal(response.text, TEXT, path);
    }
    const image = await send(client, "/static/image.png", accept);
    assert.equal(image.headers.get("content-encoding"), null);
    const small = await send(client, "/small", accept);
    assert.equal(small.headers.get("content-encoding"), null);
    assert.equal(small.headers.get("vary"), "Accept-Encoding");
    // HEAD says what GET would send (RFC 9110 §9.3.2), without a body.
    const get = await send(client, "/text", accept);
    const head = await send(client, "/text", accept, "HEAD");
    assert.equal(head.headers.get("content-encoding"), get.headers.get("content-encoding"));
    assert.equal(head.headers.get("content-length"), String(get.body.length));
    assert.equal(head.body.length, 0);
    const noTransform = await send(client, "/no-transform", accept);
    assert.equal(noTransform.headers.get("content-encoding"), null);
  });

  check("a compressed static file keeps working with ranges and validators", async (serve) => {
    const client = await serve(compressedApp());
    const accept = { "accept-encoding": "gzip" };
    const js = await send(client, "/static/assets/app.js", accept);
    assert.equal(js.headers.get("content-encoding"), "gzip");
    assert.equal(gunzipSync(js.body).toString(), APP_JS);
    assert.match(js.headers.get("etag") ?? "", /^W\//);
    const range = await send(client, "/static/assets/app.js", { ...accept, range: "bytes=0-9" });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get("content-encoding"), null, "a 206 is never compressed");
    assert.equal(range.text, APP_JS.slice(0, 10));
    const etag = js.headers.get("etag")!;
    const notModified = await send(client, "/static/assets/app.js", {
      ...accept,
      "if-none-match": etag,
    });
    assert.equal(notModified.status, 304);
  });
});
