import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { HttpError } from "../../src/wire/http-error.js";
import type { WireRequest } from "../../src/wire/request.js";
import type { WireResponse } from "../../src/wire/response.js";
import { RawClient } from "./client.js";
import { GET, type Handle, parts, withEngine } from "./connection-engine.js";

/**
 * The connection's answers as a bare wire-level handler makes them, pinned where the broader TCP
 * files leave them open (found by mutation testing, docs/mutation/connection.md): handlers that
 * throw, reject or return something odd, invalid statuses and bodies, the response's own
 * `Connection` field, latin1 heads, byte views, and streams against their framing.
 */

describe("connection: handler failures and invalid responses", { timeout: 15_000 }, () => {
  it("turns a synchronous throw into the error response and keeps the connection", async () => {
    let calls = 0;
    await withEngine(
      (_request, response) => {
        if (++calls === 1) throw new Error("sync failure");
        response.body = "second";
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.status, 500);
        assert.equal(first!.body.toString(), "sync failure");
        assert.equal(first!.headers.connection, undefined);
        assert.equal(second!.body.toString(), "second");
        assert.equal((errors[0] as Error).message, "sync failure");
        client.destroy();
      },
    );
  });

  it("closes after the response when a synchronous throw is an HttpError that says so", async () => {
    await withEngine(
      () => {
        throw new HttpError(400, "bad and closing", { close: true });
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const raw = (await client.untilClosed()).toString("latin1");
        const responses = raw.match(/HTTP\/1\.1 /g) ?? [];
        assert.equal(responses.length, 1, raw);
        assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
        assert.ok(raw.endsWith("\r\n\r\nbad and closing"), raw);
      },
    );
  });

  it("keeps the connection after a thrown HttpError that does not ask to close", async () => {
    await withEngine(
      () => {
        throw new HttpError(404, "nothing here");
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.status, 404);
        assert.equal(first!.headers.connection, undefined);
        assert.equal(second!.status, 404);
        client.destroy();
      },
    );
  });

  it("turns a rejected handler promise into the error response", async () => {
    await withEngine(
      () => Promise.reject(new Error("async failure")),
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.equal(response.status, 500);
        assert.equal(response.body.toString(), "async failure");
        assert.deepEqual(
          errors.map((error) => (error as Error).message),
          ["async failure"],
        );
        client.destroy();
      },
    );
  });

  it("answers a body that is not a sendable type with the handler's error response", async () => {
    await withEngine(
      (_request, response) => {
        response.body = 42;
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        const message =
          "response.body must be a string, a Uint8Array, a stream, an async iterable or null";
        assert.equal(response.status, 500);
        assert.equal(response.body.toString(), message);
        assert.ok(errors[0] instanceof TypeError);
        client.destroy();
      },
    );
  });

  for (const status of [199, 600, 200.5, Number.NaN]) {
    it(`refuses status ${status} as a programming error`, async () => {
      await withEngine(
        (_request, response) => {
          response.status = status;
          response.body = "unseen";
        },
        async (port) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.status, 500);
          assert.equal(
            response.body.toString(),
            `Invalid response status ${status}: use an integer from 200 to 599`,
          );
          client.destroy();
        },
      );
    });
  }

  for (const status of [200, 599]) {
    it(`sends status ${status}, the ends of the valid range`, async () => {
      await withEngine(
        (_request, response) => {
          response.status = status;
          response.body = "ok";
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.status, status);
          assert.equal(response.body.toString(), "ok");
          assert.deepEqual(errors, []);
          client.destroy();
        },
      );
    });
  }
});

