import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FetchAccessLogEntry } from "../../src/edges/fetch/handler.js";
import { type FetchHandler, HttpError } from "../../src/index.js";
import { fetchInMemory, fetchOne } from "./in-memory.js";

// What a fetch handler's answer becomes on the wire, in memory (test/fetch/in-memory.ts): every
// body source, the length or chunking it gets, HEAD, refused answers and their exact messages,
// errors, and the access log. Found unpinned by mutation testing (docs/mutation/app.md).

const GET = "GET /p?q HTTP/1.1\r\nHost: example.test\r\n\r\n";
const HEAD = "HEAD /p HTTP/1.1\r\nHost: example.test\r\n\r\n";

/**
 * Stream of the given chunks; `later` ones are enqueued in the next loop iteration's check phase,
 * after the engine has stopped waiting for more (it waits until this iteration's check phase).
 */
function streamOf(
  now: string[],
  later: string[] = [],
  onCancel?: () => void,
): ReadableStream<Uint8Array> {
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of now) controller.enqueue(Buffer.from(chunk));
      if (later.length === 0) {
        controller.close();
        return;
      }
      setImmediate(() =>
        setImmediate(() => {
          if (cancelled) return;
          for (const chunk of later) controller.enqueue(Buffer.from(chunk));
          controller.close();
        }),
      );
    },
    cancel() {
      cancelled = true;
      onCancel?.();
    },
  });
}

/** How a response was framed: its length header, chunked or not, and its body. */
async function framing(fetch: FetchHandler, request = GET) {
  const response = await fetchOne(fetch, request);
  return {
    status: response.status,
    length: response.headers.get("content-length"),
    chunked: response.headers.get("transfer-encoding") === "chunked",
    body: response.text(),
  };
}

describe("response bodies", () => {
  it("known bytes go out with Content-Length, whatever they were made from", async () => {
    const sources: Array<[string, () => Response]> = [
      ["string", () => new Response("héllo")],
      ["Uint8Array", () => new Response(new Uint8Array(Buffer.from("héllo")))],
      ["ArrayBuffer", () => new Response(new Uint8Array(Buffer.from("héllo")).buffer)],
      ["Blob", () => new Response(new Blob(["héllo"]))],
      ["ready stream", () => new Response(streamOf(["hé", "llo"]))],
    ];
    for (const [name, make] of sources) {
      assert.deepEqual(
        await framing(make),
        { status: 200, length: "6", chunked: false, body: "héllo" },
        name,
      );
    }
  });

  it("a stream that ends in this loop iteration's check phase (a Blob's, on Node 24) has a length", async () => {
    const endsInCheckPhase = () =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(Buffer.from("hé"));
          setImmediate(() => {
            controller.enqueue(Buffer.from("llo"));
            controller.close();
          });
        },
      });
    assert.deepEqual(await framing(() => new Response(endsInCheckPhase())), {
      status: 200,
      length: "6",
      chunked: false,
      body: "héllo",
    });
  });

  it("a stream still producing, or past 64 KiB, is sent chunked", async () => {
    assert.deepEqual(await framing(() => new Response(streamOf(["a"], ["b", "c"]))), {
      status: 200,
      length: null,
      chunked: true,
      body: "abc",
    });
    const big = ["x".repeat(40 * 1024), "y".repeat(40 * 1024), "z"];
    const result = await framing(() => new Response(streamOf(big)));
    assert.equal(result.chunked, true);
    assert.equal(result.body, big.join(""));
    const justUnder = ["x".repeat(32 * 1024), "y".repeat(32 * 1024)];
    const under = await framing(() => new Response(streamOf(justUnder)));
    assert.deepEqual([under.chunked, under.length], [false, String(64 * 1024)]);
  });

  it("an empty body is Content-Length 0; an empty stream too", async () => {
    for (const make of [() => new Response(null), () => new Response(streamOf([]))]) {
      assert.deepEqual(await framing(make), { status: 200, length: "0", chunked: false, body: "" });
    }
  });

  it("a Response-like object that is not a Response is sent too", async () => {
    const headers = new Headers({ "x-like": "yes" });
    const like = { status: 201, headers, body: null, bodyUsed: false };
    const response = await fetchOne(() => like as unknown as Response, GET);
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-like"), "yes");
    // Headers without getSetCookie (an old ponyfill): Set-Cookie goes through as iterated.
    const plain = {
      status: 200,
      headers: {
        get: () => null,
        *[Symbol.iterator]() {
          yield ["set-cookie", "a=1"];
          yield ["x-other", "2"];
        },
      },
      body: null,
      bodyUsed: false,
    };
    const ponyfilled = await fetchOne(() => plain as unknown as Response, GET);
    assert.deepEqual(ponyfilled.headers.getSetCookie(), ["a=1"]);
    assert.equal(ponyfilled.headers.get("x-other"), "2");
  });

  it("every Set-Cookie stays its own field, next to the other headers", async () => {
    const response = await fetchOne(() => {
      const headers = new Headers({ "x-a": "1" });
      headers.append("set-cookie", "a=1; Path=/");
      headers.append("set-cookie", "b=2, c");
      return new Response("ok", { headers });
    }, GET);
    assert.deepEqual(response.headers.getSetCookie(), ["a=1; Path=/", "b=2, c"]);
    assert.equal(response.headers.get("x-a"), "1");
  });
});

