import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, test } from "node:test";
import {
  brotliCompressSync,
  constants,
  createBrotliCompress,
  createGzip,
  gzipSync,
} from "node:zlib";
import { type CompressionOptions, Server } from "../../src/index.js";

// gzipLevel and brotliQuality reach the compressor: the bytes sent are exactly what zlib makes at
// that level (zlib's output is deterministic), and differ from what other levels make.

const TEXT = Array.from(
  { length: 400 },
  (_, i) => `row ${i}: ${"lorem ipsum ".repeat(i % 5)}`,
).join("\n");
const BYTES = Buffer.from(TEXT);

function app(compression: CompressionOptions): Server {
  const server = new Server({ logger: false, compression });
  server.get("/text", () => TEXT);
  server.get("/stream", (_request, response) => {
    response.headers.set("content-type", "text/plain; charset=utf-8");
    return Readable.from([BYTES]);
  });
  return server;
}

async function body(server: Server, url: string, coding: "gzip" | "br"): Promise<Buffer> {
  const response = await server.inject({ url, headers: { "accept-encoding": coding } });
  assert.equal(response.headers.get("content-encoding"), coding);
  return response.body;
}

function brotli(quality: number, sizeHint?: number): Buffer {
  const params: Record<number, number> = { [constants.BROTLI_PARAM_QUALITY]: quality };
  if (sizeHint !== undefined) params[constants.BROTLI_PARAM_SIZE_HINT] = sizeHint;
  return brotliCompressSync(BYTES, { params });
}

describe("compression levels", () => {
  test("gzipLevel sets the level of bodies compressed at once", async () => {
    const fast = await body(app({ gzipLevel: 1 }), "/text", "gzip");
    const best = await body(app({ gzipLevel: 9 }), "/text", "gzip");
    assert.deepEqual(fast, gzipSync(BYTES, { level: 1 }));
    assert.deepEqual(best, gzipSync(BYTES, { level: 9 }));
    assert.notDeepEqual(fast, best);
    assert.deepEqual(await body(app({}), "/text", "gzip"), gzipSync(BYTES, { level: 6 }));
  });

  test("brotliQuality sets the quality of bodies compressed at once", async () => {
    const low = await body(app({ brotliQuality: 1 }), "/text", "br");
    const high = await body(app({ brotliQuality: 11 }), "/text", "br");
    assert.deepEqual(low, brotli(1, BYTES.length));
    assert.deepEqual(high, brotli(11, BYTES.length));
    assert.notDeepEqual(low, high);
    assert.deepEqual(await body(app({}), "/text", "br"), brotli(4, BYTES.length));
  });

  test("both reach the streaming compressors too", async () => {
    const streamed = async (make: () => NodeJS.ReadWriteStream) =>
      buffer(Readable.from([BYTES]).pipe(make()));
    for (const level of [1, 9]) {
      assert.deepEqual(
        await body(app({ gzipLevel: level }), "/stream", "gzip"),
        await streamed(() => createGzip({ level })),
        `gzip level ${level}`,
      );
    }
    for (const quality of [1, 11]) {
      assert.deepEqual(
        await body(app({ brotliQuality: quality }), "/stream", "br"),
        await streamed(() =>
          createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: quality } }),
        ),
        `brotli quality ${quality}`,
      );
    }
  });
});