describe("connection: the response's own framing choices", { timeout: 15_000 }, () => {
  it("closes when the response's Connection field lists close, and only then", async () => {
    await withEngine(
      (request, response) => {
        response.headers.set("Connection", decodeURIComponent(request.url.slice(2)));
        response.body = "x";
      },
      async (port) => {
        const cases: Array<[string, boolean]> = [
          ["foo, Close", true],
          ["close ,bar", true],
          ["closed", false],
          ["no-close", false],
        ];
        for (const [value, closes] of cases) {
          const client = await RawClient.connect(port);
          const request = `GET /?${encodeURIComponent(value)} HTTP/1.1\r\nHost: x\r\n\r\n`;
          client.write(request + request);
          if (closes) {
            const raw = (await client.untilClosed()).toString("latin1");
            assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, `${value}: ${raw}`);
          } else {
            await client.responses(2);
            client.destroy();
          }
        }
      },
    );
  });

  it("sends a latin1 head and a UTF-8 string body as the bytes each encoding gives", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("X-Name", "caf\u00e9");
        response.body = "\u00fc";
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.ok(response.raw.includes(Buffer.from("X-Name: caf\u00e9\r\n", "latin1")));
        assert.equal(response.headers["content-length"], "2");
        assert.deepEqual(response.body, Buffer.from("\u00fc", "utf8"));
        client.destroy();
      },
    );
  });

  it("sends exactly the bytes of a Uint8Array view that does not start its buffer", async () => {
    await withEngine(
      (_request, response) => {
        const backing = new Uint8Array([0x30, 0x31, 0x32, 0x33, 0x34, 0x35]);
        response.body = backing.subarray(2, 5);
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        const response = await client.response();
        assert.equal(response.headers["content-length"], "3");
        assert.equal(response.body.toString("latin1"), "234");
        client.destroy();
      },
    );
  });
});

describe("connection: streamed bodies against their framing", { timeout: 15_000 }, () => {
  it("skips empty chunks instead of framing them as the last chunk", async () => {
    await withEngine(
      (_request, response) => {
        response.body = parts("ab", "", Buffer.alloc(0), "c");
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(
          first!.raw.subarray(first!.head.length).toString("latin1"),
          "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
        );
        assert.equal(second!.body.toString(), "abc");
        client.destroy();
      },
    );
  });

  it("sends a stream of exactly its declared Content-Length and keeps the connection", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("Content-Length", "5");
        response.body = parts("abc", "de");
      },
      async (port, errors) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first, second] = await client.responses(2);
        assert.equal(first!.framing, "length");
        assert.equal(first!.body.toString(), "abcde");
        assert.equal(second!.body.toString(), "abcde");
        assert.deepEqual(errors, []);
        client.destroy();
      },
    );
  });

  for (const [declared, chunks, message] of [
    ["5", ["abc", "def"], "The response stream produced more than its Content-Length of 5 bytes"],
    ["5", ["ab"], "The response stream ended after 2 of its 5 bytes (Content-Length)"],
  ] as const) {
    it(`cuts the connection when a stream does not match its Content-Length (${chunks.join("+")})`, async () => {
      await withEngine(
        (_request, response) => {
          response.headers.set("Content-Length", declared);
          response.body = parts(...chunks);
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(GET + GET);
          const raw = (await client.untilClosed()).toString("latin1");
          assert.equal((raw.match(/HTTP\/1\.1 /g) ?? []).length, 1, raw);
          assert.ok(!raw.includes("abcdef"), raw);
          assert.deepEqual(
            errors.map((error) => (error as Error).message),
            [message],
          );
        },
      );
    });
  }

  for (const declared of ["-1", "abc", "1.5"]) {
    it(`frames a stream chunked when its Content-Length is ${declared}`, async () => {
      await withEngine(
        (_request, response) => {
          response.headers.set("Content-Length", declared);
          response.body = parts("xyz");
        },
        async (port) => {
          const client = await RawClient.connect(port);
          client.write(GET);
          const response = await client.response();
          assert.equal(response.framing, "chunked");
          assert.equal(response.body.toString(), "xyz");
          client.destroy();
        },
      );
    });
  }

  it("frames a stream with a Content-Length of 0 by length", async () => {
    await withEngine(
      (_request, response) => {
        response.headers.set("Content-Length", "0");
        response.body = parts();
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET + GET);
        const [first] = await client.responses(2);
        assert.equal(first!.framing, "length");
        assert.equal(first!.headers["transfer-encoding"], undefined);
        client.destroy();
      },
    );
  });
});