describe("HEAD and bodiless statuses", () => {
  it("HEAD: no body; a declared length is kept, an unknown one not invented", async () => {
    let cancelled = 0;
    const declared = await fetchOne(
      () =>
        new Response(
          streamOf(["abc"], ["def"], () => cancelled++),
          {
            headers: { "content-length": "6" },
          },
        ),
      HEAD,
    );
    assert.equal(declared.headers.get("content-length"), "6");
    assert.equal(declared.body.length, 0);
    assert.equal(cancelled, 1);
    const hono = await fetchOne(() => new Response(null), HEAD);
    assert.equal(hono.headers.get("content-length"), null);
    assert.equal(hono.headers.get("transfer-encoding"), null);
    const text = await fetchOne(() => new Response("four"), HEAD);
    assert.equal(text.headers.get("content-length"), "4");
  });

  it("204 and 304 send no body and release the stream they were given", async () => {
    for (const status of [204, 304]) {
      let cancelled = 0;
      // Response refuses a body with these statuses; a subclass or ponyfill may not.
      const like = {
        status,
        headers: new Headers(),
        body: streamOf(["x"], ["y"], () => cancelled++),
        bodyUsed: false,
      };
      const response = await fetchOne(() => like as unknown as Response, GET);
      assert.equal(response.status, status);
      assert.equal(response.body.length, 0);
      assert.equal(response.headers.get("content-length"), null);
      assert.equal(cancelled, 1, String(status));
    }
    const used = new Response("x", { status: 200 });
    await used.text();
    const noContent = { status: 204, headers: new Headers(), body: used.body, bodyUsed: true };
    assert.equal((await fetchOne(() => noContent as unknown as Response, GET)).status, 204);
  });
});

describe("answers that cannot be sent", () => {
  async function refusal(answer: () => unknown): Promise<string> {
    const { responses, errors } = await fetchInMemory(answer as FetchHandler, GET);
    assert.equal(responses[0]?.status, 500);
    assert.equal(responses[0]?.text(), "Internal Server Error\n");
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.message, "Unhandled error in a fetch handler");
    return (errors[0]!.fields!.error as Error).message;
  }

  it("not a Response: the message names what came instead", async () => {
    const cases: Array<[unknown, string]> = [
      [undefined, "undefined"],
      [null, "null"],
      ["text", "string"],
      [{ status: 200 }, "Object"],
      [Object.create(null), "an object"],
      [new Map(), "Map"],
      [{ status: "200", headers: new Headers(), body: null }, "Object"],
      [{ status: 200, headers: null, body: null }, "Object"],
      [{ status: 200, headers: {}, body: null }, "Object"],
      [{ status: 200, headers: new Headers() }, "Object"],
    ];
    for (const [value, named] of cases) {
      assert.equal(
        await refusal(() => value),
        `The fetch handler must return a Response (or a promise of one), got ${named}`,
      );
    }
  });

  it("1xx and out-of-range statuses", async () => {
    const like = (status: number) => () => ({
      status,
      headers: new Headers(),
      body: null,
      bodyUsed: false,
    });
    for (const status of [100, 101, 199]) {
      assert.equal(
        await refusal(like(status)),
        `A fetch handler cannot answer with ${status}: 1xx responses are sent by the server itself (100 Continue) or by an upgrade`,
      );
    }
    for (const status of [0, 99, 600, 200.5]) {
      assert.equal(
        await refusal(like(status)),
        `The fetch handler returned a Response with status ${status} (Response.error()?): use 200–599`,
      );
    }
    assert.match(await refusal(() => Response.error()), /status 0 \(Response\.error\(\)\?\)/);
    for (const status of [200, 599]) {
      assert.equal((await fetchOne(like(status) as unknown as FetchHandler, GET)).status, status);
    }
  });

  it("a body already read, or locked by a reader", async () => {
    const message = "The fetch handler returned a Response whose body was already read";
    assert.equal(
      await refusal(async () => {
        const response = new Response("x");
        await response.text();
        return response;
      }),
      message,
    );
    assert.equal(
      await refusal(() => {
        const response = new Response(streamOf(["x"]));
        response.body!.getReader();
        return response;
      }),
      message,
    );
  });
});

