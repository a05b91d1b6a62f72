import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate } from "node:timers/promises";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { deferred, since, withServer } from "./harness.js";

/**
 * A chunk size that takes a body past its limit is a 413 as soon as the size line arrives (or as
 * soon as the handler starts reading, if that is later), exactly like a Content-Length over the
 * limit: never after waiting for data that cannot fit, nor for the body timeout. The limit is the
 * one in force when reading starts, so a route's `bodyLimit` (or a before hook's) counts.
 */

// Far longer than any test here may take: a 413 that arrives at all did not wait for it.
const TIMEOUTS = { body: 60_000, headers: 60_000, keepAlive: 60_000 };
const LIMITS = { maxBodyBytes: 1000 };

const HEAD = "POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

function routes(app: Server): void {
  app.post("/read", async (request) => `read ${(await request.bytes()).length}`);
  app.post("/stream", async (request) => {
    let total = 0;
    for await (const chunk of request) total += chunk.length;
    return `streamed ${total}`;
  });
  app.post("/late", async (request) => {
    // Reading starts after the size line arrived: the head and the size line come in one write,
    // hence one read, which the engine parses to its end before the loop reaches its check phase.
    await setImmediate();
    return `read ${(await request.bytes()).length}`;
  });
  app.post("/big", async (request) => `read ${(await request.bytes()).length}`, {
    bodyLimit: 5000,
  });
  app.post("/small", async (request) => `read ${(await request.bytes()).length}`, {
    bodyLimit: 10,
  });
  app.post(
    "/raised",
    async (request) => `read ${(await request.bytes()).length} of ${request.bodyLimit}`,
    {
      before: [
        (request) => {
          request.bodyLimit = 3000;
        },
      ],
    },
  );
}

/** Sends `request` without ending it and returns the one response and when it came. */
async function answer(port: number, request: string): Promise<{ status: number; ms: number }> {
  const client = await RawClient.connect(port, { timeoutMs: 5_000 });
  const start = performance.now();
  client.write(`${request}GET / HTTP/1.1\r\nHost: x\r\n\r\n`);
  const raw = await client.untilClosed();
  const ms = since(start);
  const { responses, rest } = parseResponses(raw, [], true);
  assert.equal(responses.length, 1, raw.toString("latin1"));
  assert.equal(responses[0]!.headers.connection, "close");
  assert.equal(rest.length, 0);
  return { status: responses[0]!.status, ms };
}

describe("chunk sizes against the body limit", { timeout: 15_000 }, () => {
  const refused: ReadonlyArray<readonly [string, string]> = [
    ["a huge chunk size with 3 bytes of it sent", `${HEAD}FFFFFFFFFFFF\r\nabc`],
    ["a huge chunk size and nothing after it", `${HEAD}FFFFFFFFFFFF\r\n`],
    ["the largest chunk size the parser reads", `${HEAD}1000000000000\r\n`],
    ["a chunk size one past the limit", `${HEAD}3E9\r\n${"z".repeat(10)}`],
    ["earlier chunks counted", `${HEAD}3E8\r\n${"z".repeat(1000)}\r\n1\r\n`],
    ["a chunk size with an extension", `${HEAD}FFFFFFFFFFFF;a=b\r\nabc`],
    ["a streaming reader", `${HEAD.replace("/read", "/stream")}FFFFFFFFFFFF\r\nabc`],
    ["a handler that starts reading later", `${HEAD.replace("/read", "/late")}FFFFFFFFFFFF\r\n`],
    ["a route whose bodyLimit is lower", `${HEAD.replace("/read", "/small")}B\r\n`],
    ["a route whose bodyLimit is higher", `${HEAD.replace("/read", "/big")}1389\r\n`],
  ];
  for (const [name, request] of refused) {
    it(`${name} → 413 at once, then close`, async () => {
      await withServer(
        routes,
        async ({ port }) => {
          // "At once": the server's timeouts are 60 s, the client gives up after 5 s.
          const { status } = await answer(port, request);
          assert.equal(status, 413);
        },
        { limits: LIMITS, timeouts: TIMEOUTS },
      );
    });
  }

  it("writes the 413 before the client sends anything after the size line", async () => {
    const reading = deferred();
    await withServer(
      (app) => {
        routes(app);
        app.post("/signal", async (request) => {
          const body = request.bytes();
          reading.resolve();
          return `read ${(await body).length}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port, { timeoutMs: 5_000 });
        client.write(HEAD.replace("/read", "/signal"));
        // The handler reads first, so the size line alone triggers the 413.
        await reading.promise;
        client.write("FFFFFFFFFFFF\r\n");
        const [response] = await client.responses(1);
        assert.equal(response!.status, 413);
        assert.match(response!.body.toString(), /larger than the limit of 1000 bytes/);
        await client.untilClosed();
      },
      { limits: LIMITS, timeouts: TIMEOUTS },
    );
  });

  it("accepts chunks within the limit, the route's or a before hook's, and keeps the connection", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port, { timeoutMs: 5_000 });
        const chunked = (path: string, size: number): string =>
          `${HEAD.replace("/read", path)}${size.toString(16)}\r\n${"z".repeat(size)}\r\n0\r\n\r\n`;
        // One at a time: a pipelined request's route has not set its bodyLimit while its body
        // arrives, so only maxBodyBytes applies to it until it is handled.
        const bodies: string[] = [];
        for (const [path, size] of [
          ["/read", 1000],
          ["/big", 5000],
          ["/raised", 3000],
        ] as const) {
          client.write(chunked(path, size));
          const response = (await client.responses(bodies.length + 1))[bodies.length];
          bodies.push(`${response!.status} ${response!.body.toString()}`);
        }
        assert.deepEqual(bodies, ["200 read 1000", "200 read 5000", "200 read 3000 of 3000"]);
        client.write("GET /end HTTP/1.1\r\nHost: x\r\n\r\n");
        const responses = await client.responses(4);
        assert.equal(responses[3]!.status, 404);
        assert.equal(responses[2]!.headers.connection, undefined);
        client.destroy();
      },
      { limits: LIMITS, timeouts: TIMEOUTS },
    );
  });

  it("a before hook raising the limit lets a chunk past maxBodyBytes through", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const { status } = await answer(
          port,
          `${HEAD.replace("/read", "/raised")}BB9\r\n${"z".repeat(3001)}`,
        );
        assert.equal(status, 413, "3001 bytes are past the hook's 3000");
        const client = await RawClient.connect(port, { timeoutMs: 5_000 });
        client.write(`${HEAD.replace("/read", "/raised")}7D0\r\n${"z".repeat(2000)}\r\n0\r\n\r\n`);
        const [response] = await client.responses(1);
        assert.equal(response!.body.toString(), "read 2000 of 3000");
        client.destroy();
      },
      { limits: LIMITS, timeouts: TIMEOUTS },
    );
  });
});
