import { createWriteStream } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Server } from "../../src/index.js";

/**
 * A server for the memory tests, run in its own process so its RSS can be read from /proc. It
 * streams `size` bytes lazily from an async generator, and streams multipart uploads to a temp
 * file. Inert unless started by a test (the test runner also loads every file under test/).
 */

export const STREAM_SERVER_ENV = "SLOW_SERV_STREAM_SERVER";
export const STREAM_CHUNK_BYTES = 64 * 1024;

async function main(): Promise<void> {
  const app = new Server({ logger: false });
  app.get("/stream/:size", (request, response) => {
    const size = Number(request.params.size);
    response.body = (async function* () {
      for (let sent = 0; sent < size; sent += STREAM_CHUNK_BYTES) {
        // A fresh buffer per chunk, as real producers make: retention would show as RSS.
        yield Buffer.alloc(Math.min(STREAM_CHUNK_BYTES, size - sent), 0x61);
      }
    })();
  });
  app.post(
    "/upload",
    async (request, response) => {
      const sizes: number[] = [];
      for await (const part of request.multipart({ maxFileBytes: Number.POSITIVE_INFINITY })) {
        if (!part.isFile) {
          await part.skip();
          continue;
        }
        const path = join(tmpdir(), `slow-serv-upload-${process.pid}-${sizes.length}`);
        try {
          await pipeline(part, createWriteStream(path));
          sizes.push((await stat(path)).size);
        } finally {
          await rm(path, { force: true });
        }
      }
      response.body = { sizes };
    },
    { bodyLimit: Number.POSITIVE_INFINITY },
  );
  const { port } = await app.run({ port: 0, host: "127.0.0.1" });
  process.send?.({ port });
  process.on("disconnect", () => {
    void app.close().then(() => process.exit(0));
  });
}

if (process.env[STREAM_SERVER_ENV] === "1") void main();
