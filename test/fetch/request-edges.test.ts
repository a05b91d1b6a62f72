import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FetchRequest } from "../../src/app/fetch/request.js";
import { checkProxyTrust } from "../../src/app/proxy.js";
import { RequestBodyError } from "../../src/index.js";
import type { WireRequest } from "../../src/wire/request.js";
import { fetchInMemory, fetchOne, post } from "./in-memory.js";

// The lazy Request's edges, in memory (test/fetch/in-memory.ts): its URL for every request-target
// form, the fixed parts of the Request interface, and the body read every way, including after a
// failure. Found unpinned by mutation testing (docs/mutation/app.md).

/** The lazy Request's members that lib.dom's Request type lacks. */
type Lazy = Request & {
  bytes(): Promise<Uint8Array>;
  materialise(): Request;
  readonly duplex: string;
  readonly isReloadNavigation: boolean;
  readonly isHistoryNavigation: boolean;
};

/** Serves one request and returns what the handler computed from it, as JSON. */
async function observe(
  bytes: string,
  look: (request: Lazy) => unknown,
  options: Parameters<typeof fetchOne>[2] = {},
): Promise<unknown> {
  const response = await fetchOne(
    async (request) => Response.json(await look(request as Lazy)),
    bytes,
    options,
  );
  assert.equal(response.status, 200, response.text());
  return response.json();
}

const url = (bytes: string, options: Parameters<typeof fetchOne>[2] = {}) =>
  observe(bytes, (request) => request.url, options);

describe("request.url", () => {
  it("origin-form: scheme of the connection, Host as sent", async () => {
    assert.equal(
      await url("GET /a?b=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n"),
      "http://example.test:8080/a?b=1",
    );
    assert.equal(
      await url("GET /a HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", { encrypted: true }),
      "https://[::1]:8080/a",
    );
    assert.equal(await url("GET /a HTTP/1.0\r\n\r\n"), "http://localhost/a");
    assert.equal(
      await url("OPTIONS * HTTP/1.1\r\nHost: example.test\r\n\r\n"),
      "http://example.test/",
    );
  });

  it("absolute-form is the URL as sent", async () => {
    assert.equal(
      await url("GET http://other.example:81/p?q HTTP/1.1\r\nHost: other.example:81\r\n\r\n"),
      "http://other.example:81/p?q",
    );
  });

  it("behind a trusted proxy: its scheme and host, our port only for our own host", async () => {
    const trusted = { trustProxy: true };
    const forwarded = (headers: string) =>
      url(`GET /a?b HTTP/1.1\r\nHost: internal:3000\r\n${headers}\r\n`, trusted);
    assert.equal(await forwarded(""), "http://internal:3000/a?b");
    assert.equal(await forwarded("X-Forwarded-Proto: https\r\n"), "https://internal:3000/a?b");
    assert.equal(
      await forwarded("X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n"),
      "https://shop.example/a?b",
    );
    // nginx's $host has no port: the same name without one keeps the port the request came with.
    assert.equal(await forwarded("X-Forwarded-Host: internal\r\n"), "http://internal:3000/a?b");
    assert.equal(
      await url("GET /a HTTP/1.1\r\nHost: [::1]:3000\r\nX-Forwarded-Proto: https\r\n\r\n", trusted),
      "https://[::1]:3000/a",
    );
    assert.equal(await url("GET /a HTTP/1.0\r\n\r\n", trusted), "http://localhost/a");
    assert.equal(
      await url("OPTIONS * HTTP/1.1\r\nHost: internal\r\n\r\n", trusted),
      "http://internal/",
    );
  });

  // Regression: the forwarded host's port was dropped ("https://shop.example/a"), so Hono's csrf()
  // refused every same-origin form post behind a proxy on a non-default port, and redirects built
  // from request.url pointed at the wrong port.
  it("behind a trusted proxy, the forwarded host keeps its port", async () => {
    const request = (headers: string) =>
      url(`GET /a HTTP/1.1\r\nHost: internal:3000\r\n${headers}\r\n`, { trustProxy: 1 });
    assert.equal(
      await request("X-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example:8443\r\n"),
      "https://shop.example:8443/a",
    );
    assert.equal(await request("X-Forwarded-Host: internal:8080\r\n"), "http://internal:8080/a");
    assert.equal(
      await request("X-Forwarded-Host: [2001:db8::1]:8443\r\n"),
      "http://[2001:db8::1]:8443/a",
    );
    const forwarded = await url(
      'GET /a HTTP/1.1\r\nHost: internal:3000\r\nForwarded: proto=https;host="shop.example:8443"\r\n\r\n',
      { trustProxy: { proxies: 1, header: "forwarded" } },
    );
    assert.equal(forwarded, "https://shop.example:8443/a");
  });

  it("behind a trusted proxy, absolute-form keeps only its path and query", async () => {
    const trusted = { trustProxy: true };
    const cases: Array<[target: string, expected: string]> = [
      ["http://internal:3000/p?q", "https://internal:3000/p?q"],
      ["http://internal:3000?q", "https://internal:3000/?q"],
      ["http://internal:3000", "https://internal:3000/"],
    ];
    for (const [target, expected] of cases) {
      const request = `GET ${target} HTTP/1.1\r\nHost: internal:3000\r\nX-Forwarded-Proto: https\r\n\r\n`;
      assert.equal(await url(request, trusted), expected, target);
    }
  });
});

