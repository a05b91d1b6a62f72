import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  ConfigError,
  MemoryRateLimitStore,
  type RateLimitHit,
  type RateLimitOptions,
  type RateLimitStore,
  rateLimitPlugin,
  Server,
} from "../../src/index.js";
import { ManualClock, overTcp } from "./helpers.js";

function limitedApp(options: RateLimitOptions, serverOptions = {}): Server {
  const app = new Server({ logger: false, ...serverOptions });
  app.use(rateLimitPlugin(options));
  app.get("/", () => "ok");
  app.get("/health", () => "up");
  return app;
}

describe("rate limiting plugin", () => {
  test("counts per client, advertises the policy, answers 429 with Retry-After, resets with the window", async () => {
    const clock = new ManualClock();
    const app = limitedApp({ limit: 3, windowSeconds: 60, clock: clock.read });
    await overTcp(app, async (client) => {
      for (let n = 1; n <= 3; n++) {
        const response = await client.request("GET", "/");
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("ratelimit-policy"), '"default";q=3;w=60');
        assert.equal(response.headers.get("ratelimit"), `"default";r=${3 - n};t=${70 - n * 10}`);
        clock.advance(10_000);
      }
      // 30 s into the window: the fourth request is over the limit.
      const refused = await client.request("GET", "/", { accept: "application/json" });
      assert.equal(refused.status, 429);
      assert.equal(refused.headers.get("retry-after"), "30");
      assert.equal(refused.headers.get("ratelimit"), '"default";r=0;t=30');
      assert.equal(refused.headers.get("ratelimit-policy"), '"default";q=3;w=60');
      assert.deepEqual(refused.json(), {
        status: 429,
        error: "Too Many Requests",
        message: "Too many requests: try again in 30 s",
      });
      clock.advance(29_500);
      const stillRefused = await client.request("GET", "/");
      assert.equal(stillRefused.headers.get("retry-after"), "1", "never 0 while refused");
      clock.advance(500);
      const fresh = await client.request("GET", "/");
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers.get("ratelimit"), '"default";r=2;t=60');
    });
  });

  test("behind a trusted proxy each forwarded client has its own count; untrusted headers are ignored", async () => {
    const clock = new ManualClock();
    const trusted = limitedApp({ limit: 1, clock: clock.read }, { trustProxy: true });
    await overTcp(trusted, async (client) => {
      const a = { "x-forwarded-for": "203.0.113.7" };
      const b = { "x-forwarded-for": "198.51.100.9" };
      assert.equal((await client.request("GET", "/", a)).status, 200);
      assert.equal((await client.request("GET", "/", a)).status, 429);
      assert.equal((await client.request("GET", "/", b)).status, 200);
    });
    const untrusted = limitedApp({ limit: 1, clock: clock.read });
    await overTcp(untrusted, async (client) => {
      const spoofed = (ip: string) => client.request("GET", "/", { "x-forwarded-for": ip });
      assert.equal((await spoofed("203.0.113.7")).status, 200);
      assert.equal((await spoofed("198.51.100.9")).status, 429, "one socket address, one count");
    });
  });

  test("skip, a custom key and several named policies on one server", async () => {
    const clock = new ManualClock();
    const app = new Server({ logger: false });
    app.use(
      rateLimitPlugin({
        limit: 2,
        clock: clock.read,
        skip: (request) => request.path === "/health",
      }),
    );
    app.use(
      rateLimitPlugin({
        policy: "per-user",
        limit: 1,
        windowSeconds: 10,
        clock: clock.read,
        key: (request) => request.headers.get("x-user") ?? request.ip,
      }),
    );
    app.get("/", () => "ok");
    app.get("/health", () => "up");
    await overTcp(app, async (client) => {
      for (let n = 0; n < 5; n++) {
        const health = await client.request("GET", "/health", { "x-user": `probe-${n}` });
        assert.equal(health.status, 200);
        assert.equal(health.headers.get("ratelimit"), `"per-user";r=0;t=10`);
      }
      const ada = await client.request("GET", "/", { "x-user": "ada" });
      assert.equal(ada.status, 200);
      const adaAgain = await client.request("GET", "/", { "x-user": "ada" });
      assert.equal(adaAgain.status, 429);
      assert.equal(
        adaAgain.headers.get("ratelimit-policy"),
        '"default";q=2;w=60, "per-user";q=1;w=10',
      );
      assert.equal(adaAgain.headers.get("ratelimit"), '"default";r=0;t=60, "per-user";r=0;t=10');
      const bob = await client.request("GET", "/", { "x-user": "bob" });
      assert.equal(bob.status, 429, "the address-wide policy is used up by then");
      assert.equal(bob.headers.get("ratelimit"), '"default";r=0;t=60');
    });
  });

  test("an async store is awaited, and its failure is a 500", async () => {
    const seen: string[] = [];
    const store: RateLimitStore = {
      async hit(key, windowMs, now): Promise<RateLimitHit> {
        seen.push(key);
        if (key === "broken") throw new Error("store down");
        return { count: seen.length, resetAt: now + windowMs };
      },
    };
    const app = new Server({ logger: false });
    app.use(
      rateLimitPlugin({ store, limit: 1, key: (request) => request.headers.get("x-k") ?? "" }),
    );
    app.get("/", () => "ok");
    await overTcp(app, async (client) => {
      assert.equal((await client.request("GET", "/", { "x-k": "a" })).status, 200);
      assert.equal((await client.request("GET", "/", { "x-k": "a" })).status, 429);
      assert.equal((await client.request("GET", "/", { "x-k": "broken" })).status, 500);
    });
    assert.deepEqual(seen, ["a", "a", "broken"]);
  });

  test("configuration mistakes fail at start-up", () => {
    const cases: Array<[RateLimitOptions, RegExp]> = [
      [{ limit: 0 }, /`limit` must be a whole number ≥ 1, got 0/],
      [{ windowSeconds: 0.5 }, /`windowSeconds` must be a whole number ≥ 1, got 0.5/],
      [{ key: "ip" as unknown as () => string }, /`key` must be a function/],
      [{ store: {} as RateLimitStore }, /`store` must have a hit\(key, windowMs, now\) method/],
      [{ policy: 'a"b' }, /`policy` must be a short name/],
      [{ max: 5 } as RateLimitOptions, /Unknown rateLimitPlugin option `max`/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => rateLimitPlugin(options),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});

describe("MemoryRateLimitStore", () => {
  test("expired windows are swept on later hits, without timers", () => {
    const store = new MemoryRateLimitStore();
    for (let n = 0; n < 1000; n++) store.hit(`client-${n}`, 1000, n);
    assert.equal(store.size, 1000);
    // At t=1500 the windows that started before t=500 have ended.
    store.hit("late", 1000, 1500);
    assert.equal(store.size, 500);
    store.hit("later", 1000, 10_000);
    assert.equal(store.size, 1);
  });

  test("at maxKeys the oldest window makes room; memory stays bounded", () => {
    const store = new MemoryRateLimitStore({ maxKeys: 3 });
    assert.deepEqual(store.hit("a", 60_000, 0), { count: 1, resetAt: 60_000 });
    store.hit("a", 60_000, 1);
    store.hit("b", 60_000, 2);
    store.hit("c", 60_000, 3);
    store.hit("d", 60_000, 4);
    assert.equal(store.size, 3);
    assert.deepEqual(store.hit("a", 60_000, 5), { count: 1, resetAt: 60_005 }, "a was dropped");
    assert.deepEqual(store.hit("d", 60_000, 6), { count: 2, resetAt: 60_004 });
  });

  test("a key whose window ended starts a new one and moves to the back of the sweep order", () => {
    const store = new MemoryRateLimitStore();
    store.hit("a", 1000, 0);
    store.hit("b", 1000, 500);
    assert.deepEqual(store.hit("a", 1000, 1200), { count: 1, resetAt: 2200 });
    assert.equal(store.size, 2);
    store.hit("c", 1000, 1600);
    assert.equal(store.size, 2, "b ended at 1500 and was swept; a now lives until 2200");
    assert.deepEqual(store.hit("a", 1000, 1700), { count: 2, resetAt: 2200 });
  });

  test("maxKeys is checked", () => {
    assert.throws(() => new MemoryRateLimitStore({ maxKeys: 0 }), ConfigError);
  });
});