describe("errors and the access log", () => {
  it("an HttpError answers with its status, headers, exposed message and connection close", async () => {
    const { responses, errors } = await fetchInMemory(() => {
      throw new HttpError(429, "Slow down", { headers: { "retry-after": "7" }, close: true });
    }, GET);
    const response = responses[0]!;
    assert.equal(response.status, 429);
    assert.equal(response.text(), "Slow down\n");
    assert.equal(response.headers.get("retry-after"), "7");
    assert.equal(response.headers.get("connection"), "close");
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.deepEqual(errors, [], "4xx are not logged");
  });

  it("an HttpError with close ends the connection; without, the next request is answered", async () => {
    const twice = "GET /fail HTTP/1.1\r\nHost: a\r\n\r\nGET /ok HTTP/1.1\r\nHost: a\r\n\r\n";
    for (const close of [true, false]) {
      const { responses } = await fetchInMemory((request) => {
        if (request.url.endsWith("/fail")) throw new HttpError(409, "no", { close });
        return new Response("ok");
      }, twice);
      assert.deepEqual(
        responses.map((response) => response.status),
        close ? [409] : [409, 200],
        String(close),
      );
    }
  });

  it("an answer that fails after its headers were copied keeps none of them", async () => {
    const { responses } = await fetchInMemory(async () => {
      const response = new Response("x", { headers: { "x-leak": "1", "content-type": "a/b" } });
      await response.text();
      return response;
    }, GET);
    assert.equal(responses[0]?.status, 500);
    assert.equal(responses[0]?.headers.get("x-leak"), null);
    assert.equal(responses[0]?.headers.get("content-type"), "text/plain; charset=utf-8");
  });

  it("a 5xx HttpError is logged with its message; its text is hidden unless exposed", async () => {
    const { responses, errors } = await fetchInMemory(async () => {
      throw new HttpError(503, "database down");
    }, GET);
    assert.equal(responses[0]!.status, 503);
    assert.equal(responses[0]!.text(), "Service Unavailable\n");
    assert.equal(errors[0]?.message, "database down");
    assert.deepEqual([errors[0]?.fields?.method, errors[0]?.fields?.path], ["GET", "/p"]);
    const exposed = await fetchOne(() => {
      throw new HttpError(503, "maintenance until 3pm", { expose: true });
    }, GET);
    assert.equal(exposed.text(), "maintenance until 3pm\n");
  });

  it("development mode appends the stack to a 500, never to a 4xx", async () => {
    const error = new Error("boom");
    const crash = await fetchOne(
      () => {
        throw error;
      },
      GET,
      { development: true },
    );
    assert.equal(crash.text(), `Internal Server Error\n\n${error.stack}\n`);
    const thrown = await fetchOne(
      () => {
        throw "a string";
      },
      GET,
      { development: true },
    );
    assert.equal(thrown.text(), "Internal Server Error\n");
    const client = await fetchOne(
      () => {
        throw new HttpError(400, "bad");
      },
      GET,
      { development: true },
    );
    assert.equal(client.text(), "bad\n");
    const quiet = await fetchOne(() => {
      throw error;
    }, GET);
    assert.equal(quiet.text(), "Internal Server Error\n");
  });

  it("the access log gets one entry per request, sync or async, answered or failed", async () => {
    const entries: FetchAccessLogEntry[] = [];
    const accessLog = (entry: FetchAccessLogEntry) => entries.push(entry);
    const handlers: FetchHandler[] = [
      () => new Response("sync"),
      async () => new Response("async!"),
      () => new Response(new Blob(["blob"])),
      () => new Response(streamOf(["a"], ["b"])),
      () => {
        throw new HttpError(404);
      },
    ];
    for (const fetch of handlers) {
      await fetchInMemory(fetch, GET, { accessLog, remoteAddress: "192.0.2.7" });
    }
    assert.deepEqual(
      entries.map(({ method, path, status, bytes, ip }) => [method, path, status, bytes, ip]),
      [
        ["GET", "/p", 200, 4, "192.0.2.7"],
        ["GET", "/p", 200, 6, "192.0.2.7"],
        ["GET", "/p", 200, 4, "192.0.2.7"],
        ["GET", "/p", 200, undefined, "192.0.2.7"],
        ["GET", "/p", 404, 10, "192.0.2.7"],
      ],
    );
    for (const entry of entries) {
      assert.ok(entry.durationMs >= 0 && Number.isFinite(entry.durationMs));
      assert.equal(entry.durationMs, Math.round(entry.durationMs * 1000) / 1000);
    }
  });

  it("info.upgrade() without a websocket behaviour says how to add one", async () => {
    const { errors } = await fetchInMemory((request, info) => {
      (info as unknown as { upgrade(request: Request): boolean }).upgrade(request);
      return new Response("no");
    }, GET);
    assert.equal(
      (errors[0]!.fields!.error as Error).message,
      "info.upgrade() needs a WebSocket behaviour: serve({ fetch, websocket: { message(ws, data) {…} } })",
    );
  });
});
