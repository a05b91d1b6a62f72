import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { assertGrowthBelow, watchRss } from "../wire/rss.js";
import { STREAM_SERVER_ENV } from "../wire/stream-server.js";

/** A 1 GiB multipart upload streamed to disk through a real socket keeps the server's memory flat. */

const FILE_BYTES = 1024 * 1024 * 1024;
const BOUNDARY = "----slow-serv-upload-boundary";

describe("multipart upload memory", { timeout: 60_000 }, () => {
  it("streams a 1 GiB file part to disk with bounded server memory", async () => {
    const child = fork(fileURLToPath(new URL("../wire/stream-server.js", import.meta.url)), {
      env: { ...process.env, [STREAM_SERVER_ENV]: "1" },
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    try {
      const [{ port }] = (await once(child, "message")) as [{ port: number }];
      const pid = child.pid!;
      const head = Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nbig one\r\n` +
          `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n` +
          "Content-Type: application/octet-stream\r\n\r\n",
      );
      const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
      const length = head.length + FILE_BYTES + tail.length;
      const socket = net.connect(port, "127.0.0.1");
      await once(socket, "connect");
      let reply = "";
      socket.setEncoding("latin1").on("data", (text: string) => {
        reply += text;
      });
      const closed = once(socket, "close");
      socket.write(
        `POST /upload HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n` +
          `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${length}\r\n\r\n`,
      );
      socket.write(head);

      const rss = watchRss(pid);
      let growth: number;
      try {
        // Bytes that look like a boundary start but are not one keep the parser honest.
        const piece = Buffer.alloc(256 * 1024, 0x2d);
        piece.write("\r\n--not-the-boundary\r\n", 1000, "latin1");
        for (let sent = 0; sent < FILE_BYTES; sent += piece.length) {
          const size = Math.min(piece.length, FILE_BYTES - sent);
          if (!socket.write(size === piece.length ? piece : piece.subarray(0, size))) {
            await once(socket, "drain");
          }
        }
        socket.write(tail);
        await closed;
      } finally {
        growth = rss.stop();
      }
      assert.match(reply, /^HTTP\/1\.1 200 OK\r\n/);
      assert.equal(
        reply.slice(reply.indexOf("\r\n\r\n") + 4),
        JSON.stringify({ sizes: [FILE_BYTES] }),
      );
      assertGrowthBelow(growth, 100 * 1024 * 1024);
    } finally {
      child.kill();
    }
  });
});