describe("the rest of the Request interface", () => {
  it("has the values of a request a server received", async () => {
    const seen = await observe("GET / HTTP/1.1\r\nHost: example.test\r\n\r\n", (request) => ({
      cache: request.cache,
      credentials: request.credentials,
      destination: request.destination,
      integrity: request.integrity,
      keepalive: request.keepalive,
      mode: request.mode,
      redirect: request.redirect,
      referrer: request.referrer,
      referrerPolicy: request.referrerPolicy,
      isReloadNavigation: request.isReloadNavigation,
      isHistoryNavigation: request.isHistoryNavigation,
      duplex: request.duplex,
      bodyUsed: request.bodyUsed,
    }));
    assert.deepEqual(seen, {
      cache: "default",
      credentials: "same-origin",
      destination: "",
      integrity: "",
      keepalive: false,
      mode: "cors",
      redirect: "follow",
      referrer: "about:client",
      referrerPolicy: "",
      isReloadNavigation: false,
      isHistoryNavigation: false,
      duplex: "half",
      bodyUsed: false,
    });
  });

  it("repeated headers keep every value, in order", async () => {
    const seen = await observe(
      "GET / HTTP/1.1\r\nHost: example.test\r\nX-A: 1\r\nX-B: 2\r\nX-A: 3\r\n\r\n",
      (request) => [...request.headers],
    );
    assert.deepEqual(seen, [
      ["host", "example.test"],
      ["x-a", "1, 3"],
      ["x-b", "2"],
    ]);
  });
});

