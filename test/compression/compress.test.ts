import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { brotliDecompressSync, gunzipSync, gzipSync } from "node:zlib";
import {
  appendVary,
  type CompressionOptions,
  compressResponse,
  resolveCompression,
} from "../../src/app/compress.js";
import type { Server } from "../../src/app/server.js";
import { serveStatic } from "../../src/app/static.js";
import { html } from "../../src/app/template.js";
import { ResponseHeaders } from "../../src/wire/response-headers.js";
import { APP_JS, createFixture, type Fixture } from "../static/fixture.js";
import { type RawResponse, rawRequest, startApp } from "../static/http-client.js";

const TEXT = "The quick brown fox jumps over the lazy dog. ".repeat(100); // 4500 bytes
const SMALL = "tiny body";
const BIG = Array.from({ length: 20_000 }, (_, i) => `line ${i}: ${"abc".repeat(i % 7)}\n`).join(
  "",
);
const JSON_VALUE = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) };
const PNG = Buffer.alloc(5000, 7);

function decoded(response: RawResponse): string {
  const encoding = response.headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(response.body).toString();
  if (encoding === "gzip") return gunzipSync(response.body).toString();
  assert.equal(encoding, undefined);
  return response.body.toString();
}

describe("resolveCompression", () => {
  it("returns undefined for false and undefined, defaults for true", () => {
    assert.equal(resolveCompression(false), undefined);
    assert.equal(resolveCompression(undefined), undefined);
    const settings = resolveCompression(true)!;
    assert.equal(settings.threshold, 1024);
    assert.deepEqual(settings.encodings, ["br", "gzip"]);
    assert.equal(settings.brotliQuality, 4);
    assert.equal(settings.gzipLevel, 6);
    assert.equal(settings.syncLimit, 65536);
    assert.equal(settings.filter("text/html"), true);
    assert.equal(settings.filter("image/png"), false);
  });
  it("keeps valid options", () => {
    const filter = (type: string) => type === "image/bmp";
    const settings = resolveCompression({ threshold: 0, encodings: ["gzip"], filter })!;
    assert.equal(settings.threshold, 0);
    assert.deepEqual(settings.encodings, ["gzip"]);
    assert.equal(settings.filter, filter);
  });
  const invalid: Array<[string, unknown, RegExp]> = [
    ["negative threshold", { threshold: -1 }, /threshold/],
    ["fractional threshold", { threshold: 1.5 }, /threshold/],
    ["brotli quality 12", { brotliQuality: 12 }, /brotliQuality.*0 to 11/],
    ["gzip level 10", { gzipLevel: 10 }, /gzipLevel.*0 to 9/],
    ["unknown coding", { encodings: ["deflate"] }, /encodings/],
    ["empty codings", { encodings: [] }, /encodings/],
    ["duplicate codings", { encodings: ["br", "br"] }, /distinct/],
    ["filter not a function", { filter: "text/*" }, /filter/],
    ["unknown option", { level: 5 }, /Unknown compression option 'level'/],
    ["not an object", 5, /true, false, or an options object/],
  ];
  for (const [name, options, message] of invalid) {
    it(`refuses ${name}`, () => {
      assert.throws(() => resolveCompression(options as CompressionOptions), message);
    });
  }
});

describe("appendVary", () => {
  const cases: Array<[string[], string]> = [
    [[], "Accept-Encoding"],
    [["Origin"], "Origin, Accept-Encoding"],
    [["Origin", "Cookie"], "Origin, Cookie, Accept-Encoding"],
    [["origin, accept-encoding"], "origin, accept-encoding"],
    [["Accept-Encoding"], "Accept-Encoding"],
    [["*"], "*"],
  ];
  for (const [existing, expected] of cases) {
    it(`${JSON.stringify(existing)} → ${expected}`, () => {
      const headers = new ResponseHeaders();
      for (const value of existing) headers.append("vary", value);
      appendVary(headers, "Accept-Encoding");
      assert.equal(headers.get("vary"), expected);
    });
  }
});

