import assert from "node:assert/strict";
import net from "node:net";
import { describe, test } from "node:test";
import { serializeRequest } from "../../src/app/inject.js";
import { newApp } from "./matrix.js";

/** Things only the in-memory side can show: exact bytes, fake connection details, splits. */

function echoApp() {
  const app = newApp();
  app.get("/hello", () => "hello");
  app.route("/echo", async (request) => ({
    method: request.method,
    headers: request.rawHeaders,
    body: await request.text(),
  }));
  app.get("/who", (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    port: request.connection.remotePort,
  }));
  return app;
}

describe("app.inject()", () => {
  test("opens no network socket and starts no listener", async () => {
    const original = {
      listen: net.Server.prototype.listen,
      connect: net.Socket.prototype.connect,
    };
    const refuse = () => {
      throw new Error("inject touched the network");
    };
    net.Server.prototype.listen = refuse;
    net.Socket.prototype.connect = refuse;
    try {
      const app = echoApp();
      const response = await app.inject({ url: "/hello" });
      assert.equal(response.text(), "hello");
      assert.deepEqual(app.addresses, []);
    } finally {
      net.Server.prototype.listen = original.listen;
      net.Socket.prototype.connect = original.connect;
    }
  });

  test("raw holds the exact bytes the server wrote", async () => {
    const response = await echoApp().inject({ url: "/hello" });
    const text = response.raw.toString("latin1");
    assert.match(
      text,
      /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=utf-8\r\nDate: [^\r]+ GMT\r\nContent-Length: 5\r\n\r\nhello$/,
    );
    assert.equal(response.statusText, "OK");
    assert.deepEqual(response.rawHeaders.slice(0, 2), [
      "Content-Type",
      "text/plain; charset=utf-8",
    ]);
  });

  test("serialises method, repeated headers and a JSON body", async () => {
    const response = await echoApp().inject({
      method: "PUT",
      url: "/echo",
      headers: { "X-Tag": ["a", "b"], Host: "api.example" },
      body: { list: [1, 2] },
    });
    assert.deepEqual(response.json(), {
      method: "PUT",
      headers: [
        "X-Tag",
        "a",
        "X-Tag",
        "b",
        "Host",
        "api.example",
        "Content-Type",
        "application/json",
        "Content-Length",
        "14",
      ],
      body: '{"list":[1,2]}',
    });
  });

  test("remoteAddress, remotePort and encrypted reach the request", async () => {
    const response = await echoApp().inject({
      url: "/who",
      remoteAddress: "2001:db8::5",
      remotePort: 4433,
      encrypted: true,
    });
    assert.deepEqual(response.json(), { ip: "2001:db8::5", protocol: "https", port: 4433 });
  });

  test("every read size gives the same response", async () => {
    const app = echoApp();
    const body = "split me into many pieces ✂";
    const whole = await app.inject({ method: "POST", url: "/echo", body });
    for (const chunkSize of [1, 2, 3, 7, 64]) {
      const split = await app.inject({ method: "POST", url: "/echo", body, chunkSize });
      assert.deepEqual(split.body, whole.body, `chunkSize ${chunkSize}`);
    }
  });

  test("a slow reader of a large body pauses and resumes the connection", async () => {
    const app = newApp({ limits: { bodyHighWaterMark: 1024, maxBodyBytes: 1 << 20 } });
    app.post("/slow", async (request) => {
      // The in-memory client delivers one read per event-loop turn: 300 turns are far more than
      // the 49 reads of this body need unless the connection pauses them.
      for (let turn = 0; turn < 300; turn++) await new Promise((resolve) => setImmediate(resolve));
      const whileNotReading = request.bodyStream!.received;
      let total = 0;
      for await (const chunk of request) total += chunk.length;
      return `${whileNotReading} ${total}`;
    });
    const body = Buffer.alloc(200_000, 7);
    const response = await app.inject({ method: "POST", url: "/slow", body, chunkSize: 4096 });
    const [whileNotReading, total] = response.text().split(" ").map(Number);
    // Paused once more than the high-water mark was buffered: at most that plus one read.
    assert.ok(whileNotReading! > 0 && whileNotReading! <= 1024 + 4096, String(whileNotReading));
    // Resumed as the handler read: all of it arrived.
    assert.equal(total, 200_000);
  });

  test("a large streamed response survives write backpressure", async () => {
    const app = newApp();
    const piece = Buffer.alloc(64 * 1024, 1);
    app.get("/big", () =>
      (async function* () {
        for (let index = 0; index < 32; index++) yield piece;
      })(),
    );
    const response = await app.inject({ url: "/big" });
    assert.equal(response.body.length, 32 * piece.length);
    assert.equal(response.headers.get("transfer-encoding"), "chunked");
  });

  test("raw mode returns every response, HEAD-aware, in order", async () => {
    const responses = await echoApp().inject(
      "HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n" +
        "GET /missing HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" +
        "GET /hello HTTP/1.1\r\nHost: a\r\n\r\n",
    );
    assert.deepEqual(
      responses.map((response) => [response.status, response.text()]),
      [
        [200, ""],
        [200, "hello"],
        [404, responses[2]!.text()],
      ],
    );
    assert.equal(responses[0]!.headers.get("content-length"), "5");
    assert.equal(responses[2]!.headers.get("connection"), "close");
  });

  test("raw mode shows protocol errors and interim responses", async () => {
    const app = echoApp();
    const [bad] = await app.inject("GET /hello HTTP/1.1\r\n\r\n");
    assert.equal(bad!.status, 400);
    assert.match(bad!.text(), /Missing Host header/);
    assert.equal(bad!.headers.get("connection"), "close");
    // The handler reads before the body is there: the client is owed its 100 Continue (and,
    // since raw mode ends the input there, a 400 for the body that never came).
    const head =
      "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    const continued = await app.inject(head);
    assert.deepEqual(
      continued.map((response) => response.status),
      [100, 400],
    );
    // The body came with the head: no 100 Continue (RFC 9110 §10.1.1), just the answer.
    const sent = await app.inject(`${head}hi`);
    assert.deepEqual(
      sent.map((response) => response.status),
      [200],
    );
    assert.equal(sent[0]!.json<{ body: string }>().body, "hi");
  });

  test("HTTP/1.0 streams are close-delimited", async () => {
    const app = newApp();
    app.get("/stream", () =>
      (async function* () {
        yield "one ";
        yield "two";
      })(),
    );
    const [response] = await app.inject("GET /stream HTTP/1.0\r\n\r\n");
    assert.equal(response!.versionMinor, 1);
    assert.equal(response!.headers.get("content-length"), null);
    assert.equal(response!.headers.get("connection"), "close");
    assert.equal(response!.text(), "one two");
  });

  test("request options are validated before anything is sent", () => {
    const table: Array<[Parameters<typeof serializeRequest>[0], RegExp]> = [
      [{ url: "/a b" }, /percent-encode spaces/],
      [{ url: "/é" }, /percent-encode/],
      [{ url: "/", method: "GE T" }, /Invalid method/],
      [{ url: "/", headers: { "bad name": "x" } }, /Invalid header name/],
      [{ url: "/", headers: { "x-a": "a\r\nInjected: 1" } }, /no CR, LF/],
    ];
    for (const [options, message] of table) assert.throws(() => serializeRequest(options), message);
    assert.throws(() => serializeRequest({} as never), /needs \{ url: "\/path" \}/);
  });

  test("a response cut short by a failing stream is an error, not a short body", async () => {
    const app = newApp();
    app.get("/broken", () =>
      (async function* () {
        yield "partial";
        throw new Error("disk went away");
      })(),
    );
    await assert.rejects(app.inject({ url: "/broken" }), /Truncated chunked body/);
    assert.deepEqual(await app.inject(""), [], "no request, no response");
  });
});
