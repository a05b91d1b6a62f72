import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, type CorsOptions, corsPlugin, HttpError, Server } from "../../src/index.js";
import { KEY_A } from "../session/helpers.js";
import { cookiesOf, overTcp, type TcpClient } from "./helpers.js";

const APP = "https://app.example.com";
const EVIL = "https://evil.example";

function corsApp(options: CorsOptions): { app: Server; calls: string[] } {
  const calls: string[] = [];
  const app = new Server({ logger: false });
  app.use(corsPlugin(options));
  app.route("/items", (request) => {
    calls.push(request.method);
    return { items: [] };
  });
  app.get("/missing", () => {
    throw new HttpError(404, "No such item");
  });
  return { app, calls };
}

describe("CORS plugin", () => {
  test("a preflight from an allowed origin is answered 204 by the plugin, with cacheable permissions", async () => {
    const { app, calls } = corsApp({ origin: [APP], credentials: true });
    await overTcp(app, async (client) => {
      const response = await client.request("OPTIONS", "/items", {
        origin: APP,
        "access-control-request-method": "PUT",
        "access-control-request-headers": "content-type, x-csrf-token",
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get("access-control-allow-origin"), APP);
      assert.equal(response.headers.get("access-control-allow-credentials"), "true");
      assert.equal(
        response.headers.get("access-control-allow-methods"),
        "GET, HEAD, PUT, PATCH, POST, DELETE",
      );
      assert.equal(
        response.headers.get("access-control-allow-headers"),
        "content-type, x-csrf-token",
      );
      assert.equal(response.headers.get("access-control-max-age"), "600");
      assert.equal(response.headers.get("vary"), "Origin, Access-Control-Request-Headers");
      assert.equal(response.body.length, 0);
    });
    assert.deepEqual(calls, [], "the route's handler never saw the preflight");
  });

  test("a preflight from another origin gets no permissions; configured lists are sent as given", async () => {
    const { app } = corsApp({
      origin: APP,
      methods: ["GET", "post"],
      allowHeaders: ["content-type"],
      maxAge: false,
    });
    await overTcp(app, async (client) => {
      const ask = {
        "access-control-request-method": "POST",
        "access-control-request-headers": "x-a",
      };
      const refused = await client.request("OPTIONS", "/items", { origin: EVIL, ...ask });
      assert.equal(refused.status, 204);
      assert.equal(refused.headers.has("access-control-allow-origin"), false);
      assert.equal(refused.headers.has("access-control-allow-methods"), false);
      assert.equal(refused.headers.get("vary"), "Origin");
      const allowed = await client.request("OPTIONS", "/items", { origin: APP, ...ask });
      assert.equal(allowed.headers.get("access-control-allow-methods"), "GET, POST");
      assert.equal(allowed.headers.get("access-control-allow-headers"), "content-type");
      assert.equal(allowed.headers.has("access-control-max-age"), false);
      assert.equal(allowed.headers.get("vary"), "Origin");
      // An OPTIONS without Access-Control-Request-Method is no preflight: the route answers it.
      const plain = await client.request("OPTIONS", "/items", { origin: APP });
      assert.equal(plain.status, 200);
    });
  });

  test("actual requests: allowed origins get the headers, others and no-Origin requests do not, all Vary: Origin", async () => {
    const { app } = corsApp({
      origin: (origin) => origin.endsWith(".example.com"),
      exposeHeaders: ["x-request-id", "ratelimit"],
    });
    await overTcp(app, async (client) => {
      const allowed = await client.request("GET", "/items", { origin: APP });
      assert.equal(allowed.status, 200);
      assert.equal(allowed.headers.get("access-control-allow-origin"), APP);
      assert.equal(allowed.headers.has("access-control-allow-credentials"), false);
      assert.equal(allowed.headers.get("access-control-expose-headers"), "x-request-id, ratelimit");
      assert.equal(allowed.headers.get("vary"), "Origin");
      const others: Array<Record<string, string>> = [{ origin: EVIL }, {}];
      for (const headers of others) {
        const other = await client.request("GET", "/items", headers);
        assert.equal(other.status, 200, "CORS hides answers from pages; it does not refuse");
        assert.equal(other.headers.has("access-control-allow-origin"), false);
        assert.equal(other.headers.get("vary"), "Origin", "a cache must not reuse it for APP");
      }
    });
  });

  test('origin "*" answers every origin with * and needs no Vary', async () => {
    const { app } = corsApp({ origin: "*" });
    await overTcp(app, async (client) => {
      const response = await client.request("GET", "/items", { origin: EVIL });
      assert.equal(response.headers.get("access-control-allow-origin"), "*");
      assert.equal(response.headers.has("vary"), false);
    });
  });

  test("error responses carry the CORS headers, so the browser shows their status", async () => {
    const { app } = corsApp({ origin: [APP], credentials: true });
    await overTcp(app, async (client) => {
      const response = await client.request("GET", "/missing", {
        origin: APP,
        accept: "text/plain",
      });
      assert.equal(response.status, 404);
      assert.equal(response.text, "404 Not Found: No such item\n");
      assert.equal(response.headers.get("access-control-allow-origin"), APP);
      assert.equal(response.headers.get("access-control-allow-credentials"), "true");
      const noRoute = await client.request("GET", "/nowhere", { origin: APP });
      assert.equal(noRoute.status, 404);
      assert.equal(noRoute.headers.get("access-control-allow-origin"), APP);
    });
  });

  test("configuration mistakes fail at start-up with what to write instead", () => {
    const cases: Array<[CorsOptions, RegExp]> = [
      [{ origin: "*", credentials: true }, /cannot be combined with `credentials: true`/],
      [{ origin: ["https://app.example.com/path"] }, /origins like "https:\/\/app.example.com"/],
      [{ origin: ["*.example.com"] }, /no path, query or wildcard/],
      [{ origin: 5 as unknown as string }, /must be "\*", an origin, a list/],
      [{ origin: APP, maxAge: -1 }, /`maxAge` must be a whole number of seconds/],
      [{ origin: APP, methods: [] }, /`methods` must be a non-empty list/],
      [{ origin: APP, exposeHeaders: ["bad header"] }, /list of header names/],
      [
        { origin: APP, credentials: "yes" as unknown as boolean },
        /`credentials` must be true or false/,
      ],
      [{ origin: APP, origins: [] } as CorsOptions, /Unknown corsPlugin option `origins`/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => corsPlugin(options),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    // A trailing slash is the same origin: browsers never send one, so it is normalised away.
    assert.doesNotThrow(() => corsPlugin({ origin: ["https://app.example.com/"] }));
  });
});

describe("CORS together with the CSRF guard", () => {
  /** Sessions with a cross-site cookie (SameSite=None needs Secure, so the app sits behind TLS). */
  function guardedApp(withCors: boolean): Server {
    const app = new Server({
      logger: false,
      trustProxy: true,
      session: { keys: [KEY_A], sameSite: "None", secure: true },
      csrf: true,
    });
    if (withCors) app.use(corsPlugin({ origin: [APP], credentials: true }));
    app.get("/token", (request) => ({ token: request.session.csrfToken() }));
    app.post("/orders", () => ({ ordered: true }));
    return app;
  }

  // What a browser on APP sends to this server with fetch(url, { credentials: "include" }).
  const crossSite = (origin: string) => ({
    origin,
    "sec-fetch-site": "cross-site",
    "x-forwarded-proto": "https",
    accept: "text/plain",
  });

  async function signIn(client: TcpClient) {
    const page = await client.request("GET", "/token", crossSite(APP));
    return { cookie: cookiesOf(page), token: (page.json() as { token: string }).token };
  }

  test("an origin CORS allows with credentials passes the cross-site check; the token still counts", async () => {
    await overTcp(guardedApp(true), async (client) => {
      const { cookie, token } = await signIn(client);
      const ordered = await client.request("POST", "/orders", {
        ...crossSite(APP),
        cookie,
        "x-csrf-token": token,
      });
      assert.equal(ordered.status, 200);
      assert.equal(ordered.text, '{"ordered":true}');
      assert.equal(ordered.headers.get("access-control-allow-origin"), APP);

      const tokenless = await client.request("POST", "/orders", { ...crossSite(APP), cookie });
      assert.equal(tokenless.status, 403);
      assert.equal(tokenless.text, "403 Forbidden: CSRF token missing or invalid\n");
      assert.equal(tokenless.headers.get("access-control-allow-origin"), APP);
      assert.equal(tokenless.headers.get("access-control-allow-credentials"), "true");

      const evil = await client.request("POST", "/orders", {
        ...crossSite(EVIL),
        cookie,
        "x-csrf-token": token,
      });
      assert.equal(evil.status, 403);
      assert.equal(evil.text, "403 Forbidden: Cross-site request refused\n");
      assert.equal(evil.headers.has("access-control-allow-origin"), false);
    });
  });

  test("the guard's refusal of a cross-site request carries the CORS headers", async () => {
    const app = new Server({
      logger: false,
      session: { keys: [KEY_A] },
      csrf: true,
    });
    app.use(corsPlugin({ origin: [APP] })); // without credentials: no CSRF trust
    app.post("/orders", () => "ordered");
    await overTcp(app, async (client) => {
      const refused = await client.request("POST", "/orders", crossSite(APP));
      assert.equal(refused.status, 403);
      assert.equal(refused.text, "403 Forbidden: Cross-site request refused\n");
      assert.equal(refused.headers.get("access-control-allow-origin"), APP);
      assert.equal(refused.headers.get("vary"), "Origin, Accept");
    });
  });

  test("without the CORS plugin the same request is refused as cross-site", async () => {
    await overTcp(guardedApp(false), async (client) => {
      const { cookie, token } = await signIn(client);
      const refused = await client.request("POST", "/orders", {
        ...crossSite(APP),
        cookie,
        "x-csrf-token": token,
      });
      assert.equal(refused.status, 403);
      assert.equal(refused.text, "403 Forbidden: Cross-site request refused\n");
    });
  });

  test("csrf trustedOrigins are trusted even when the browser says cross-site", async () => {
    const app = new Server({
      logger: false,
      trustProxy: true,
      session: { keys: [KEY_A], sameSite: "None", secure: true },
      csrf: { trustedOrigins: [APP] },
    });
    app.get("/token", (request) => ({ token: request.session.csrfToken() }));
    app.post("/orders", () => "ordered");
    await overTcp(app, async (client) => {
      const { cookie, token } = await signIn(client);
      const headers = { ...crossSite(APP), cookie, "x-csrf-token": token };
      assert.equal((await client.request("POST", "/orders", headers)).status, 200);
      const evil = { ...headers, origin: EVIL };
      assert.equal((await client.request("POST", "/orders", evil)).status, 403);
      const noOrigin = { ...headers, origin: "null" };
      assert.equal((await client.request("POST", "/orders", noOrigin)).status, 403);
    });
  });
});
