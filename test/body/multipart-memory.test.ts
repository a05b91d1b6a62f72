import assert from "node:assert/strict";
import { it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseMultipart } from "../../src/app/body/multipart.js";

/**
 * Streams ~200 MB of file data through the parser from a generator that allocates a fresh buffer per
 * read (as a socket does). If the parser buffered a part or read ahead of its consumer, memory would
 * grow with the upload; it must stay flat. Memory is sampled by the source (so a parser that never
 * yields is still measured) after a forced GC, so garbage awaiting collection is not mistaken for
 * retention.
 */

setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

const BOUNDARY = "----formdata-memory-test";
const CHUNK_BYTES = 64 * 1024;
const CHUNKS = 3200;
const FILES = 2;

function usage(): { rss: number; arrayBuffers: number } {
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rss, arrayBuffers };
}

async function* upload(peak: { rss: number; arrayBuffers: number }): AsyncGenerator<Buffer> {
  for (let file = 0; file < FILES; file++) {
    const name = `file${file}`;
    yield Buffer.from(
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.bin"\r\n\r\n`,
    );
    for (let index = 0; index < CHUNKS / FILES; index++) {
      const chunk = Buffer.alloc(CHUNK_BYTES, 0x61);
      // Every other chunk ends in a delimiter prefix, so the parser must hold it back and join it
      // with the next read: the path where a leak or a runaway buffer would show.
      if (index % 2 === 0) chunk.write("\r\n--", CHUNK_BYTES - 4, "latin1");
      yield chunk;
      if (index % 64 === 0) {
        collectGarbage();
        const now = usage();
        peak.rss = Math.max(peak.rss, now.rss);
        peak.arrayBuffers = Math.max(peak.arrayBuffers, now.arrayBuffers);
      }
    }
    yield Buffer.from("\r\n");
  }
  yield Buffer.from(`--${BOUNDARY}--\r\n`);
}

it("streams 200 MB through the parser in bounded memory", async () => {
  collectGarbage();
  const baseline = usage();
  const peak = { ...baseline };
  const sizes: number[] = [];
  for await (const part of parseMultipart(upload(peak), BOUNDARY, { maxFileBytes: 1024 ** 3 })) {
    let size = 0;
    for await (const chunk of part) size += chunk.length;
    sizes.push(size);
  }
  assert.deepEqual(sizes, Array(FILES).fill((CHUNKS / FILES) * CHUNK_BYTES));
  const limit = 32 * 1024 * 1024;
  const growth = {
    rss: peak.rss - baseline.rss,
    arrayBuffers: peak.arrayBuffers - baseline.arrayBuffers,
  };
  assert.ok(growth.rss < limit, `rss grew by ${growth.rss} bytes`);
  assert.ok(growth.arrayBuffers < limit, `arrayBuffers grew by ${growth.arrayBuffers} bytes`);
});
