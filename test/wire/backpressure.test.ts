import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RawClient } from "./client.js";
import { deferred, withServer } from "./harness.js";
import { assertGrowthBelow, watchRss } from "./rss.js";
import { STREAM_CHUNK_BYTES, STREAM_SERVER_ENV } from "./stream-server.js";

/** Flow control both ways: a slow reader slows its client, a slow client slows the producer. */

/** Writes `total` bytes in 64 KB pieces until done or until the socket stays full (no drain). */
async function pushUntilBlocked(
  socket: net.Socket,
  total: number,
  stallMs: number,
): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 0x75);
  let written = 0;
  while (written < total) {
    const size = Math.min(piece.length, total - written);
    written += size;
    if (!socket.write(size === piece.length ? piece : piece.subarray(0, size))) {
      // Not synchronisation: the absence of 'drain' for this long is the thing measured.
      const drained = await Promise.race([
        once(socket, "drain").then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), stallMs)),
      ]);
      if (!drained) return written - socket.writableLength;
    }
  }
  return written;
}

describe("request body backpressure", { timeout: 20_000 }, () => {
  it("pauses the socket for a handler that reads slowly, so the client blocks", async () => {
    const BODY = 64 * 1024 * 1024;
    const gate = deferred();
    const firstChunk = deferred();
    await withServer(
      (app) => {
        app.post("/slow", async (request) => {
          let total = 0;
          for await (const chunk of request) {
            total += chunk.length;
            firstChunk.resolve();
            await gate.promise;
          }
          return `read ${total}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port, { timeoutMs: 15_000 });
        client.write(`POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY}\r\n\r\n`);
        const accepted = await pushUntilBlocked(client.socket, BODY, 300);
        await firstChunk.promise;
        // What the client got rid of sits in kernel buffers (a few MB on loopback) and at most a
        // high-water mark in the server; without the pause the whole body would have gone.
        assert.ok(accepted < 24 * 1024 * 1024, `the client wrote ${accepted} bytes unblocked`);
        gate.resolve();
        const rest = await pushUntilBlocked(client.socket, BODY - accepted, 5_000);
        assert.equal(accepted + rest, BODY);
        const response = await client.response("POST");
        assert.equal(response.body.toString(), `read ${BODY}`);
        client.destroy();
      },
      { limits: { maxBodyBytes: BODY } },
    );
  });
});

describe("response body backpressure", { timeout: 30_000 }, () => {
  it("streams 1 GiB to a client that reads slowly, then fast, in bounded server memory", async () => {
    const SIZE = 1024 ** 3;
    const child = fork(fileURLToPath(new URL("./stream-server.js", import.meta.url)), {
      env: { ...process.env, [STREAM_SERVER_ENV]: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    try {
      const [message] = (await once(child, "message")) as [{ port: number }];
      const pid = child.pid!;
      const socket = net.connect({ port: message.port, host: "127.0.0.1" });
      await once(socket, "connect");
      socket.pause();
      socket.write(`GET /stream/${SIZE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);

      let received = 0;
      let tail = Buffer.alloc(0);
      let head = -1;
      socket.on("data", (chunk: Buffer) => {
        if (head === -1) {
          const end = chunk.indexOf("\r\n\r\n");
          assert.match(
            chunk.toString("latin1", 0, end),
            /^HTTP\/1\.1 200 OK\r\n[\s\S]*Transfer-Encoding: chunked/,
          );
          head = end + 4;
        }
        received += chunk.length;
        tail = Buffer.concat([tail, chunk]).subarray(-5);
      });
      const ended = once(socket, "end");

      const rss = watchRss(pid);
      let growth: number;
      try {
        // Slow: one read every 100 ms for a second, while the producer could run far ahead.
        for (let tick = 0; tick < 10; tick++) {
          socket.resume();
          await once(socket, "data");
          socket.pause();
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const slowPhase = received;
        assert.ok(slowPhase < 64 * 1024 * 1024, `${slowPhase} bytes arrived while reading slowly`);
        // Fast: read everything.
        socket.resume();
        await ended;
      } finally {
        growth = rss.stop();
      }
      const chunks = SIZE / STREAM_CHUNK_BYTES;
      const framed = chunks * (STREAM_CHUNK_BYTES.toString(16).length + 2 + STREAM_CHUNK_BYTES + 2);
      assert.equal(received - head, framed + "0\r\n\r\n".length);
      assert.equal(tail.toString("latin1"), "0\r\n\r\n");
      assertGrowthBelow(growth, 100 * 1024 * 1024);
    } finally {
      child.disconnect();
      child.kill();
    }
  });
});
