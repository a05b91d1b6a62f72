import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { RawClient } from "./client.js";
import { deferred, withServer } from "./harness.js";

/** Request bodies read as they arrive, and streamed response bodies framed exactly. */

function routes(app: Server): void {
  app.get("/iterable", (_request, response) => {
    response.body = (async function* () {
      yield "hello";
      yield Buffer.from(" ");
      yield new Uint8Array([0x77, 0x6f, 0x72, 0x6c, 0x64]);
      yield ""; // empty chunks must not end the body early
      yield "x".repeat(300);
    })();
  });
  app.get("/readable", (_request, response) => {
    response.headers.set("content-type", "text/plain");
    response.body = Readable.from([Buffer.from("from "), Buffer.from("a stream")]);
  });
  app.get("/sized", (_request, response) => {
    response.headers.set("content-length", "6");
    response.body = Readable.from([Buffer.from("abc"), Buffer.from("def")]);
  });
}

describe("streamed response bodies", { timeout: 10_000 }, () => {
  it("frames an async iterable as exact chunks ending in 0\\r\\n\\r\\n", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "GET /iterable HTTP/1.1\r\nHost: x\r\n\r\nGET /iterable HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const [first, second] = await client.responses(2);
      const wireBody = first!.raw.subarray(first!.head.length).toString("latin1");
      assert.equal(
        wireBody,
        `5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n12c\r\n${"x".repeat(300)}\r\n0\r\n\r\n`,
      );
      assert.equal(first!.headers["transfer-encoding"], "chunked");
      assert.equal(first!.headers["content-length"], undefined);
      assert.equal(second!.body.toString(), `hello world${"x".repeat(300)}`);
      client.destroy();
    });
  });

  it("streams a Readable, and uses Content-Length when the handler declares it", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "GET /readable HTTP/1.1\r\nHost: x\r\n\r\nGET /sized HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const [readable, sized] = await client.responses(2);
      assert.deepEqual(readable!.chunkSizes, [5, 8]);
      assert.equal(readable!.body.toString(), "from a stream");
      assert.equal(sized!.framing, "length");
      assert.equal(sized!.headers["content-length"], "6");
      assert.equal(sized!.body.toString(), "abcdef");
      client.destroy();
    });
  });

  it("delimits a stream by closing the connection for HTTP/1.0", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET /iterable HTTP/1.0\r\n\r\n");
      const raw = (await client.untilClosed()).toString("latin1");
      const [head, body] = raw.split("\r\n\r\n");
      assert.match(head!, /\r\nConnection: close$/);
      assert.doesNotMatch(head!, /Transfer-Encoding|Content-Length/i);
      assert.equal(body, `hello world${"x".repeat(300)}`);
    });
  });

  it("answers HEAD of a stream with GET's headers, no framing and no body", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "HEAD /readable HTTP/1.1\r\nHost: x\r\n\r\nHEAD /sized HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /sized HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const [head, sizedHead, sized] = await client.responses(3, ["HEAD", "HEAD", "GET"]);
      assert.equal(head!.headers["content-type"], "text/plain");
      assert.equal(head!.headers["transfer-encoding"], undefined);
      assert.equal(sizedHead!.headers["content-length"], "6");
      assert.equal(sized!.body.toString(), "abcdef");
      client.destroy();
    });
  });
});

describe("request bodies", { timeout: 10_000 }, () => {
  it("hands chunked upload data to the handler as it arrives", async () => {
    const seen: string[] = [];
    const chunkSeen = deferred();
    await withServer(
      (app) => {
        app.post("/upload", async (request) => {
          for await (const chunk of request) {
            seen.push(chunk.toString());
            chunkSeen.resolve();
          }
          return `got ${seen.join("|")}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n",
        );
        // The handler sees the first chunk while the client still holds back the rest.
        await chunkSeen.promise;
        assert.deepEqual(seen, ["first"]);
        client.write("6;ext=1\r\nsecond\r\n0\r\nX-Trailer: t\r\n\r\n");
        const response = await client.response("POST");
        assert.equal(response.body.toString(), "got first|second");
        client.destroy();
      },
    );
  });

  it("reads Content-Length bodies split across many writes, byte by byte", async () => {
    await withServer(
      (app) => {
        app.post("/echo", async (request) => await request.text());
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const body = "ünïcödé body";
        const bytes = Buffer.from(
          `POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
        for (const byte of bytes) client.write(Buffer.from([byte]));
        assert.equal((await client.response("POST")).body.toString(), body);
        client.destroy();
      },
    );
  });

  it("parses JSON bodies and exposes trailers after a chunked body", async () => {
    await withServer(
      (app) => {
        app.post("/json", async (request) => {
          const value = (await request.json()) as { n: number };
          return { doubled: value.n * 2, trailers: request.trailers };
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
            'Transfer-Encoding: chunked\r\n\r\n3\r\n{"n\r\n5\r\n": 4}\r\n0\r\nX-Sum: 1\r\n\r\n',
        );
        const response = await client.response("POST");
        assert.deepEqual(JSON.parse(response.body.toString()), {
          doubled: 8,
          trailers: ["X-Sum", "1"],
        });
        client.destroy();
      },
    );
  });

  it("keeps the connection when a handler ignores a small body", async () => {
    await withServer(
      (app) => {
        app.post("/ignore", () => "ignored");
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const body = "y".repeat(10_000);
        client.write(`POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
        client.write(body.slice(0, 5000));
        await client.responses(1);
        client.write(body.slice(5000));
        client.write("POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        const responses = await client.responses(2);
        assert.equal(responses[1]!.body.toString(), "ignored");
        assert.equal(responses[0]!.headers.connection, undefined);
        client.destroy();
      },
    );
  });
});
