import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { INJECT_UPGRADE_MESSAGE } from "../../src/app/inject.js";
import { PROTOCOL_ERROR_LINES_PER_SECOND } from "../../src/app/protocol-log.js";
import { checkProxyTrust } from "../../src/app/proxy.js";
import {
  type FetchAccessLogEntry,
  FetchExchange,
  type FetchHandler,
} from "../../src/edges/fetch/handler.js";
import type { ServeHandler } from "../../src/edges/fetch/websocket.js";
import { HttpError } from "../../src/wire/http-error.js";
import type { ConnectionInfo } from "../../src/wire/request.js";
import { fetchInMemory, type InMemoryOptions, type LogLine } from "./in-memory.js";

// FetchExchange's paths that only WebSockets and failures reach, in memory (test/fetch/in-memory.ts):
// a request asking to upgrade when serve() has a `websocket`, the errors logged after a response
// started and those that belong to no request. test/fetch/websocket.test.ts covers the same over
// TCP with real WebSocket clients; these are fast enough for the mutation run (docs/mutation/app.md).

const HANDSHAKE =
  "Host: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const UPGRADE = `GET /chat HTTP/1.1\r\n${HANDSHAKE}`;
const PLAIN = "GET /plain HTTP/1.1\r\nHost: example.test\r\n\r\n";
const websocket = { message() {} };

/** Serves `fetch` (serve()'s handler, with `info.upgrade`) with a websocket behaviour. */
function serveInMemory(fetch: ServeHandler<unknown>, bytes: string, options: InMemoryOptions = {}) {
  return fetchInMemory(fetch as unknown as FetchHandler, bytes, { websocket, ...options });
}

describe("serve({ fetch, websocket }) in memory: the upgrade path", () => {
  it("a valid handshake the handler upgrades is handed off (501 in memory), whatever it returns", async () => {
    for (const answer of [undefined, new Response("ignored", { status: 200 })]) {
      const upgraded: boolean[] = [];
      const { responses, errors } = await serveInMemory(async (request, info) => {
        upgraded.push(info.upgrade(request));
        return answer;
      }, UPGRADE);
      assert.deepEqual(upgraded, [true]);
      assert.deepEqual(
        responses.map((response) => [response.status, response.text()]),
        [[501, `${INJECT_UPGRADE_MESSAGE}\n`]],
      );
      // In memory the refusal is a 5xx HttpError, logged as such; nothing else is.
      assert.deepEqual(
        errors.map((line) => line.message),
        [INJECT_UPGRADE_MESSAGE],
      );
    }
  });

  it("a handshake the handler declines is answered with what it returns, HEAD without a body", async () => {
    const refuse: ServeHandler<unknown> = () => new Response("Upgrade required", { status: 426 });
    const { responses } = await serveInMemory(refuse, UPGRADE);
    assert.deepEqual(
      responses.map((response) => [response.status, response.text()]),
      [[426, "Upgrade required"]],
    );
    // A HEAD asking to upgrade takes the same path: a body-less answer gets no invented length.
    const head = await serveInMemory(
      () => new Response(null),
      `HEAD /chat HTTP/1.1\r\n${HANDSHAKE}`,
    );
    assert.equal(head.responses[0]?.status, 200);
    assert.equal(head.responses[0]?.headers.get("content-length"), null);
    const get = await serveInMemory(() => new Response(null), UPGRADE);
    assert.equal(get.responses[0]?.headers.get("content-length"), "0");
  });

  it("info.upgrade() of a request that is not this exchange's own does not upgrade this one", async () => {
    const results: boolean[] = [];
    const foreign = await serveInMemory((request, info) => {
      results.push(info.upgrade(new Request(request.url, { headers: request.headers })));
      return new Response("not upgraded", { status: 426 });
    }, UPGRADE);
    assert.equal(foreign.responses[0]?.status, 426);
    // Pipelined: the second handler asks to upgrade the first request, whose handler has ended.
    let first: Request | undefined;
    const pipelined = await serveInMemory((request, info) => {
      if (first === undefined) {
        first = request;
        return new Response("first", { status: 426 });
      }
      results.push(info.upgrade(first));
      return new Response("second", { status: 426 });
    }, UPGRADE + UPGRADE);
    assert.deepEqual(
      pipelined.responses.map((response) => [response.status, response.text()]),
      [
        [426, "first"],
        [426, "second"],
      ],
    );
    assert.deepEqual(results, [false, false]);
  });

  it("a request without Upgrade is answered as usual; info.upgrade() of it is false", async () => {
    const results: boolean[] = [];
    const { responses } = await serveInMemory((request, info) => {
      results.push(info.upgrade(request));
      return new Response("plain");
    }, PLAIN);
    assert.deepEqual(results, [false]);
    assert.deepEqual(
      responses.map((response) => [response.status, response.text()]),
      [[200, "plain"]],
    );
  });

  it("a handler that throws on the upgrade path is a 500, logged, and the request no longer upgradable", async () => {
    const { responses, errors } = await serveInMemory(async () => {
      throw new Error("no room");
    }, UPGRADE);
    assert.equal(responses[0]?.status, 500);
    assert.deepEqual(
      errors.map((line) => [line.message, (line.fields!.error as Error).message]),
      [["Unhandled error in a fetch handler", "no room"]],
    );
  });

  it("the access log has one entry per upgrade request, with the answer's status", async () => {
    const entries: FetchAccessLogEntry[] = [];
    const accessLog = (entry: FetchAccessLogEntry) => entries.push(entry);
    await serveInMemory(() => new Response("nope", { status: 426 }), UPGRADE, { accessLog });
    await serveInMemory(
      (request, info) => {
        info.upgrade(request);
        return undefined;
      },
      UPGRADE,
      { accessLog },
    );
    assert.deepEqual(
      entries.map(({ path, status, bytes }) => [path, status, bytes]),
      [
        ["/chat", 426, 4],
        // The hand-off itself (101, no body), then in memory the 501 that replaces it.
        ["/chat", 101, 0],
        ["/chat", 501, Buffer.byteLength(`${INJECT_UPGRADE_MESSAGE}\n`)],
      ],
    );
  });
});