describe("the body", () => {
  it("bytes() and arrayBuffer() hold exactly the body, never more of a shared buffer", async () => {
    const seen = await observe(post("/", "text/plain", "hello"), async (request) => {
      const buffer = await request.arrayBuffer();
      return { length: buffer.byteLength, text: Buffer.from(buffer).toString() };
    });
    assert.deepEqual(seen, { length: 5, text: "hello" });
    for (const size of [1, 100, 5000, 70_000]) {
      const body = `${"x".repeat(size - 1)}!`;
      const bytes = await observe(post("/", undefined, body), async (request) => {
        const read = await request.bytes();
        return [
          read.byteLength,
          read.buffer.byteLength,
          Buffer.from(read).toString().endsWith("x!"),
        ];
      });
      assert.deepEqual(bytes, [size, size, size > 1], String(size));
    }
  });

  it("no body: empty bytes and text, a null stream", async () => {
    const seen = await observe(
      "DELETE / HTTP/1.1\r\nHost: example.test\r\n\r\n",
      async (request) => ({
        body: request.body,
        bytes: (await request.bytes()).byteLength,
      }),
    );
    assert.deepEqual(seen, { body: null, bytes: 0 });
  });

  it("blob() carries the Content-Type, or none", async () => {
    const typed = await observe(post("/", "text/csv", "a,b"), async (request) => {
      const blob = await request.blob();
      return [blob.type, await blob.text()];
    });
    assert.deepEqual(typed, ["text/csv", "a,b"]);
    const untyped = await observe(
      post("/", undefined, "x"),
      async (request) => (await request.blob()).type,
    );
    assert.equal(untyped, "");
  });

  it("looking at the body does not use it; reading the stream does", async () => {
    const seen = await observe(post("/", "text/plain", "streamed"), async (request) => {
      const looked = request.body !== null && !request.bodyUsed;
      const reader = request.body!.getReader();
      const chunks: string[] = [];
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        chunks.push(Buffer.from(read.value).toString());
      }
      const after = request.bodyUsed;
      const again = await request.text().then(
        () => "read twice",
        (error: Error) => `${error.name}: ${error.message}`,
      );
      return { looked, text: chunks.join(""), after, again };
    });
    assert.deepEqual(seen, {
      looked: true,
      text: "streamed",
      after: true,
      again: "TypeError: Body is unusable: the request body was already read",
    });
  });

  it("a locked but unread stream also makes text() refuse", async () => {
    const seen = await observe(post("/", "text/plain", "x"), async (request) => {
      request.body!.getReader();
      return request.text().then(
        () => "read",
        (error: Error) => error.message,
      );
    });
    assert.equal(seen, "Body is unusable: the request body was already read");
  });

  it("a body over the limit is a RequestBodyError 413 from text() and from the stream", async () => {
    const limits = { maxBodyBytes: 4 };
    for (const how of ["text", "stream"] as const) {
      const seen = await observe(
        post("/", "text/plain", "too long"),
        async (request) => {
          try {
            if (how === "text") await request.text();
            else for await (const _ of request.body!) void _;
            return "read";
          } catch (error) {
            return [error instanceof RequestBodyError, (error as RequestBodyError).status];
          }
        },
        { limits },
      );
      assert.deepEqual(seen, [true, 413], how);
    }
  });

  it("malformed JSON and forms are 400s whose response a framework can send", async () => {
    const json = await fetchOne(
      async (request) => {
        try {
          return Response.json(await request.json());
        } catch (error) {
          assert.ok(error instanceof RequestBodyError);
          return error.getResponse();
        }
      },
      post("/", "application/json", "{nope"),
    );
    assert.equal(json.status, 400);
    assert.equal(json.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.match(json.text(), /^Malformed JSON in the request body: SyntaxError: .*\n$/);

    const form = await observe(post("/", "multipart/form-data; boundary=x", "junk"), (request) =>
      request.formData().then(
        () => "parsed",
        (error: RequestBodyError) => [
          error instanceof RequestBodyError,
          error.status,
          error.message,
        ],
      ),
    );
    assert.equal((form as unknown[])[0], true);
    assert.equal((form as unknown[])[1], 400);
    assert.match(String((form as unknown[])[2]), /^Malformed form body: /);
  });

  it("formData() parses urlencoded forms", async () => {
    const seen = await observe(
      post("/", "application/x-www-form-urlencoded", "a=1&b=x+y"),
      async (request) => [...(await request.formData())],
    );
    assert.deepEqual(seen, [
      ["a", "1"],
      ["b", "x y"],
    ]);
  });

  it("after materialise(), every view reads the real Request", async () => {
    const seen = await observe(post("/m?x", "text/plain", "payload"), async (request) => {
      const lazy = request;
      const real = lazy.materialise();
      return {
        same: lazy.materialise() === real,
        method: lazy.method,
        headers: lazy.headers === real.headers,
        body: lazy.body === real.body,
        text: await lazy.text(),
        used: lazy.bodyUsed,
        realUsed: real.bodyUsed,
      };
    });
    assert.deepEqual(seen, {
      same: true,
      method: "POST",
      headers: true,
      body: true,
      text: "payload",
      used: true,
      realUsed: true,
    });
    for (const read of ["arrayBuffer", "bytes", "blob"] as const) {
      const length = await observe(post("/", "text/plain", "four"), async (request) => {
        request.materialise();
        const body = await request[read]();
        return body instanceof Blob ? body.size : body.byteLength;
      });
      assert.equal(length, 4, read);
    }
    const form = await observe(
      post("/", "application/x-www-form-urlencoded", "k=v"),
      async (request) => {
        request.materialise();
        return [...(await request.formData())];
      },
    );
    assert.deepEqual(form, [["k", "v"]]);
  });

  it("materialise() of a GET has no body; clone() copies method, URL and headers", async () => {
    const seen = await observe(
      "GET /c HTTP/1.1\r\nHost: example.test\r\nX-T: 1\r\n\r\n",
      (request) => {
        const copy = request.clone();
        return [copy.method, copy.url, copy.headers.get("x-t"), copy.body];
      },
    );
    assert.deepEqual(seen, ["GET", "http://example.test/c", "1", null]);
  });

  it("a body error surfacing after the handler answered is not reported as the handler's", async () => {
    const { responses, errors } = await fetchInMemory(
      () => new Response("ok"),
      post("/", "text/plain", "unread"),
    );
    assert.equal(responses[0]?.status, 200);
    assert.deepEqual(errors, []);
  });
});

