import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { HttpLimits, Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { curl, waitUntil, withServer } from "./harness.js";

/** Every size and count limit, over TCP: the status the client gets and that the server closes. */

function routes(app: Server): void {
  app.get("/", () => "ok");
  app.post("/read", async (request) => `read ${(await request.bytes()).length}`);
  app.post("/stream", async (request) => {
    let total = 0;
    for await (const chunk of request) total += chunk.length;
    return `streamed ${total}`;
  });
  app.post("/ignore", () => "ignored");
}

interface LimitCase {
  readonly name: string;
  readonly limits: Partial<HttpLimits>;
  readonly request: string;
  readonly status: number;
}

const LIMIT_CASES: readonly LimitCase[] = [
  {
    name: "request-line over maxRequestLineBytes",
    limits: { maxRequestLineBytes: 64 },
    request: `GET /${"a".repeat(64)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
  },
  {
    name: "header section over maxHeaderBytes",
    limits: { maxHeaderBytes: 256 },
    request: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"b".repeat(256)}\r\n\r\n`,
    status: 431,
  },
  {
    name: "more fields than maxHeaderCount",
    limits: { maxHeaderCount: 5 },
    request: `GET / HTTP/1.1\r\nHost: x\r\n${"X-A: 1\r\n".repeat(5)}\r\n`,
    status: 431,
  },
  {
    name: "Content-Length over maxBodyBytes",
    limits: { maxBodyBytes: 100 },
    request: `POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 101\r\n\r\n${"z".repeat(101)}`,
    status: 413,
  },
  {
    name: "chunked body growing over maxBodyBytes",
    limits: { maxBodyBytes: 100 },
    request: `POST /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${`32\r\n${"z".repeat(50)}\r\n`.repeat(3)}0\r\n\r\n`,
    status: 413,
  },
  {
    name: "chunk extension over maxChunkExtensionBytes",
    limits: { maxChunkExtensionBytes: 16 },
    request: `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;${"e".repeat(20)}\r\nz\r\n0\r\n\r\n`,
    status: 400,
  },
  {
    name: "trailers over maxTrailerBytes",
    limits: { maxTrailerBytes: 32 },
    request: `POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\nX-T: ${"t".repeat(40)}\r\n\r\n`,
    status: 431,
  },
];

describe("limits", { timeout: 15_000 }, () => {
  for (const { name, limits, request, status } of LIMIT_CASES) {
    it(`${name} → ${status} and close`, async () => {
      await withServer(
        routes,
        async ({ port }) => {
          const client = await RawClient.connect(port);
          // A request after the offending one must never be answered.
          client.write(`${request}GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
          const raw = await client.untilClosed();
          const { responses, rest } = parseResponses(raw, [], true);
          assert.equal(responses.length, 1, raw.toString("latin1"));
          assert.equal(responses[0]!.status, status);
          assert.equal(responses[0]!.headers.connection, "close");
          assert.equal(rest.length, 0);
        },
        { limits },
      );
    });
  }

  it("accepts requests exactly at each limit", async () => {
    const line = `GET /${"a".repeat(64 - "GET / HTTP/1.1\r\n".length)} HTTP/1.1\r\n`;
    assert.equal(line.length, 64);
    await withServer(
      (app) => {
        routes(app);
        app.get("/*rest", () => "caught");
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(`${line}Host: x\r\n\r\n`);
        client.write(
          `POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n${"z".repeat(100)}`,
        );
        const responses = await client.responses(2);
        assert.deepEqual(
          responses.map((response) => response.status),
          [200, 200],
        );
        assert.equal(responses[1]!.body.toString(), "read 100");
        client.destroy();
      },
      { limits: { maxRequestLineBytes: 64, maxBodyBytes: 100 } },
    );
  });

  it("lets curl see the 413 for an oversized upload instead of a reset", async () => {
    await withServer(
      routes,
      async ({ url }) => {
        const result = await curl([
          "-H",
          "Expect:",
          "--data-binary",
          `@${bigFile(8 * 1024 * 1024)}`,
          "--write-out",
          "\n%{http_code}",
          `${url}/read`,
        ]);
        assert.match(result.stdout, /\n413$/);
      },
      { limits: { maxBodyBytes: 1024 * 1024 } },
    );
  });

  it("closes after the response when an ignored body exceeds maxDiscardBytes", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const small = await RawClient.connect(port);
        small.write(
          `POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n${"d".repeat(1000)}`,
        );
        small.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.deepEqual(
          (await small.responses(2)).map((response) => response.body.toString()),
          ["ignored", "ok"],
        );
        small.destroy();

        const big = await RawClient.connect(port);
        big.write("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        await big.responses(1);
        big.write("d".repeat(100_000));
        const raw = (await big.untilClosed()).toString("latin1");
        assert.equal(raw.match(/HTTP\/1\.1/g)?.length, 1);
      },
      { limits: { maxDiscardBytes: 4096, maxBodyBytes: 1_000_000 } },
    );
  });

  it("answers 503 and closes beyond maxConnections, and accepts again after one closes", async () => {
    await withServer(
      routes,
      async ({ port, app }) => {
        const first = await RawClient.connect(port);
        const second = await RawClient.connect(port);
        first.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        second.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await first.responses(1);
        await second.responses(1);
        const third = await RawClient.connect(port);
        third.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const raw = (await third.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 503 Service Unavailable\r\n/);
        assert.match(raw, /\r\nConnection: close\r\n/);
        assert.equal(third.error, undefined, "the 503 must not be lost to a reset");
        first.destroy();
        await first.whenClosed;
        await waitUntil(() => app.engine.connectionCount === 1);
        const fourth = await RawClient.connect(port);
        fourth.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.equal((await fourth.response()).status, 200);
        second.destroy();
        fourth.destroy();
      },
      { limits: { maxConnections: 2 } },
    );
  });

  it("rejects bad limit configuration at start-up with a fix in the message", async () => {
    const { Server: ServerClass } = await import("../../src/index.js");
    assert.throws(() => new ServerClass({ limits: { maxBodyBytes: -1 } }), /whole number ≥ 0/);
    assert.throws(
      () => new ServerClass({ limits: { maxBodyByte: 1 } as Partial<HttpLimits> }),
      /Unknown option 'limits\.maxBodyByte'/,
    );
    assert.throws(() => new ServerClass({ timeouts: { sweepInterval: 0 } }), /at least 1/);
    // Lowering only the header limit must not trip over the default request-line limit.
    assert.equal(
      new ServerClass({ limits: { maxHeaderBytes: 256 } }).limits.maxRequestLineBytes,
      256,
    );
    assert.throws(
      () => new ServerClass({ limits: { maxHeaderBytes: 256, maxRequestLineBytes: 512 } }),
      /cannot exceed 'limits\.maxHeaderBytes'/,
    );
  });
});

function bigFile(bytes: number): string {
  const path = join(tmpdir(), `slow-serv-upload-${bytes}.bin`);
  writeFileSync(path, Buffer.alloc(bytes, 0x62));
  return path;
}
