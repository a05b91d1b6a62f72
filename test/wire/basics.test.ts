import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { curl, withServer } from "./harness.js";

/** The plain request/response cycle over real TCP, seen by fetch, curl and a raw socket. */

function routes(app: Server): void {
  app.get("/hello", (_request, response) => {
    response.headers.set("x-app", "slow-serv");
    response.body = "hello";
  });
  app.post("/echo", async (request, response) => {
    response.headers.set("content-type", request.headers.get("content-type") ?? "text/plain");
    response.body = await request.bytes();
  });
  app.get("/json", () => ({ ok: true, list: [1, 2] }));
  app.get("/utf8", (_request, response) => {
    response.body = "héllo wörld €😀";
  });
  app.get("/no-content", (_request, response) => {
    response.status = 204;
    response.body = "ignored";
  });
  app.get("/not-modified", (_request, response) => {
    response.status = 304;
    response.headers.set("etag", '"v1"');
    response.body = "ignored";
  });
}

describe("GET, POST and HEAD over TCP", { timeout: 10_000 }, () => {
  it("answers fetch", async () => {
    await withServer(routes, async ({ url }) => {
      const get = await fetch(`${url}/hello`);
      assert.equal(get.status, 200);
      assert.equal(get.headers.get("x-app"), "slow-serv");
      assert.equal(get.headers.get("content-type"), "text/plain; charset=utf-8");
      assert.equal(await get.text(), "hello");

      const post = await fetch(`${url}/echo`, {
        method: "POST",
        headers: { "content-type": "application/x-test" },
        body: "payload ✓",
      });
      assert.equal(post.headers.get("content-type"), "application/x-test");
      assert.equal(await post.text(), "payload ✓");

      const head = await fetch(`${url}/hello`, { method: "HEAD" });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get("content-length"), "5");
      assert.equal(await head.text(), "");

      assert.deepEqual(await (await fetch(`${url}/json`)).json(), { ok: true, list: [1, 2] });
    });
  });

  it("answers curl, including a streamed POST body and HEAD", async () => {
    await withServer(routes, async ({ url }) => {
      assert.equal((await curl([`${url}/hello`])).stdout, "hello");
      const posted = await curl([
        "--data-binary",
        "a=1&b=2",
        "-H",
        "content-type: text/plain",
        `${url}/echo`,
      ]);
      assert.equal(posted.stdout, "a=1&b=2");
      const chunked = await curl([
        "--data-binary",
        "streamed",
        "-H",
        "transfer-encoding: chunked",
        `${url}/echo`,
      ]);
      assert.equal(chunked.stdout, "streamed");
      const head = await curl(["--head", `${url}/hello`]);
      assert.match(head.stdout, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head.stdout, /\r\ncontent-length: 5\r\n/i);
      assert.match(head.stdout, /\r\nx-app: slow-serv\r\n/);
      const missing = await curl([
        "--write-out",
        "%{http_code}",
        "--output",
        "/dev/null",
        `${url}/nope`,
      ]);
      assert.equal(missing.stdout, "404");
    });
  });

  it("writes exact heads with a current Date header", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      const before = Math.floor(Date.now() / 1000) * 1000;
      client.write("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      const response = await client.response();
      const after = Date.now();
      const date = /\r\nDate: ([^\r]+)\r\n/.exec(response.head)?.[1];
      assert.ok(date !== undefined, response.head);
      assert.match(date, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
      const stamp = Date.parse(date);
      assert.ok(stamp >= before && stamp <= after, `${date} not within the request`);
      assert.equal(
        response.raw.toString("latin1"),
        "HTTP/1.1 200 OK\r\nx-app: slow-serv\r\nContent-Type: text/plain; charset=utf-8\r\n" +
          `Date: ${date}\r\nContent-Length: 5\r\n\r\nhello`,
      );
      client.destroy();
    });
  });

  it("counts UTF-8 bytes in Content-Length", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write("GET /utf8 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
      const [utf8, next] = await client.responses(2);
      const expected = Buffer.from("héllo wörld €😀", "utf8");
      assert.equal(utf8!.headers["content-length"], String(expected.length));
      assert.deepEqual(utf8!.body, expected);
      // The next response starts exactly where the length said: nothing more, nothing less.
      assert.equal(next!.body.toString(), "hello");
      client.destroy();
    });
  });

  it("sends no body for HEAD, 204 and 304, and HEAD keeps GET's headers", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "HEAD /utf8 HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /no-content HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /not-modified HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n",
      );
      const [head, noContent, notModified, hello] = await client.responses(4, ["HEAD"]);
      assert.equal(head!.headers["content-length"], String(Buffer.byteLength("héllo wörld €😀")));
      assert.equal(head!.headers["content-type"], "text/plain; charset=utf-8");
      assert.equal(noContent!.status, 204);
      assert.equal(noContent!.headers["content-length"], undefined);
      assert.equal(noContent!.headers["transfer-encoding"], undefined);
      assert.equal(notModified!.status, 304);
      assert.equal(notModified!.headers.etag, '"v1"');
      assert.equal(notModified!.headers["content-length"], undefined);
      // Had any of them carried a body, this response would not parse as the fourth.
      assert.equal(hello!.body.toString(), "hello");
      assert.equal(parseResponses(client.received, ["HEAD"]).rest.length, 0);
      client.destroy();
    });
  });
});

