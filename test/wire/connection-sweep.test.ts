import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HttpError } from "../../src/wire/http-error.js";
import { parseResponses, RawClient } from "./client.js";
import { freezeClock, parts, watchServerSockets, withEngine } from "./connection-engine.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, waitUntil } from "./harness.js";

/**
 * The sweep's timeouts at their edges, pinned where timeouts.test.ts leaves them open (found by
 * mutation testing, docs/mutation/connection.md): a timeout of 0 turns it off, a head that is
 * still arriving is not an idle connection, a body timeout stops parsing, and a header timeout
 * while an earlier request is answered waits for that answer. Time is a frozen clock and
 * `engine.sweep(now)`, after waiting for the server to have read what was sent (engine-probe.ts).
 */

const TIMEOUT = 300;
const NO_SWEEP = { sweepInterval: 3_600_000 };
const LATER = 24 * 3_600_000;

describe("connection: a timeout of 0 is off", { timeout: 15_000 }, () => {
  it("never cuts a stream its client stops reading when timeouts.send is 0", async (t) => {
    const start = freezeClock(t);
    const chunks = 64;
    const CHUNK = 64 * 1024;
    await withEngine(
      (_request, response) => {
        const all = Array.from({ length: chunks }, (_, i) => Buffer.alloc(CHUNK, 0x61 + (i % 26)));
        response.body = parts(...all);
      },
      async (port, _errors, engine) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          client.socket.pause();
          client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
          await waitUntil(() => watch.full);
          t.mock.timers.tick(LATER);
          engine.sweep(start + LATER);
          assert.equal(watch.destroyed, 0);
          client.socket.resume();
          const response = await client.response();
          assert.equal(response.body.length, chunks * CHUNK);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
      {},
      { send: 0, keepAlive: 0, ...NO_SWEEP },
    );
  });

  it("waits for a head and a body however long when timeouts.headers and .body are 0", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    try {
      await withEngine(
        async (request, response) => {
          response.body = `read ${(await request.bytes()).length}`;
        },
        async (port, _errors, engine) => {
          const client = await RawClient.connect(port);
          const head = "POST / HTTP/1.1\r\nHost: x\r\n";
          const rest = "Content-Length: 10\r\n\r\n12345";
          client.write(head);
          await probe.read(head.length);
          engine.sweep(start + LATER);
          client.write(rest);
          await probe.read(head.length + rest.length);
          engine.sweep(start + 2 * LATER);
          client.write("67890");
          const response = await client.response("POST");
          assert.equal(response.status, 200);
          assert.equal(response.body.toString(), "read 10");
          client.destroy();
        },
        {},
        { headers: 0, body: 0, keepAlive: 0, ...NO_SWEEP },
      );
    } finally {
      probe.restore();
    }
  });
});

describe("connection: what the sweep cuts", { timeout: 15_000 }, () => {
  it("does not count a head still arriving as idle: the header timeout answers it", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    try {
      await withEngine(
        () => {},
        async (port, _errors, engine) => {
          const client = await RawClient.connect(port);
          const partial = "GET / HTTP/1.1\r\n";
          client.write(partial);
          await probe.read(partial.length);
          // Past the keep-alive timeout, short of the header timeout: nothing happens.
          engine.sweep(start + TIMEOUT);
          engine.sweep(start + 3 * TIMEOUT - 1);
          engine.sweep(start + 3 * TIMEOUT);
          const raw = (await client.untilClosed()).toString("latin1");
          assert.match(raw, /^HTTP\/1\.1 408 Request Timeout\r\n/);
        },
        {},
        { keepAlive: TIMEOUT, headers: 3 * TIMEOUT, ...NO_SWEEP },
      );
    } finally {
      probe.restore();
    }
  });

  it("fails a timed-out body with an error that closes, and parses nothing after it", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    const failed = deferred<unknown>();
    const answer = deferred();
    try {
      await withEngine(
        async (request, response) => {
          const error = await request.bytes().then(
            () => undefined,
            (failure: unknown) => failure,
          );
          failed.resolve(error);
          // The answer waits while more of the body arrives after the timeout.
          await answer.promise;
          const close = error instanceof HttpError ? error.close : "not an HttpError";
          response.body = `${(error as Error).message} close=${close}`;
        },
        async (port, _errors, engine) => {
          const client = await RawClient.connect(port);
          const sent = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n123";
          client.write(sent);
          await probe.read(sent.length);
          engine.sweep(start + TIMEOUT);
          await failed.promise;
          // The rest of the body, then a request: both come too late to be parsed.
          const late = `4567890${"GET / HTTP/1.1\r\nHost: x\r\n\r\n"}`;
          client.write(late);
          await probe.read(sent.length + late.length);
          answer.resolve();
          const raw = (await client.untilClosed()).toString("latin1");
          const answers = parseResponses(client.received, ["POST"]).responses;
          assert.equal(answers.length, 1, raw);
          assert.equal(answers[0]!.headers.connection, "close");
          assert.equal(answers[0]!.body.toString(), "Request body timeout close=true");
        },
        {},
        { body: TIMEOUT, keepAlive: 0, ...NO_SWEEP },
      );
    } finally {
      probe.restore();
    }
  });

  it("answers a header timeout after the response in progress, and no request after it", async (t) => {
    const start = freezeClock(t);
    const probe = probeEngine();
    const started = deferred();
    const gate = deferred();
    try {
      await withEngine(
        async (request, response) => {
          if (request.url === "/slow") {
            started.resolve();
            await gate.promise;
          }
          response.body = request.url;
        },
        async (port, _errors, engine) => {
          const client = await RawClient.connect(port);
          const first = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\n";
          client.write(first);
          await started.promise;
          await probe.read(first.length);
          engine.sweep(start + TIMEOUT);
          // The head completes after its timeout: it is never parsed, so never answered.
          const rest = "Host: x\r\n\r\n";
          client.write(rest);
          await probe.read(first.length + rest.length);
          gate.resolve();
          const raw = (await client.untilClosed()).toString("latin1");
          const answers = parseResponses(client.received).responses;
          assert.deepEqual(
            answers.map((answer) => answer.status),
            [200, 408],
            raw,
          );
          assert.equal(answers[0]!.body.toString(), "/slow");
          assert.equal(answers[1]!.headers.connection, "close");
        },
        {},
        { headers: TIMEOUT, keepAlive: 0, ...NO_SWEEP },
      );
    } finally {
      probe.restore();
    }
  });
});
