import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import { after, test } from "node:test";
import type { ExpectedResponse } from "../../bench/scenarios.js";
import {
  checkPipelining,
  diffResponse,
  type ObservedResponse,
  waitForPort,
} from "../../bench/verify.js";

const expected: ExpectedResponse = {
  status: 200,
  contentType: "text/plain; charset=utf-8",
  body: Buffer.from("Hello, World!"),
};
const good: ObservedResponse = {
  status: 200,
  contentType: "text/plain; charset=utf-8",
  contentLength: "13",
  transferEncoding: undefined,
  setCookie: undefined,
  body: Buffer.from("Hello, World!"),
};

test("each kind of difference is reported with the expected and actual value", () => {
  const cases: [Partial<ObservedResponse>, RegExp][] = [
    [{ status: 404 }, /^status: expected 200, got 404$/],
    [
      { contentType: "text/plain; charset=UTF-8" },
      /^content-type: expected "text\/plain; charset=utf-8", got "text\/plain; charset=UTF-8"$/,
    ],
    [{ contentLength: undefined, transferEncoding: "chunked" }, /got transfer-encoding "chunked"/],
    [{ contentLength: "14" }, /got content-length "14"/],
    [
      { body: Buffer.from("Hello, world!"), contentLength: "13" },
      /first difference at byte 7: expected "World!", got "world!"/,
    ],
  ];
  assert.deepEqual(diffResponse(expected, good), []);
  for (const [change, message] of cases) {
    const problems = diffResponse(expected, { ...good, ...change });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0]!, message);
  }
});

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** A raw server answering `answered` requests per read, however many arrived. */
async function rawServer(answered: (count: number) => number): Promise<number> {
  const response = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
  const server = createServer((socket) => {
    socket.on("data", (chunk) => {
      const count = chunk.toString("latin1").split("\r\n\r\n").length - 1;
      socket.write(response.repeat(answered(count)));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

test("pipelining passes when all requests of one write are answered", async () => {
  await checkPipelining(await rawServer((count) => count), "/", 16, 2000);
});

test("pipelining fails, with a count, when only the first request is answered", async () => {
  const port = await rawServer(() => 1);
  await assert.rejects(checkPipelining(port, "/", 16, 300), /1 of 16 responses within 300 ms/);
});

test("waiting for a port gives up after its deadline", async () => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await assert.rejects(waitForPort(address.port, 200), /did not accept within 200 ms/);
});

test("chunked framing is accepted only where the host decides the framing", () => {
  const expected = { status: 200, contentType: "text/plain", body: Buffer.from("hi") };
  const chunked = {
    status: 200,
    contentType: "text/plain",
    contentLength: undefined,
    transferEncoding: "chunked",
    setCookie: undefined,
    body: Buffer.from("hi"),
  };
  assert.match(diffResponse(expected, chunked).join("\n"), /framing: expected content-length: 2/);
  assert.deepEqual(diffResponse(expected, chunked, true), []);
  assert.match(
    diffResponse(expected, { ...chunked, body: Buffer.from("ho") }, true).join("\n"),
    /body: expected 2 bytes/,
  );
});