describe("edges found by the second mutation run", () => {
  it("headers is one object: what a middleware sets on it stays", async () => {
    const seen = await observe(post("/", "text/plain", "x"), (request) => {
      request.headers.set("x-added", "1");
      const headers = request.headers;
      return [request.headers === headers, request.headers.get("x-added")];
    });
    assert.deepEqual(seen, [true, "1"]);
  });

  it("a body read once is used; a 413 keeps its close", async () => {
    const seen = await observe(post("/", "text/plain", "once"), async (request) => {
      const before = request.bodyUsed;
      const text = await request.text();
      return [before, text, request.bodyUsed];
    });
    assert.deepEqual(seen, [false, "once", true]);
    const tooLarge = await observe(
      post("/", "text/plain", "too long"),
      (request) =>
        request.text().then(
          () => "read",
          (error: RequestBodyError) => [
            error instanceof RequestBodyError,
            error.status,
            error.close,
          ],
        ),
      { limits: { maxBodyBytes: 4 } },
    );
    assert.deepEqual(tooLarge, [true, 413, true]);
  });

  it("a body read after the response went out fails with the engine's own error", async () => {
    // The second pipelined request's handler reads the first's body, answered and discarded.
    let first: Request | undefined;
    let failure: unknown;
    await fetchInMemory(
      async (request) => {
        if (first === undefined) {
          first = request;
          return new Response("early");
        }
        failure = await first.text().then(
          () => "read",
          (error: unknown) => error,
        );
        return new Response("second");
      },
      // Still arriving (8 bytes per loop iteration) when the first answer goes out: discarded.
      post("/", "text/plain", "late".repeat(16)) + post("/", undefined, ""),
      { chunkSize: 8 },
    );
    assert.ok(failure instanceof Error && !(failure instanceof RequestBodyError), String(failure));
    assert.equal(
      (failure as Error).message,
      "The response was already sent; the request body is no longer available",
    );
  });

  it("after materialise(), reads use the real Request: used, and its headers count", async () => {
    for (const read of ["bytes", "arrayBuffer", "blob"] as const) {
      const used = await observe(post("/", "text/plain", "four"), async (request) => {
        const real = request.materialise();
        await request[read]();
        return [request.bodyUsed, real.bodyUsed];
      });
      assert.deepEqual(used, [true, true], read);
    }
    const retyped = await observe(post("/", "text/plain", "k=v"), async (request) => {
      request.materialise();
      request.headers.set("content-type", "application/x-www-form-urlencoded");
      const blob = await request.clone().blob();
      return [blob.type, [...(await request.formData())]];
    });
    assert.deepEqual(retyped, ["application/x-www-form-urlencoded", [["k", "v"]]]);
    const blobType = await observe(post("/", "text/plain", "b"), async (request) => {
      request.materialise();
      request.headers.set("content-type", "text/x-later");
      return (await request.blob()).type;
    });
    assert.equal(blobType, "text/x-later");
  });

  it("a GET or HEAD sent with a body still materialises, without it", async () => {
    for (const method of ["GET", "HEAD"]) {
      const response = await fetchOne((request) => {
        const real = (request as Lazy).materialise();
        const seen = `${String(real.body)} ${String(request.body)}`;
        return new Response(null, { headers: { "x-body": seen } });
      }, `${method} / HTTP/1.1\r\nHost: example.test\r\nContent-Length: 3\r\n\r\nabc`);
      assert.equal(response.status, 200, method);
      assert.equal(response.headers.get("x-body"), "null null", method);
    }
  });

  it("after materialise(), cancelling the body uses it, as on the real Request", async () => {
    const seen = await observe(post("/", "text/plain", "unread"), async (request) => {
      const real = request.materialise();
      await request.body!.cancel();
      return [request.bodyUsed, real.bodyUsed];
    });
    assert.deepEqual(seen, [true, true]);
  });

  it("cancelling the body stream before reading it is allowed", async () => {
    const seen = await observe(post("/", "text/plain", "unread"), async (request) => {
      await request.body!.cancel();
      return "cancelled";
    });
    assert.equal(seen, "cancelled");
  });

  it("an absolute-form https target on a plain connection is the URL as sent", async () => {
    assert.equal(
      await url("GET https://other.example/p HTTP/1.1\r\nHost: other.example\r\n\r\n"),
      "https://other.example/p",
    );
  });

  it("behind a trusted proxy, our own host without a port keeps ours: IPv6 and one-letter names", async () => {
    const trusted = { trustProxy: true };
    assert.equal(
      await url("GET /a HTTP/1.1\r\nHost: [::1]:3000\r\nX-Forwarded-Host: [::1]\r\n\r\n", trusted),
      "http://[::1]:3000/a",
    );
    assert.equal(
      await url("GET /a HTTP/1.1\r\nHost: a:3000\r\nX-Forwarded-Host: a\r\n\r\n", trusted),
      "http://a:3000/a",
    );
    // Another name is the proxy's, even one that differs from ours by a last letter.
    assert.equal(
      await url("GET /a HTTP/1.1\r\nHost: shop\r\nX-Forwarded-Host: sho\r\n\r\n", trusted),
      "http://sho/a",
    );
  });
});

describe("bytes() and the engine's buffer", () => {
  /** A lazy request over a stub whose body is exactly `body` (as the engine would hand it out). */
  function over(body: Buffer): FetchRequest {
    const wire = { method: "POST", bodyStream: { bytes: async () => body } };
    return new FetchRequest(wire as unknown as WireRequest, {
      trustProxy: checkProxyTrust(undefined),
    });
  }

  it("hands out a view of a buffer the body fills, a copy of part of a larger one", async () => {
    const whole = Buffer.from(new ArrayBuffer(4));
    whole.write("full");
    const view = await over(whole).bytes();
    assert.equal(view.buffer, whole.buffer);
    const shared = Buffer.from(new ArrayBuffer(10));
    shared.write("headbody..");
    for (const part of [shared.subarray(0, 4), shared.subarray(4, 8)]) {
      const copy = await over(part).bytes();
      assert.notEqual(copy.buffer, shared.buffer);
      assert.deepEqual([copy.byteLength, copy.buffer.byteLength], [4, 4]);
      assert.equal(Buffer.from(copy).toString(), part.toString());
    }
  });
});