describe("connection: what the engine does with less usual answers", { timeout: 15_000 }, () => {
  it("sends the response of a handler that returns a value that is not a promise", async () => {
    await withEngine(
      ((_request: WireRequest, response: WireResponse<unknown>) => {
        response.body = "plain";
        return "a value that is not a promise";
      }) as unknown as Handle,
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        assert.equal((await client.response()).body.toString(), "plain");
        client.destroy();
      },
    );
  });

  for (const body of [null, undefined]) {
    it(`sends an empty body for ${body}, and only a head for HEAD of bytes`, async () => {
      await withEngine(
        (request, response) => {
          response.body = request.method === "HEAD" ? new Uint8Array([0x41, 0x42]) : body;
        },
        async (port, errors) => {
          const client = await RawClient.connect(port);
          client.write(`HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${GET}`);
          const [head, get] = await client.responses(2, ["HEAD", "GET"]);
          assert.equal(head!.headers["content-length"], "2");
          assert.equal(get!.status, 200);
          assert.equal(get!.headers["content-length"], "0");
          // Nothing after the GET's head: the HEAD's two bytes were never sent.
          assert.equal(client.received.length, head!.raw.length + get!.raw.length);
          assert.deepEqual(errors, []);
          client.destroy();
        },
      );
    });
  }

  it("destroys a stream it will not send: a 204's and a HEAD's", async () => {
    const streams: Readable[] = [];
    await withEngine(
      (request, response) => {
        const stream = Readable.from(["never sent"]);
        streams.push(stream);
        response.body = stream;
        if (request.url === "/empty") response.status = 204;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(`GET /empty HTTP/1.1\r\nHost: x\r\n\r\nHEAD / HTTP/1.1\r\nHost: x\r\n\r\n`);
        const [empty, head] = await client.responses(2, ["GET", "HEAD"]);
        assert.equal(empty!.status, 204);
        assert.equal(head!.status, 200);
        assert.deepEqual(
          streams.map((stream) => stream.destroyed),
          [true, true],
        );
        client.destroy();
      },
    );
  });

  it("answers 204 without a body value at all", async () => {
    await withEngine(
      (_request, response) => {
        response.status = 204;
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        assert.equal((await client.response()).status, 204);
        client.destroy();
      },
    );
  });

  it("marks the head sent while a stream is pulled, and the response finished after", async () => {
    const seen: string[] = [];
    const responses: WireResponse<unknown>[] = [];
    await withEngine(
      (_request, response) => {
        responses.push(response);
        response.body = (async function* () {
          seen.push(`sent=${response.headersSent} finished=${response.finished}`);
          yield "x";
        })();
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await client.response();
        assert.deepEqual(seen, ["sent=true finished=false"]);
        assert.equal(responses[0]!.finished, true);
        client.destroy();
      },
    );
  });

  it("marks a plain response sent and finished", async () => {
    const responses: WireResponse<unknown>[] = [];
    await withEngine(
      (_request, response) => {
        responses.push(response);
        response.body = "done";
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write(GET);
        await client.response();
        assert.equal(responses[0]!.headersSent, true);
        assert.equal(responses[0]!.finished, true);
        client.destroy();
      },
    );
  });

  it("still gives a body that came complete with its head to a read after the answer", async () => {
    const kept: WireRequest[] = [];
    await withEngine(
      (request, response) => {
        kept.push(request);
        response.body = "answered first";
      },
      async (port) => {
        const client = await RawClient.connect(port);
        client.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
        assert.equal((await client.response("POST")).body.toString(), "answered first");
        // The connection is idle now, answering no request.
        assert.equal((await kept[0]!.bytes()).toString(), "abc");
        client.write(GET);
        assert.equal((await client.responses(2))[1]!.status, 200);
        client.destroy();
      },
    );
  });

  it("answers a malformed request with 400 for a handler without reportProtocolError", async () => {
    await withEngine(
      () => {},
      async (port) => {
        const client = await RawClient.connect(port);
        client.write("NOT HTTP\r\n\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
      },
    );
  });
});