describe("synchronous answers", () => {
  it("a Response returned synchronously is converted without a promise, also with a websocket", async () => {
    const results: string[] = [];
    const onHandled = (result: void | Promise<void>) =>
      results.push(result === undefined ? "sync" : "promise");
    // No body: converted synchronously on every Node (a text body is read from undici's state
    // only where that is reachable, Node 20 and 22; on Node 24 its stream is read, a promise).
    await fetchInMemory(() => new Response(null), PLAIN, { onHandled });
    await serveInMemory(() => new Response(null), PLAIN, { onHandled });
    await fetchInMemory(async () => new Response("later"), PLAIN, { onHandled });
    // A request asking to upgrade waits for the handler (it may upgrade after an await).
    await serveInMemory(() => new Response("no", { status: 426 }), UPGRADE, { onHandled });
    assert.deepEqual(results, ["sync", "sync", "promise", "promise"]);
  });
});

describe("without a websocket behaviour", () => {
  it("a request asking to upgrade is the handler's to answer, as any other", async () => {
    const { responses } = await fetchInMemory(() => new Response("plain HTTP"), UPGRADE);
    assert.deepEqual(
      responses.map((response) => [response.status, response.text()]),
      [[200, "plain HTTP"]],
    );
  });
});

describe("the access log's timing and failures", () => {
  it("durationMs runs from the request's arrival to the answer, in milliseconds", async () => {
    const entries: FetchAccessLogEntry[] = [];
    const busy = 15;
    const before = performance.now();
    await fetchInMemory(
      async () => {
        // Busy for a known minimum time (not a sleep: performance.now() is what is measured).
        const until = performance.now() + busy;
        while (performance.now() < until);
        return new Response("done");
      },
      PLAIN,
      { accessLog: (entry) => entries.push(entry) },
    );
    const outer = performance.now() - before;
    assert.equal(entries.length, 1);
    const { durationMs } = entries[0]!;
    // Rounded to microseconds: allow that much either side.
    assert.ok(durationMs >= busy - 0.001, `${durationMs} ms, busy ${busy} ms`);
    assert.ok(durationMs <= outer + 0.001, `${durationMs} ms, whole call ${outer} ms`);
  });

  it("an access log that throws fails the request, and the stream it had is released", async () => {
    let cancelled = 0;
    let calls = 0;
    const { responses, errors } = await fetchInMemory(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(Buffer.from("first"));
            },
            cancel() {
              cancelled++;
            },
          }),
        ),
      PLAIN,
      {
        accessLog: () => {
          calls++;
          if (calls === 1) throw new Error("log full");
        },
      },
    );
    assert.deepEqual(
      responses.map((response) => [response.status, response.text()]),
      [[500, "Internal Server Error\n"]],
    );
    assert.equal((errors[0]?.fields?.error as Error | undefined)?.message, "log full");
    assert.equal(cancelled, 1);
    assert.equal(calls, 2, "the 500 is logged too");
  });
});

