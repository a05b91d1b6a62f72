import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { HttpError, Server } from "../../src/index.js";
import { RawClient } from "../wire/client.js";
import { withServer } from "../wire/harness.js";

// HttpError's options, each observed where it matters: on the wire, in the body, on the object.

const PIPELINED = "GET /refuse HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\n";

function routes(close: boolean) {
  return (app: Server) => {
    app.get("/refuse", () => {
      throw new HttpError(409, "Framing is suspect", { close });
    });
    app.get("/ok", () => "second answered");
  };
}

describe("HttpError", () => {
  test("close: true answers, then closes: a pipelined second request is not answered", async () => {
    await withServer(routes(true), async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(PIPELINED);
      const received = await client.untilClosed();
      const text = received.toString("latin1");
      assert.match(text, /^HTTP\/1\.1 409 Conflict\r\n/);
      assert.match(text, /\r\nconnection: close\r\n/i);
      assert.equal(text.match(/HTTP\/1\.1 /g)?.length, 1, text);
      assert.ok(!text.includes("second answered"));
    });
  });

  test("without close the same pipeline gets both answers on a connection kept open", async () => {
    await withServer(routes(false), async ({ port }) => {
      const client = await RawClient.connect(port);
      try {
        client.write(PIPELINED);
        const [first, second] = await client.responses(2);
        assert.equal(first!.status, 409);
        assert.equal(first!.headers.connection, undefined);
        assert.equal(second!.body.toString(), "second answered");
        assert.equal(client.closed, false);
      } finally {
        client.destroy();
      }
    });
  });

  test("expose shows a 5xx message and its details, and hides a 4xx one", async () => {
    const app = new Server({ logger: false });
    app.get("/shown", () => {
      throw new HttpError(503, "Down for maintenance until 10:00", {
        expose: true,
        details: { retry: "10:00" },
      });
    });
    app.get("/hidden", () => {
      throw new HttpError(400, "column users.email is null", { expose: false, details: { x: 1 } });
    });
    app.get("/default", () => {
      throw new HttpError(503, "replica lag 30 s");
    });
    const json = { accept: "application/json" };
    const shown = await app.inject({ url: "/shown", headers: json });
    assert.deepEqual(shown.json(), {
      status: 503,
      error: "Service Unavailable",
      message: "Down for maintenance until 10:00",
      details: { retry: "10:00" },
    });
    const hidden = await app.inject({ url: "/hidden", headers: json });
    assert.deepEqual(hidden.json(), { status: 400, error: "Bad Request", message: "Bad Request" });
    const byDefault = await app.inject({ url: "/default", headers: json });
    assert.equal(byDefault.json<{ message: string }>().message, "Service Unavailable");
  });

  test("cause is kept as the standard Error cause, and absent when not given", () => {
    const cause = new Error("ECONNRESET from the database");
    const error = new HttpError(502, "Upstream failed", { cause });
    assert.equal(error.cause, cause);
    assert.equal(error.message, "Upstream failed");
    assert.equal("cause" in new HttpError(502), false);
    assert.equal(new HttpError(502).message, "Bad Gateway");
  });

  test("a status outside 400–599 or not a whole number is a RangeError", () => {
    for (const status of [399, 600, 200, 404.5, Number.NaN]) {
      assert.throws(() => new HttpError(status), RangeError, String(status));
    }
    assert.throws(() => new HttpError(300), /integer from 400 to 599, got 300/);
    assert.equal(new HttpError(400).status, 400);
    assert.equal(new HttpError(599).status, 599);
  });
});