describe("compressResponse over TCP", () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startApp>>;
  let tuned: Awaited<ReturnType<typeof startApp>>;

  const register = (options: CompressionOptions) => (app: Server) => {
    const settings = resolveCompression(options)!;
    app.after((request, response) => compressResponse(request, response, settings));
    app.get("/text", (_request, response) => void response.text(TEXT));
    app.get("/small", () => SMALL);
    app.get("/json", () => JSON_VALUE);
    app.get("/html", () => html`<p>${TEXT}</p>`);
    app.get("/png", (_request, response) => {
      response.headers.set("content-type", "image/png");
      return PNG;
    });
    app.get("/bytes", () => Buffer.from(TEXT));
    app.get("/big", () => BIG);
    app.get("/stream", (_request, response) => {
      response.headers.set("content-type", "text/plain; charset=utf-8");
      return Readable.from([TEXT.slice(0, 1000), TEXT.slice(1000)]);
    });
    app.get("/stream-length", (_request, response) => {
      response.headers.set("content-type", "text/plain; charset=utf-8");
      response.headers.set("content-length", TEXT.length);
      return Readable.from([Buffer.from(TEXT)]);
    });
    app.get("/stream-small", (_request, response) => {
      response.headers.set("content-type", "text/plain; charset=utf-8");
      response.headers.set("content-length", SMALL.length);
      return Readable.from([Buffer.from(SMALL)]);
    });
    app.get("/iterable", (_request, response) => {
      response.headers.set("content-type", "application/json");
      return (async function* () {
        yield "[";
        for (let i = 0; i < 300; i++) yield `${i === 0 ? "" : ","}{"n":${i}}`;
        yield "]";
      })();
    });
    app.get("/broken-stream", (_request, response) => {
      response.headers.set("content-type", "text/plain");
      return (async function* () {
        yield TEXT;
        throw new Error("source failed");
      })();
    });
    app.get("/no-transform", (_request, response) => {
      response.headers.set("cache-control", "public, no-transform");
      return TEXT;
    });
    app.get("/encoded", (_request, response) => {
      response.headers.set("content-type", "text/plain");
      response.headers.set("content-encoding", "gzip");
      return gzipSync(TEXT);
    });
    app.get("/vary-origin", (_request, response) => {
      response.headers.set("vary", "Origin");
      return TEXT;
    });
    app.get("/vary-star", (_request, response) => {
      response.headers.set("vary", "*");
      return TEXT;
    });
    app.get("/strong-etag", (_request, response) => {
      response.headers.set("etag", '"abc"');
      return TEXT;
    });
    app.get("/weak-etag", (_request, response) => {
      response.headers.set("etag", 'W/"abc"');
      return TEXT;
    });
    app.get("/no-content", (_request, response) => {
      response.status = 204;
    });
    app.get("/partial", (_request, response) => {
      response.status = 206;
      response.headers.set("content-range", `bytes 0-${TEXT.length - 1}/${TEXT.length + 10}`);
      return TEXT;
    });
    app.get("/events", (_request, response) => {
      response.headers.set("content-type", "text/event-stream");
      return TEXT;
    });
    app.get("/bmp", (_request, response) => {
      response.headers.set("content-type", "image/bmp");
      return PNG;
    });
    app.get("/static/*path", serveStatic(fixture.root));
  };

  before(async () => {
    fixture = await createFixture();
    server = await startApp(register({}));
    tuned = await startApp(
      register({
        threshold: 0,
        encodings: ["gzip"],
        gzipLevel: 9,
        syncLimit: 0,
        filter: (type) => type === "image/bmp" || type.startsWith("text/plain"),
      }),
    );
  });
  after(async () => {
    await server.close();
    await tuned.close();
    await fixture.cleanup();
  });

  const get = (target: string, acceptEncoding?: string, method = "GET", port = server.port) =>
    rawRequest(port, {
      target,
      method,
      headers: acceptEncoding === undefined ? {} : { "accept-encoding": acceptEncoding },
    });

  describe("negotiation", () => {
    const cases: Array<[string | undefined, string | undefined]> = [
      ["br, gzip", "br"],
      ["gzip, br", "br"],
      ["gzip", "gzip"],
      ["GZIP", "gzip"],
      ["x-gzip", "gzip"],
      ["br;q=0.1, gzip;q=0.9", "gzip"],
      ["br;q=0, *", "gzip"],
      ["*", "br"],
      ["deflate", undefined],
      ["identity", undefined],
      ["identity;q=1, br;q=0.5", undefined],
      ["*;q=0", undefined],
      ["", undefined],
      [undefined, undefined],
    ];
    for (const [accept, encoding] of cases) {
      it(`${JSON.stringify(accept)} → ${encoding ?? "identity"}`, async () => {
        const response = await get("/text", accept);
        assert.equal(response.status, 200);
        assert.equal(response.headers["content-encoding"], encoding);
        assert.equal(response.headers.vary, "Accept-Encoding");
        assert.equal(decoded(response), TEXT);
        assert.equal(Number(response.headers["content-length"]), response.body.length);
        if (encoding !== undefined) assert.ok(response.body.length < TEXT.length / 4);
      });
    }
  });

  describe("bodies", () => {
    const cases: Array<[string, string, string]> = [
      ["/json", JSON.stringify(JSON_VALUE), "application/json; charset=utf-8"],
      ["/html", `<p>${TEXT}</p>`, "text/html; charset=utf-8"],
      ["/small", SMALL, "text/plain; charset=utf-8"],
      ["/big", BIG, "text/plain; charset=utf-8"],
      ["/stream", TEXT, "text/plain; charset=utf-8"],
      ["/stream-length", TEXT, "text/plain; charset=utf-8"],
      [
        "/iterable",
        `[${Array.from({ length: 300 }, (_, n) => `{"n":${n}}`).join(",")}]`,
        "application/json",
      ],
    ];
    for (const [target, text, type] of cases) {
      for (const coding of ["br", "gzip"]) {
        it(`${target} with ${coding} decodes to the original`, async () => {
          const response = await get(target, coding);
          assert.equal(response.headers["content-type"], type);
          assert.equal(decoded(response), text);
          if (target !== "/small") assert.equal(response.headers["content-encoding"], coding);
        });
      }
    }
    it("large and streamed bodies are sent chunked, without their old Content-Length", async () => {
      for (const target of ["/big", "/stream", "/stream-length"]) {
        const response = await get(target, "gzip");
        assert.equal(response.headers["transfer-encoding"], "chunked", target);
        assert.equal(response.headers["content-length"], undefined, target);
      }
    });
    it("a source failing mid-stream cuts the connection instead of ending cleanly", async () => {
      await assert.rejects(get("/broken-stream", "gzip"), /Truncated|ECONNRESET/);
    });
  });

  describe("skipped", () => {
    // [target, accept-encoding, status, Vary expected]
    const cases: Array<[string, number, string | undefined]> = [
      ["/small", 200, "Accept-Encoding"],
      ["/stream-small", 200, "Accept-Encoding"],
      ["/png", 200, undefined],
      ["/bytes", 200, undefined],
      ["/events", 200, undefined],
      ["/no-transform", 200, undefined],
      ["/encoded", 200, undefined],
      ["/no-content", 204, undefined],
      ["/partial", 206, undefined],
      ["/vary-star", 200, "*"],
    ];
    for (const [target, status, vary] of cases) {
      it(`${target}`, async () => {
        const response = await get(target, "br, gzip");
        assert.equal(response.status, status);
        if (target === "/encoded") {
          assert.equal(response.headers["content-encoding"], "gzip");
          assert.equal(gunzipSync(response.body).toString(), TEXT);
        } else if (target === "/vary-star") {
          assert.equal(response.headers["content-encoding"], "br");
        } else {
          assert.equal(response.headers["content-encoding"], undefined);
        }
        assert.equal(response.headers.vary, vary);
      });
    }
    // RFC 9110 §9.3.2: HEAD carries the header fields GET would, Content-Encoding and Vary included.
    const representation = ["content-type", "content-encoding", "vary", "etag", "accept-ranges"];
    for (const [target, coding] of [
      ["/text", "br"],
      ["/json", "gzip"],
      ["/strong-etag", "gzip"],
    ] as const) {
      it(`HEAD ${target} with ${coding} has GET's representation headers and length`, async () => {
        const got = await get(target, coding);
        const head = await get(target, coding, "HEAD");
        assert.equal(got.headers["content-encoding"], coding);
        for (const name of representation) {
          assert.equal(head.headers[name], got.headers[name], name);
        }
        assert.equal(head.headers["content-length"], String(got.body.length));
        assert.equal(head.body.length, 0);
      });
    }
    for (const target of ["/big", "/stream", "/stream-length"]) {
      it(`HEAD ${target} (sent chunked by GET) has no misleading Content-Length`, async () => {
        const got = await get(target, "gzip");
        const head = await get(target, "gzip", "HEAD");
        assert.equal(got.headers["transfer-encoding"], "chunked");
        for (const name of representation) {
          assert.equal(head.headers[name], got.headers[name], name);
        }
        assert.equal(head.headers["content-length"], undefined);
        assert.equal(head.headers["transfer-encoding"], undefined);
        assert.equal(head.body.length, 0);
      });
    }
    it("HEAD without Accept-Encoding keeps the identity length", async () => {
      const head = await get("/text", undefined, "HEAD");
      assert.equal(head.headers["content-encoding"], undefined);
      assert.equal(head.headers.vary, "Accept-Encoding");
      assert.equal(head.headers["content-length"], String(TEXT.length));
    });
  });

  describe("headers", () => {
    it("merges Vary with an existing value", async () => {
      const response = await get("/vary-origin", "gzip");
      assert.equal(response.headers.vary, "Origin, Accept-Encoding");
    });
    it("weakens a strong ETag and keeps a weak one", async () => {
      assert.equal((await get("/strong-etag", "gzip")).headers.etag, 'W/"abc"');
      assert.equal((await get("/strong-etag")).headers.etag, '"abc"');
      assert.equal((await get("/weak-etag", "br")).headers.etag, 'W/"abc"');
    });
  });

  describe("static files", () => {
    it("compresses a streamed file and drops Accept-Ranges", async () => {
      const response = await get("/static/assets/app.js", "gzip");
      assert.equal(response.headers["content-encoding"], "gzip");
      assert.equal(response.headers["accept-ranges"], undefined);
      assert.equal(response.headers.vary, "Accept-Encoding");
      assert.equal(decoded(response), APP_JS);
    });
    it("leaves a 206 alone", async () => {
      const response = await rawRequest(server.port, {
        target: "/static/assets/app.js",
        headers: { "accept-encoding": "gzip", range: "bytes=0-5" },
      });
      assert.equal(response.status, 206);
      assert.equal(response.headers["content-encoding"], undefined);
      assert.equal(response.body.toString(), APP_JS.slice(0, 6));
    });
    it("leaves a 304 alone", async () => {
      const first = await get("/static/assets/app.js", "gzip");
      const response = await rawRequest(server.port, {
        target: "/static/assets/app.js",
        headers: { "accept-encoding": "gzip", "if-none-match": first.headers.etag! },
      });
      assert.equal(response.status, 304);
      assert.equal(response.headers["content-encoding"], undefined);
    });
  });

  describe("options", () => {
    const cases: Array<[string, string, string | undefined]> = [
      ["/small", "br, gzip", "gzip"], // threshold 0, gzip only
      ["/bmp", "gzip", "gzip"], // filter admits image/bmp
      ["/json", "gzip", undefined], // filter refuses JSON
      ["/text", "br", undefined], // br not offered
    ];
    for (const [target, accept, encoding] of cases) {
      it(`${target} with ${accept} → ${encoding ?? "identity"}`, async () => {
        const response = await get(target, accept, "GET", tuned.port);
        assert.equal(response.headers["content-encoding"], encoding);
        if (encoding !== undefined) {
          // syncLimit 0: even small bodies go through the streaming compressor.
          assert.equal(response.headers["transfer-encoding"], "chunked");
          assert.equal(
            gunzipSync(response.body).length,
            target === "/bmp" ? PNG.length : SMALL.length,
          );
        }
      });
    }
  });
});
