import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { contentTypeFor, isCompressible } from "../../src/app/mime.js";

describe("contentTypeFor", () => {
  const cases: Array<[string, string | undefined]> = [
    ["html", "text/html; charset=utf-8"],
    [".htm", "text/html; charset=utf-8"],
    ["index.HTML", "text/html; charset=utf-8"],
    ["/assets/app.v2.min.js", "text/javascript; charset=utf-8"],
    ["mod.mjs", "text/javascript; charset=utf-8"],
    ["style.css", "text/css; charset=utf-8"],
    ["data.json", "application/json; charset=utf-8"],
    ["app.js.map", "application/json; charset=utf-8"],
    ["notes.txt", "text/plain; charset=utf-8"],
    ["README.md", "text/markdown; charset=utf-8"],
    ["table.csv", "text/csv; charset=utf-8"],
    ["feed.xml", "application/xml; charset=utf-8"],
    ["site.webmanifest", "application/manifest+json; charset=utf-8"],
    ["logo.svg", "image/svg+xml"],
    ["a.png", "image/png"],
    ["a.jpg", "image/jpeg"],
    ["a.JPEG", "image/jpeg"],
    ["a.gif", "image/gif"],
    ["a.webp", "image/webp"],
    ["a.avif", "image/avif"],
    ["favicon.ico", "image/x-icon"],
    ["a.bmp", "image/bmp"],
    ["f.woff", "font/woff"],
    ["f.woff2", "font/woff2"],
    ["f.ttf", "font/ttf"],
    ["f.otf", "font/otf"],
    ["f.eot", "application/vnd.ms-fontobject"],
    ["v.mp4", "video/mp4"],
    ["v.webm", "video/webm"],
    ["s.mp3", "audio/mpeg"],
    ["s.ogg", "audio/ogg"],
    ["s.wav", "audio/wav"],
    ["doc.pdf", "application/pdf"],
    ["a.zip", "application/zip"],
    ["a.tar.gz", "application/gzip"],
    ["app.js.br", "application/x-brotli"],
    ["mod.wasm", "application/wasm"],
    ["C:\\site\\index.html", "text/html; charset=utf-8"],
    // Unknown or extension-less names are left to the caller.
    ["archive.unknownext", undefined],
    ["/dir.d/README", undefined],
    ["Makefile", undefined],
    ["file.", undefined],
    ["", undefined],
    [".", undefined],
    ["/", undefined],
    ["__proto__", undefined],
    ["toString", undefined],
    ["a.constructor", undefined],
  ];
  for (const [input, expected] of cases) {
    it(`${JSON.stringify(input)} → ${expected}`, () => {
      assert.equal(contentTypeFor(input), expected);
    });
  }

  it("gives every text type a UTF-8 charset", () => {
    for (const ext of ["html", "css", "js", "json", "txt", "md", "csv", "xml", "ics", "vtt"]) {
      assert.match(contentTypeFor(ext)!, /; charset=utf-8$/, ext);
    }
  });
});

describe("isCompressible", () => {
  const compressible = [
    "text/html; charset=utf-8",
    "TEXT/PLAIN",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/ld+json",
    "application/manifest+json; charset=utf-8",
    "application/problem+json",
    "application/xml",
    "application/rss+xml",
    "image/svg+xml",
    "font/ttf",
    "font/otf",
    "application/vnd.ms-fontobject",
    "application/wasm",
    " application/json ; charset=utf-8",
  ];
  const incompressible = [
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/avif",
    "image/gif",
    "font/woff",
    "font/woff2",
    "video/mp4",
    "audio/mpeg",
    "application/zip",
    "application/gzip",
    "application/x-brotli",
    "application/pdf",
    "application/octet-stream",
    "multipart/form-data; boundary=x",
    "text/event-stream",
    "",
    "garbage",
  ];
  for (const type of compressible) {
    it(`compresses ${JSON.stringify(type)}`, () => assert.equal(isCompressible(type), true));
  }
  for (const type of incompressible) {
    it(`does not compress ${JSON.stringify(type)}`, () =>
      assert.equal(isCompressible(type), false));
  }

  it("agrees with contentTypeFor for text types", () => {
    for (const ext of ["html", "css", "js", "json", "svg", "xml", "md", "webmanifest"]) {
      assert.equal(isCompressible(contentTypeFor(ext)), true, ext);
    }
    for (const ext of ["png", "jpg", "woff2", "mp4", "zip", "gz", "br"]) {
      assert.equal(isCompressible(contentTypeFor(ext)), false, ext);
    }
  });
});