describe("error answers", () => {
  it("an HttpError's own Content-Type replaces the default one", async () => {
    const { responses } = await fetchInMemory(() => {
      throw new HttpError(422, "bad", {
        headers: { "content-type": "application/problem+json" },
      });
    }, PLAIN);
    assert.equal(responses[0]?.headers.get("content-type"), "application/problem+json");
  });
});

describe("errors that no answer can carry", () => {
  it("a response stream failing after the head went out is logged with its request, and cuts the connection", async () => {
    const failure = new Error("producer crashed");
    const errors: LogLine[] = [];
    const served = fetchInMemory(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(Buffer.from("partial"));
              setImmediate(() => setImmediate(() => controller.error(failure)));
            },
          }),
        ),
      // A second request still arriving (a few bytes per loop iteration): the client has not
      // left when the stream fails, so this is the server's failure to report.
      PLAIN + PLAIN,
      { errors, chunkSize: 4 },
    );
    // The client sees the chunked body end without its last chunk.
    await assert.rejects(served, /Truncated chunked body/);
    assert.deepEqual(errors, [
      {
        message: "Request failed after the response started",
        fields: { error: failure, method: "GET", path: "/plain" },
      },
    ]);
  });

  it("an error outside any request is a server error line", () => {
    const lines: unknown[] = [];
    const exchange = exchangeLogging(lines);
    const failure = new Error("EMFILE");
    exchange.reportError(failure, undefined);
    assert.deepEqual(lines, [
      ["error", "Server error", { error: failure, method: undefined, path: undefined }],
    ]);
  });

  it("a request that is not HTTP is a warn line naming the status, the client and what came", async () => {
    const { responses, warnings } = await fetchInMemory(
      () => new Response("never"),
      "HELLO THERE\r\n\r\n",
      { remoteAddress: "192.0.2.9" },
    );
    assert.equal(responses[0]?.status, 400);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.message, /^Protocol error: /);
    assert.deepEqual(
      [warnings[0]!.fields?.status, warnings[0]!.fields?.remoteAddress],
      [400, "192.0.2.9"],
    );
    assert.match(String(warnings[0]!.fields?.received), /^HELLO THERE/);
  });

  it("protocol error lines are rate-limited across the server's connections", () => {
    const lines: unknown[] = [];
    const exchange = exchangeLogging(lines);
    const connection: ConnectionInfo = {
      remoteAddress: "192.0.2.1",
      remotePort: 4711,
      localPort: 80,
      encrypted: false,
      onAbort() {},
    };
    const total = PROTOCOL_ERROR_LINES_PER_SECOND + 5;
    for (let i = 0; i < total; i++) {
      exchange.reportProtocolError(new HttpError(400, "Bad request line"), "x", connection);
    }
    // One log for the server: within a second, only the first lines are written.
    assert.equal(lines.length, PROTOCOL_ERROR_LINES_PER_SECOND);
    assert.deepEqual(lines[0], [
      "warn",
      "Protocol error: Bad request line",
      { status: 400, remoteAddress: "192.0.2.1", received: "x" },
    ]);
  });
});

/** A FetchExchange whose logger records `[level, message, fields]`. */
function exchangeLogging(lines: unknown[]): FetchExchange {
  return new FetchExchange({
    fetch: () => new Response(""),
    trustProxy: checkProxyTrust(undefined),
    development: false,
    logger: {
      info: (message, fields) => lines.push(["info", message, fields]),
      warn: (message, fields) => lines.push(["warn", message, fields]),
      error: (message, fields) => lines.push(["error", message, fields]),
    },
    accessLog: undefined,
    waitUntil: () => {},
    upgrader: undefined,
  });
}
