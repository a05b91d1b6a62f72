import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConfigError, HttpError, type Request, Server, timeoutPlugin } from "../../src/index.js";
import { overTcp } from "./helpers.js";

/** Resolves only when the request's signal aborts, then rejects with its reason (as fetch does). */
function untilAborted(request: Request): Promise<never> {
  return new Promise((_resolve, reject) => {
    request.signal.addEventListener("abort", () => reject(request.signal.reason));
  });
}

describe("handler timeout plugin", () => {
  test("a handler past its deadline is answered 503 and its request.signal aborted", async () => {
    const reasons: unknown[] = [];
    const app = new Server({ logger: false });
    app.use(timeoutPlugin({ ms: 20 }));
    app.after((_request, response) => {
      response.headers.set("x-after", "ran");
    });
    app.get("/stuck", async (request) => {
      try {
        return await untilAborted(request);
      } catch (error) {
        reasons.push(error);
        throw error;
      }
    });
    app.get("/quick", async () => {
      await sleep(1);
      return "in time";
    });
    await overTcp(app, async (client) => {
      const stuck = await client.request("GET", "/stuck", { accept: "text/plain" });
      assert.equal(stuck.status, 503);
      assert.equal(stuck.text, "503 Service Unavailable\n");
      assert.equal(stuck.headers.get("x-after"), "ran", "after hooks still run");
      const quick = await client.request("GET", "/quick");
      assert.equal(quick.status, 200);
      assert.equal(quick.text, "in time");
    });
    assert.equal(reasons.length, 1);
    assert.ok(reasons[0] instanceof HttpError);
    assert.equal(reasons[0].status, 503);
    assert.equal(reasons[0].message, "The handler did not finish within 20 ms");
  });

  test("a route's own timeout overrides the default; false means none", async () => {
    const app = new Server({ logger: false });
    app.use(timeoutPlugin({ ms: 10, status: 504 }));
    app.get(
      "/report",
      async () => {
        await sleep(40);
        return "long report";
      },
      { timeout: false },
    );
    app.get(
      "/patient",
      async () => {
        await sleep(40);
        return "waited";
      },
      { timeout: 60_000 },
    );
    app.get("/default", async () => {
      await sleep(40);
      return "too late";
    });
    app.get("/sync", () => {
      // Synchronous work cannot be interrupted, so it is not timed.
      const until = Date.now() + 15;
      while (Date.now() < until) {}
      return "sync";
    });
    await overTcp(app, async (client) => {
      assert.equal((await client.request("GET", "/report")).text, "long report");
      assert.equal((await client.request("GET", "/patient")).text, "waited");
      const late = await client.request("GET", "/default", { accept: "application/json" });
      assert.equal(late.status, 504);
      assert.equal((late.json() as { error: string }).error, "Gateway Timeout");
      assert.equal((await client.request("GET", "/sync")).text, "sync");
    });
  });

  test("what the handler does after its deadline is ignored; the connection stays usable", async () => {
    let finishLate: (value: string) => void = () => {};
    const late = new Promise<string>((resolve) => {
      finishLate = resolve;
    });
    const app = new Server({ logger: false });
    app.use(timeoutPlugin({ ms: 15 }));
    app.get("/late", () => late);
    app.get("/fails-late", async (request) => {
      await untilAborted(request).catch(() => {});
      throw new Error("failed after the deadline");
    });
    app.get("/next", () => "next");
    await overTcp(app, async (client) => {
      assert.equal((await client.request("GET", "/late")).status, 503);
      finishLate("too late");
      assert.equal((await client.request("GET", "/fails-late")).status, 503);
      assert.equal((await client.request("GET", "/next")).text, "next");
    });
  });

  test("configuration mistakes fail at start-up", async () => {
    assert.throws(() => timeoutPlugin({ ms: 0 }), /`ms` must be a whole number of milliseconds/);
    assert.throws(() => timeoutPlugin({ status: 500 as 503 }), /`status` must be 503 or 504/);
    assert.throws(() => timeoutPlugin({ timeout: 5 } as object), /Unknown timeoutPlugin option/);
    const app = new Server({ logger: false });
    app.use(timeoutPlugin());
    app.get("/x", () => "x", { timeout: -1 });
    await assert.rejects(
      app.run({ port: 0 }),
      (error: unknown) =>
        error instanceof ConfigError &&
        /'timeout' of route '\/x' must be a whole number/.test(error.message),
    );
    await app.close();
  });
});
