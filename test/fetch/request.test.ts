import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type FetchHandler, RequestBodyError, serve } from "../../src/index.js";
import { RawClient } from "../wire/client.js";

/** The lazy Request: a real Request to every check a library makes, built only as far as used. */

const NativeRequest = globalThis.Request;

async function roundTrip(fetch: FetchHandler, request: string, method = "GET") {
  const server = await serve({ fetch, port: 0, logger: false });
  const client = await RawClient.connect(server.port);
  try {
    client.write(request);
    return await client.response(method);
  } finally {
    client.destroy();
    await server.close();
  }
}

function post(path: string, type: string, body: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: example.test\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

describe("the lazy Request", () => {
  it("is instanceof Request without replacing the global, and has the request's facts", async () => {
    let seen: Record<string, unknown> = {};
    const response = await roundTrip((request) => {
      seen = {
        instance: request instanceof Request,
        sameGlobal: globalThis.Request === NativeRequest,
        tag: Object.prototype.toString.call(request),
        method: request.method,
        url: request.url,
        accept: request.headers.get("accept"),
        headersAreHeaders: request.headers instanceof Headers,
        body: request.body,
        signal: request.signal instanceof AbortSignal && !request.signal.aborted,
        mode: request.mode,
      };
      return new Response("ok");
    }, "GET /path?x=1 HTTP/1.1\r\nHost: example.test:8080\r\nAccept: text/html\r\n\r\n");
    assert.equal(response.status, 200);
    assert.deepEqual(seen, {
      instance: true,
      sameGlobal: true,
      tag: "[object Request]",
      method: "GET",
      url: "http://example.test:8080/path?x=1",
      accept: "text/html",
      headersAreHeaders: true,
      body: null,
      signal: true,
      mode: "cors",
    });
  });

  // Node 24's undici keeps a Request's state in private fields, which no other object can carry:
  // there the documented way is request.materialise() (tested below on every Node).
  const brandChecksReachLazy = Number(process.versions.node.split(".")[0]) < 24;

  it("materialise() gives a real Request that new Request(), clone() and the getters accept", async () => {
    const response = await roundTrip(
      async (request) => {
        const real = (request as Request & { materialise(): Request }).materialise();
        const cloned = NativeRequest.prototype.clone.call(real);
        const copy = new Request(real);
        return Response.json({
          copy: [copy.method, copy.url, copy.headers.get("x-tag"), await copy.text()],
          cloned: [cloned.method, await cloned.text()],
        });
      },
      post("/c", "text/plain", "payload").replace("\r\n\r\n", "\r\nX-Tag: t1\r\n\r\n"),
      "POST",
    );
    const result = JSON.parse(response.body.toString());
    assert.deepEqual(result.copy, ["POST", "http://example.test/c", "t1", "payload"]);
    assert.deepEqual(result.cloned, ["POST", "payload"]);
  });

  it("passes undici's own brand checks: clone, Request.prototype.clone.call, new Request(request)", {
    skip: brandChecksReachLazy ? false : "Node ≥ 24: undici's private fields; use materialise()",
  }, async () => {
    const response = await roundTrip(
      async (request) => {
        // Clone first: a clone of a request whose body went into another Request is refused.
        const cloned = NativeRequest.prototype.clone.call(request);
        const copy = new Request(request);
        const viaGetter = Object.getOwnPropertyDescriptor(
          NativeRequest.prototype,
          "method",
        )!.get!.call(request);
        return Response.json({
          copy: [copy.method, copy.url, copy.headers.get("x-tag"), await copy.text()],
          cloned: [cloned.method, await cloned.text()],
          viaGetter,
          used: request.bodyUsed,
        });
      },
      post("/c", "text/plain", "payload").replace("\r\n\r\n", "\r\nX-Tag: t1\r\n\r\n"),
      "POST",
    );
    const result = JSON.parse(response.body.toString());
    assert.deepEqual(result.copy, ["POST", "http://example.test/c", "t1", "payload"]);
    assert.deepEqual(result.cloned, ["POST", "payload"]);
    assert.equal(result.viaGetter, "POST");
    assert.equal(result.used, true, "new Request(request) used the original's body");
  });

  it("reads bodies as text, json, bytes, blob, formData and a stream", async () => {
    const cases: Array<[string, string, string, (request: Request) => Promise<unknown>]> = [
      ["/text", "text/plain", "héllo", (request) => request.text()],
      ["/json", "application/json", '{"a":[1]}', (request) => request.json()],
      [
        "/bytes",
        "application/octet-stream",
        "abc",
        async (request) => [
          ...new Uint8Array(await (request as Request & { bytes(): Promise<Uint8Array> }).bytes()),
        ],
      ],
      [
        "/buffer",
        "text/plain",
        "abcd",
        async (request) => (await request.arrayBuffer()).byteLength,
      ],
      [
        "/blob",
        "text/x-thing",
        "blob!",
        async (request) => {
          const blob = await request.blob();
          return [blob.type, await blob.text()];
        },
      ],
      [
        "/form",
        "application/x-www-form-urlencoded",
        "a=1&b=x+y",
        async (request) => Object.fromEntries(await request.formData()),
      ],
      [
        "/stream",
        "text/plain",
        "streamed",
        async (request) => {
          let text = "";
          for await (const chunk of request.body!) text += Buffer.from(chunk).toString();
          return [text, request.bodyUsed];
        },
      ],
    ];
    for (const [path, type, body, read] of cases) {
      const response = await roundTrip(
        async (request) => Response.json(await read(request)),
        post(path, type, body),
        "POST",
      );
      const expected: Record<string, unknown> = {
        "/text": "héllo",
        "/json": { a: [1] },
        "/bytes": [97, 98, 99],
        "/buffer": 4,
        "/blob": ["text/x-thing", "blob!"],
        "/form": { a: "1", b: "x y" },
        "/stream": ["streamed", true],
      };
      assert.deepEqual(JSON.parse(response.body.toString()), expected[path], path);
    }
  });

  it("refuses a second read, and reports malformed JSON as a 400 a framework can answer", async () => {
    const response = await roundTrip(
      async (request) => {
        await request.text();
        const second = await request.text().then(
          () => "read twice",
          (error: Error) => error.message,
        );
        return new Response(second);
      },
      post("/", "text/plain", "x"),
      "POST",
    );
    assert.match(response.body.toString(), /already read/);

    const malformed = await roundTrip(
      async (request) => {
        try {
          await request.json();
          return new Response("parsed");
        } catch (error) {
          assert.ok(error instanceof RequestBodyError);
          return error.getResponse();
        }
      },
      post("/", "application/json", "{nope"),
      "POST",
    );
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.toString(), /Malformed JSON/);
  });
});
