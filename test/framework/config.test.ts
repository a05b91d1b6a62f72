import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Server, type ServerOptions } from "../../src/app/server.js";
import { matrix, newApp } from "./matrix.js";

const noop = (): void => {};

/** Each mistake, and the part of the message that tells the developer how to fix it. */
const OPTION_MISTAKES: Array<[string, unknown, RegExp]> = [
  ["an unknown option", { prot: 8000 }, /Unknown server option 'prot'\. Known options: limits/],
  ["a non-object", 8000, /takes an options object, e\.g\. new Server\(\{ development: true \}\)/],
  ["a negative limit", { limits: { maxBodyBytes: -1 } }, /'limits\.maxBodyBytes' must be .*≥ 0/],
  ["an unknown limit", { limits: { maxBody: 1 } }, /Unknown option 'limits\.maxBody'\. Known/],
  [
    "a request line longer than the head",
    { limits: { maxRequestLineBytes: 9000, maxHeaderBytes: 8000 } },
    /cannot exceed 'limits\.maxHeaderBytes'/,
  ],
  ["a fractional timeout", { timeouts: { headers: 1.5 } }, /'timeouts\.headers' must be a whole/],
  ["a bad multipart limit", { multipart: { maxFiles: -2 } }, /maxFiles must be a non-negative/],
  ["an unknown multipart limit", { multipart: { maxfiles: 2 } }, /known limits: maxParts/],
  [
    "a bad trustProxy",
    { trustProxy: "yes" },
    /'trustProxy': 'yes' is not an address, a CIDR range/,
  ],
  ["a bad logger", { logger: console.log }, /'logger' must be false or an object with info/],
  ["a bad accessLog", { accessLog: "on" }, /'accessLog' must be true \(JSON lines\), "text"/],
  ["a zero maxQueryKeys", { maxQueryKeys: 0 }, /'maxQueryKeys' must be a whole number ≥ 1/],
  ["a bad request id header", { requestIdHeader: "x id" }, /like "x-request-id", or false/],
  ["a hook that is not a function", { hooks: { before: [1] } }, /must be an array of functions/],
];

const ROUTE_MISTAKES: Array<[string, (app: Server) => unknown, RegExp]> = [
  ["a pattern without /", (app) => app.get("users", noop), /must start with "\/": write "\/users"/],
  ["a nameless parameter", (app) => app.get("/a/:", noop), /has no name; write it like ":id"/],
  ["a repeated parameter", (app) => app.get("/a/:id/:id", noop), /"id" is used twice/],
  [
    "a catch-all in the middle",
    (app) => app.get("/a/*rest/b", noop),
    /a catch-all must be the last segment/,
  ],
  [
    "two patterns matching the same paths",
    (app) => app.get("/a/:x", noop).get("/a/:y", noop),
    /GET "\/a\/:y" conflicts with GET "\/a\/:x"/,
  ],
  [
    "the same route twice",
    (app) => app.get("/a", noop).get("/a", noop),
    /registered twice; remove one/,
  ],
  [
    "an invalid method",
    (app) => app.route("/a", noop, { methods: ["GE T"] }),
    /Invalid method "GE T"/,
  ],
  [
    "a CONNECT route (the engine answers CONNECT with 501)",
    (app) => app.route("/a", noop, { methods: ["GET", "connect"] }),
    /A CONNECT route for '\/a' would never run: .* Remove CONNECT from 'methods'/,
  ],
  ["no handler", (app) => app.get("/a", "nope" as never), /must be a function \(request, resp/],
  ["a negative bodyLimit", (app) => app.post("/a", noop, { bodyLimit: -5 }), /bytes ≥ 0/],
  ["a group prefix without /", (app) => app.group("api", noop), /must start with "\/"/],
  [
    "a route in a group without /",
    (app) => app.group("/api", (api) => api.get("users", noop)),
    /Route pattern "users" in group "\/api" must start with "\/": write "\/users"/,
  ],
  [
    "an unknown schema part",
    (app) => app.post("/a", noop, { schema: { headers: {} } as never }),
    /Unknown schema part 'headers' in '\/a': use params, query or body/,
  ],
  [
    "a schema that is not a Standard Schema",
    (app) => app.post("/a", noop, { schema: { body: { parse: noop } } as never }),
    /'schema\.body' of '\/a' is not a Standard Schema validator/,
  ],
];

describe("configuration errors at start-up", () => {
  for (const [label, options, message] of OPTION_MISTAKES) {
    test(`new Server() rejects ${label}`, () => {
      assert.throws(
        () => new Server(options as ServerOptions),
        (error: Error) => {
          assert.match(error.message, message);
          assert.equal(error.name, "ConfigError");
          return true;
        },
      );
    });
  }
  for (const [label, register, message] of ROUTE_MISTAKES) {
    test(`registration rejects ${label}`, () => {
      assert.throws(
        () => register(newApp()),
        (error: Error) => {
          assert.match(error.message, message);
          assert.ok(["ConfigError", "RouteError"].includes(error.name), error.name);
          return true;
        },
      );
    });
  }
  test("methods are upper-cased once each", () => {
    const app = newApp().route("/x", noop, { methods: ["get", "GET", "post"] });
    assert.deepEqual(app.routes(), [{ pattern: "/x", methods: ["GET", "POST"] }]);
  });
  test("run() rejects a bad port before binding anything", async () => {
    await assert.rejects(newApp().run({ port: 70_000 }), /'port' must be an integer from 0/);
    await assert.rejects(
      newApp().run({ port: Number("abc") }),
      /got NaN \(a number parsed from text that is not one\?\)/,
    );
    await assert.rejects(
      newApp().run({ port: 0, tls: { key: "k" } }),
      /'tls' needs both 'key' and 'cert'/,
    );
    await assert.rejects(newApp().run({ port: 0, backlog: 0 }), /'backlog' must be a whole number/);
    await assert.rejects(
      newApp().run({ port: 0, backlog: 1.5 }),
      /'backlog' must be a whole number/,
    );
    for (const acceptors of [0, 2.5, 65]) {
      await assert.rejects(
        newApp().run({ port: 0, acceptors }),
        /'acceptors' must be a whole number from 1 to 64/,
      );
    }
  });
});

matrix("registration after start", (check) => {
  check("routes, hooks, groups and plugins are refused once serving", async (serve) => {
    const app = newApp();
    app.get("/", () => "ok");
    const client = await serve(app);
    const attempts: Array<[string, () => unknown]> = [
      ["routes", () => app.get("/late", noop)],
      ["hooks", () => app.before(noop)],
      ["hooks", () => app.after(noop)],
      ["groups", () => app.group("/g", noop)],
      ["plugins", () => app.use({ name: "late", install: noop })],
    ];
    for (const [what, attempt] of attempts) {
      assert.throws(attempt, {
        name: "ConfigError",
        message: `Add ${what} before the server starts (before app.run() or app.inject())`,
      });
    }
    assert.equal((await client.get("/")).text, "ok");
    assert.equal((await client.get("/late")).status, 404);
  });
});