describe("response heads", { timeout: 10_000 }, () => {
  it("writes latin1 header values as single bytes next to a UTF-8 body", async () => {
    await withServer(
      (app) => {
        app.get("/", (_request, response) => {
          response.headers.set("x-name", "café");
          response.body = "naïve";
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const response = await client.response();
        assert.ok(response.raw.includes(Buffer.from("x-name: caf\xe9\r\n", "latin1")));
        assert.deepEqual(response.body, Buffer.from("naïve", "utf8"));
        assert.equal(response.headers["content-length"], "6");
        client.destroy();
      },
    );
  });

  it("owns the framing headers: a handler's Content-Length or Transfer-Encoding is replaced", async () => {
    await withServer(
      (app) => {
        app.get("/", (_request, response) => {
          response.headers.set("content-length", "999");
          response.headers.set("transfer-encoding", "gzip");
          response.headers.set("keep-alive", "timeout=1");
          response.body = "abc";
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const [first, second] = await client.responses(2);
        assert.deepEqual(
          first!.fields.filter(([name]) =>
            /^(content-length|transfer-encoding|keep-alive)$/i.test(name),
          ),
          [["Content-Length", "3"]],
        );
        assert.equal(second!.body.toString(), "abc");
        client.destroy();
      },
    );
  });
});

describe("listening", { timeout: 10_000 }, () => {
  for (const host of ["127.0.0.1", "::1"]) {
    it(`serves on ${host} with port 0 reporting the bound port`, async () => {
      await withServer(
        routes,
        async ({ app, port, url }) => {
          assert.ok(port > 0);
          assert.equal(app.port, port);
          const shown = host.includes(":") ? `[${host}]` : host;
          assert.equal(url, `http://${shown}:${port}`);
          assert.equal(app.addresses[0]!.family, host.includes(":") ? "IPv6" : "IPv4");
          assert.equal(await (await fetch(`${url}/hello`)).text(), "hello");
          assert.equal((await curl([`${url}/hello`])).stdout, "hello");
        },
        {},
        { host },
      );
    });
  }

  it("reports a listening server's later error to the logger, with no unhandled rejection", async () => {
    const servers: net.Server[] = [];
    const listen = net.Server.prototype.listen;
    net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
      servers.push(this);
      return (listen as (...rest: unknown[]) => net.Server).apply(this, args);
    } as typeof listen;
    const logged: unknown[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      await withServer(
        routes,
        async () => {
          servers[0]!.emit(
            "error",
            Object.assign(new Error("EMFILE: too many open files"), { code: "EMFILE" }),
          );
          await new Promise((resolve) => setImmediate(resolve));
          await new Promise((resolve) => setImmediate(resolve));
        },
        {
          logger: {
            info: () => {},
            warn: () => {},
            error: (_message, fields) => logged.push(fields?.error),
          },
        },
      );
    } finally {
      net.Server.prototype.listen = listen;
      process.off("unhandledRejection", onUnhandled);
    }
    assert.equal(servers.length, 1);
    assert.deepEqual(unhandled, []);
    assert.match(String(logged[0]), /EMFILE/);
  });

  it("explains a port that is already in use", async () => {
    await withServer(routes, async ({ port }) => {
      const { Server: ServerClass } = await import("../../src/index.js");
      const second = new ServerClass({ logger: false });
      await assert.rejects(second.run({ port, host: "127.0.0.1" }), /already in use/);
      await second.close();
    });
  });
});
