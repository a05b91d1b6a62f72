import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import { type AccessLogEntry, HttpError, type Logger, Server } from "../../src/index.js";

// The access log as a function (each entry's fields checked), and the error log line of a 5xx
// with the request id that the response then carries back in X-Request-Id.

interface Logged {
  level: string;
  message: string;
  fields: Readonly<Record<string, unknown>> | undefined;
}

function capture(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  const push = (level: string) => (message: string, fields?: Readonly<Record<string, unknown>>) =>
    void lines.push({ level, message, fields });
  return { logger: { info: push("info"), warn: push("warn"), error: push("error") }, lines };
}

function routes(app: Server): void {
  app.get("/text", () => "héllo"); // 6 bytes in UTF-8
  app.get("/bytes", () => Buffer.alloc(10));
  app.get("/empty", (_request, response) => {
    response.status = 204;
  });
  app.get("/stream", () => Readable.from(["a", "b"]));
  app.get("/slow", async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    return "late";
  });
  app.get("/crash", () => {
    throw new Error("boom");
  });
  app.get("/unavailable", () => {
    throw new HttpError(503, "replica down");
  });
}

describe("access log as a function", () => {
  test("gets one entry per request with method, path, status, bytes, duration, id and ip", async () => {
    const entries: AccessLogEntry[] = [];
    const app = new Server({ logger: false, accessLog: (entry) => entries.push(entry) });
    routes(app);
    const remote = { remoteAddress: "203.0.113.9" };
    await app.inject({ url: "/text", headers: { "x-request-id": "req-1" }, ...remote });
    await app.inject({ url: "/bytes?x=1", ...remote });
    await app.inject({ method: "POST", url: "/text", ...remote });
    await app.inject({ url: "/empty", ...remote });
    await app.inject({ url: "/stream", ...remote });
    assert.equal(entries.length, 5);
    const [text, bytes, refused, empty, stream] = entries;
    assert.deepEqual(
      { ...text, durationMs: 0 },
      {
        method: "GET",
        path: "/text",
        status: 200,
        bytes: 6,
        durationMs: 0,
        requestId: "req-1",
        ip: "203.0.113.9",
      },
    );
    assert.equal(bytes!.path, "/bytes");
    assert.equal(bytes!.bytes, 10);
    assert.equal(refused!.method, "POST");
    assert.equal(refused!.status, 405);
    assert.equal(empty!.status, 204);
    assert.equal(empty!.bytes, 0);
    assert.equal(stream!.bytes, undefined, "a stream's size is not known in advance");
    const ids = new Set(entries.map((entry) => entry.requestId));
    assert.equal(ids.size, 5, "every request gets its own id");
    for (const entry of entries) {
      assert.ok(
        Number.isFinite(entry.durationMs) && entry.durationMs >= 0,
        String(entry.durationMs),
      );
    }
  });

  test("durationMs covers the handler's time", async () => {
    const entries: AccessLogEntry[] = [];
    const app = new Server({ logger: false, accessLog: (entry) => entries.push(entry) });
    routes(app);
    await app.inject({ url: "/slow" });
    // A lower bound only: the handler waited at least 30 ms on a timer.
    assert.ok(entries[0]!.durationMs >= 29, String(entries[0]!.durationMs));
  });

  test("accessLog: true writes the same entry through the logger", async () => {
    const { logger, lines } = capture();
    const app = new Server({ logger, accessLog: true });
    routes(app);
    await app.inject({ url: "/text", headers: { "x-request-id": "req-2" } });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "info");
    assert.equal(lines[0]!.message, "request");
    assert.equal(lines[0]!.fields?.requestId, "req-2");
    assert.equal(lines[0]!.fields?.bytes, 6);
  });
});

describe("5xx error log", () => {
  test("names the request id, method and path, and the response sends the id back", async () => {
    const { logger, lines } = capture();
    const app = new Server({ logger });
    routes(app);
    const generated = await app.inject({ url: "/crash?q=1" });
    assert.equal(generated.status, 500);
    const id = generated.headers.get("x-request-id");
    assert.ok(id !== null && id.length > 0, "a 500 carries the request id to quote");
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.level, "error");
    assert.equal(lines[0]!.message, "Unhandled error in a handler");
    assert.equal(lines[0]!.fields?.requestId, id);
    assert.equal(lines[0]!.fields?.method, "GET");
    assert.equal(lines[0]!.fields?.path, "/crash");
    assert.equal((lines[0]!.fields!.error as Error).message, "boom");

    const given = await app.inject({ url: "/unavailable", headers: { "x-request-id": "trace-7" } });
    assert.equal(given.status, 503);
    assert.equal(given.headers.get("x-request-id"), "trace-7");
    assert.equal(lines[1]!.message, "replica down");
    assert.equal(lines[1]!.fields?.requestId, "trace-7");
  });
});
