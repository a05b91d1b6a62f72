import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Router } from "../../src/app/router.js";
import { HttpError } from "../../src/wire/http-error.js";

type Methods = readonly string[] | "*";

type Expected =
  | { readonly route: string; readonly params?: Readonly<Record<string, string>> }
  | { readonly allow: readonly string[] }
  | "not-found"
  | { readonly status: 400 };

interface Case {
  readonly name: string;
  readonly routes: ReadonlyArray<readonly [Methods, string]>;
  readonly request: readonly [method: string, path: string];
  readonly expect: Expected;
}

/** The value stored for a route names it, so a case can say which registration must win. */
function label(methods: Methods, pattern: string): string {
  return `${methods === "*" ? "*" : methods.join(",")} ${pattern}`;
}

const get = (pattern: string): readonly [Methods, string] => [["GET"], pattern];
const ALL = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"];

/** Shared conformance table: any Router implementation must pass every row. */
const CASES: readonly Case[] = [
  // --- static, root, trailing slash ---
  { name: "root", routes: [get("/")], request: ["GET", "/"], expect: { route: "GET /" } },
  {
    name: "root is not the empty path",
    routes: [get("/")],
    request: ["GET", ""],
    expect: "not-found",
  },
  {
    name: "static exact",
    routes: [get("/users"), get("/users/all")],
    request: ["GET", "/users/all"],
    expect: { route: "GET /users/all", params: {} },
  },
  {
    name: "no trailing-slash leniency (pattern without, request with)",
    routes: [get("/users")],
    request: ["GET", "/users/"],
    expect: "not-found",
  },
  {
    name: "no trailing-slash leniency (pattern with, request without)",
    routes: [get("/users/")],
    request: ["GET", "/users"],
    expect: "not-found",
  },
  {
    name: "both slash forms registered are distinct routes",
    routes: [get("/users"), get("/users/")],
    request: ["GET", "/users/"],
    expect: { route: "GET /users/" },
  },
  {
    name: "static segments are case-sensitive",
    routes: [get("/Users")],
    request: ["GET", "/users"],
    expect: "not-found",
  },
  {
    name: "prefix is not a match",
    routes: [get("/users")],
    request: ["GET", "/use"],
    expect: "not-found",
  },
  {
    name: "longer path is not a match",
    routes: [get("/users")],
    request: ["GET", "/users/1"],
    expect: "not-found",
  },
  {
    name: "asterisk-form target",
    routes: [get("/")],
    request: ["OPTIONS", "*"],
    expect: "not-found",
  },
  {
    name: "double slash is a distinct empty segment",
    routes: [get("/a/b")],
    request: ["GET", "/a//b"],
    expect: "not-found",
  },

  // --- params ---
  {
    name: "param capture",
    routes: [get("/users/:id")],
    request: ["GET", "/users/42"],
    expect: { route: "GET /users/:id", params: { id: "42" } },
  },
  {
    name: "several params",
    routes: [get("/users/:userId/posts/:postId")],
    request: ["GET", "/users/7/posts/9"],
    expect: { route: "GET /users/:userId/posts/:postId", params: { userId: "7", postId: "9" } },
  },
  {
    name: "param does not match an empty segment",
    routes: [get("/users/:id")],
    request: ["GET", "/users/"],
    expect: "not-found",
  },
  {
    name: "param spans one segment only",
    routes: [get("/users/:id")],
    request: ["GET", "/users/1/2"],
    expect: "not-found",
  },

  // --- priority and backtracking ---
  {
    name: "static beats param",
    routes: [get("/users/:id"), get("/users/me")],
    request: ["GET", "/users/me"],
    expect: { route: "GET /users/me", params: {} },
  },
  {
    name: "param beats catch-all",
    routes: [get("/files/*path"), get("/files/:name")],
    request: ["GET", "/files/a.txt"],
    expect: { route: "GET /files/:name", params: { name: "a.txt" } },
  },
  {
    name: "static beats catch-all",
    routes: [get("/*"), get("/about")],
    request: ["GET", "/about"],
    expect: { route: "GET /about" },
  },
  {
    name: "backtrack from static into param",
    routes: [get("/a/b/c"), get("/a/:x/d")],
    request: ["GET", "/a/b/d"],
    expect: { route: "GET /a/:x/d", params: { x: "b" } },
  },
  {
    name: "backtrack from param into catch-all",
    routes: [get("/a/:x/d"), get("/a/*rest")],
    request: ["GET", "/a/b/e"],
    expect: { route: "GET /a/*rest", params: { rest: "b/e" } },
  },
  {
    name: "backtrack two levels up",
    routes: [get("/a/b/c/d"), get("/:p/b/c/e"), get("/a/:q/c/e")],
    request: ["GET", "/a/b/c/e"],
    expect: { route: "GET /a/:q/c/e", params: { q: "b" } },
  },
  {
    name: "params captured on an abandoned branch are dropped",
    routes: [get("/:a/:b/x"), get("/:a/*rest")],
    request: ["GET", "/1/2/y"],
    expect: { route: "GET /:a/*rest", params: { a: "1", rest: "2/y" } },
  },
  {
    name: "same shape, different param names, different methods",
    routes: [
      [["GET"], "/users/:id"],
      [["DELETE"], "/users/:userId"],
    ],
    request: ["DELETE", "/users/5"],
    expect: { route: "DELETE /users/:userId", params: { userId: "5" } },
  },
  {
    name: "method-aware backtracking picks the param route that accepts POST",
    routes: [get("/users/new"), [["POST"], "/users/:id"]],
    request: ["POST", "/users/new"],
    expect: { route: "POST /users/:id", params: { id: "new" } },
  },

  // --- catch-all ---
  {
    name: "named catch-all takes the rest with slashes",
    routes: [get("/static/*path")],
    request: ["GET", "/static/css/site.css"],
    expect: { route: "GET /static/*path", params: { path: "css/site.css" } },
  },
  {
    name: "catch-all may be empty",
    routes: [get("/static/*path")],
    request: ["GET", "/static/"],
    expect: { route: "GET /static/*path", params: { path: "" } },
  },
  {
    name: "catch-all needs its slash (strict)",
    routes: [get("/static/*path")],
    request: ["GET", "/static"],
    expect: "not-found",
  },
  {
    name: "catch-all keeps a trailing slash",
    routes: [get("/static/*path")],
    request: ["GET", "/static/a/"],
    expect: { route: "GET /static/*path", params: { path: "a/" } },
  },
  {
    name: "bare /* matches the root",
    routes: [get("/*")],
    request: ["GET", "/"],
    expect: { route: "GET /*", params: { "*": "" } },
  },
  {
    name: "bare /* matches everything",
    routes: [get("/*")],
    request: ["GET", "/x/y/z"],
    expect: { route: "GET /*", params: { "*": "x/y/z" } },
  },
  {
    name: "bare catch-all under a prefix",
    routes: [get("/api/*")],
    request: ["GET", "/api/v1/x"],
    expect: { route: "GET /api/*", params: { "*": "v1/x" } },
  },
  {
    name: "root static beats /*",
    routes: [get("/*"), get("/")],
    request: ["GET", "/"],
    expect: { route: "GET /" },
  },

  // --- percent-decoding ---
  {
    name: "param value is decoded",
    routes: [get("/users/:name")],
    request: ["GET", "/users/J%C3%BCrgen%20M"],
    expect: { route: "GET /users/:name", params: { name: "Jürgen M" } },
  },
  {
    name: "%2F stays inside the segment",
    routes: [get("/files/:name"), get("/files/:dir/:name")],
    request: ["GET", "/files/a%2Fb"],
    expect: { route: "GET /files/:name", params: { name: "a/b" } },
  },
  {
    name: "static segment compared after decoding (UTF-8)",
    routes: [get("/café")],
    request: ["GET", "/caf%C3%A9"],
    expect: { route: "GET /café" },
  },
  {
    name: "encoded pattern matches the decoded request too",
    routes: [get("/caf%C3%A9")],
    request: ["GET", "/café"],
    expect: { route: "GET /caf%C3%A9" },
  },
  {
    name: "static segment compared after decoding (ASCII escape)",
    routes: [get("/users/me")],
    request: ["GET", "/users/%6De"],
    expect: { route: "GET /users/me" },
  },
  {
    name: "literal colon via %3A in the pattern",
    routes: [get("/v1/items%3AbatchGet")],
    request: ["GET", "/v1/items:batchGet"],
    expect: { route: "GET /v1/items%3AbatchGet" },
  },
  {
    name: "encoded slash does not match a two-segment static",
    routes: [get("/a/b")],
    request: ["GET", "/a%2Fb"],
    expect: "not-found",
  },
  {
    name: "encoded slash matches a pattern that encodes it",
    routes: [get("/a%2Fb")],
    request: ["GET", "/a%2Fb"],
    expect: { route: "GET /a%2Fb" },
  },
  {
    name: "literal %25 pattern is not fooled by a differently-encoded request",
    routes: [get("/100%2541")],
    request: ["GET", "/100%41"],
    expect: "not-found",
  },
  {
    name: "literal %25 pattern matches its encoding",
    routes: [get("/100%2541")],
    request: ["GET", "/100%2541"],
    expect: { route: "GET /100%2541" },
  },
  {
    name: "catch-all value is decoded, %2F included",
    routes: [get("/s/*rest")],
    request: ["GET", "/s/a%20b/c%2Fd"],
    expect: { route: "GET /s/*rest", params: { rest: "a b/c/d" } },
  },
  {
    name: "plus is not a space in paths",
    routes: [get("/q/:v")],
    request: ["GET", "/q/a+b"],
    expect: { route: "GET /q/:v", params: { v: "a+b" } },
  },
  { name: "bad hex", routes: [get("/:x")], request: ["GET", "/%zz"], expect: { status: 400 } },
  {
    name: "truncated escape",
    routes: [get("/:x")],
    request: ["GET", "/%E0%A4%A"],
    expect: { status: 400 },
  },
  { name: "lone percent", routes: [get("/:x")], request: ["GET", "/50%"], expect: { status: 400 } },
  {
    name: "invalid UTF-8 byte sequence",
    routes: [get("/:x")],
    request: ["GET", "/%C3%28"],
    expect: { status: 400 },
  },
  {
    name: "overlong UTF-8",
    routes: [get("/:x")],
    request: ["GET", "/%C0%AF"],
    expect: { status: 400 },
  },
  {
    name: "encoded surrogate",
    routes: [get("/:x")],
    request: ["GET", "/%ED%A0%80"],
    expect: { status: 400 },
  },
  {
    name: "malformed escape is a 400 even where no route could match",
    routes: [get("/a")],
    request: ["GET", "/b/%zz"],
    expect: { status: 400 },
  },

  // --- methods, HEAD, 405 ---
  {
    name: "HEAD falls back to GET",
    routes: [get("/x")],
    request: ["HEAD", "/x"],
    expect: { route: "GET /x" },
  },
  {
    name: "explicit HEAD beats GET",
    routes: [get("/x"), [["HEAD"], "/x"]],
    request: ["HEAD", "/x"],
    expect: { route: "HEAD /x" },
  },
  {
    name: "HEAD falls back to GET on param routes",
    routes: [get("/x/:id")],
    request: ["HEAD", "/x/1"],
    expect: { route: "GET /x/:id", params: { id: "1" } },
  },
  {
    name: "GET does not fall back to HEAD",
    routes: [[["HEAD"], "/x"]],
    request: ["GET", "/x"],
    expect: { allow: ["HEAD", "OPTIONS"] },
  },
  {
    name: "405 lists methods, adds HEAD for GET and OPTIONS, sorted",
    routes: [get("/x"), [["POST", "PUT"], "/x"]],
    request: ["DELETE", "/x"],
    expect: { allow: ["GET", "HEAD", "OPTIONS", "POST", "PUT"] },
  },
  {
    name: "405 Allow unions every matching pattern",
    routes: [get("/u/me"), [["PATCH"], "/u/:id"], [["DELETE"], "/u/*rest"]],
    request: ["POST", "/u/me"],
    expect: { allow: ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH"] },
  },
  {
    name: "405 ignores patterns the path does not match",
    routes: [get("/u/me"), [["PATCH"], "/u/:id/x"]],
    request: ["POST", "/u/me"],
    expect: { allow: ["GET", "HEAD", "OPTIONS"] },
  },
  {
    name: "OPTIONS without a route is a 405 carrying Allow (for automatic OPTIONS)",
    routes: [[["POST"], "/x"]],
    request: ["OPTIONS", "/x"],
    expect: { allow: ["OPTIONS", "POST"] },
  },
  {
    name: "explicit OPTIONS route is found",
    routes: [[["OPTIONS"], "/x"]],
    request: ["OPTIONS", "/x"],
    expect: { route: "OPTIONS /x" },
  },
  {
    name: "methods are case-sensitive",
    routes: [get("/x")],
    request: ["get", "/x"],
    expect: { allow: ["GET", "HEAD", "OPTIONS"] },
  },
  {
    name: "wrong method and wrong path is 404, not 405",
    routes: [get("/x")],
    request: ["POST", "/y"],
    expect: "not-found",
  },
  {
    name: '"*" accepts any method',
    routes: [["*", "/any"]],
    request: ["PROPFIND", "/any"],
    expect: { route: "* /any" },
  },
  {
    name: "explicit method beats * on the same pattern",
    routes: [
      ["*", "/x"],
      [["GET"], "/x"],
    ],
    request: ["GET", "/x"],
    expect: { route: "GET /x" },
  },
  {
    name: "* on the same pattern takes the other methods",
    routes: [
      [["GET"], "/x"],
      ["*", "/x"],
    ],
    request: ["POST", "/x"],
    expect: { route: "* /x" },
  },
  {
    name: "HEAD prefers GET over * on the same pattern",
    routes: [
      ["*", "/x"],
      [["GET"], "/x"],
    ],
    request: ["HEAD", "/x"],
    expect: { route: "GET /x" },
  },
  {
    name: "* catch-all serves as fallback for other methods after backtracking",
    routes: [get("/api/users"), ["*", "/api/*"]],
    request: ["POST", "/api/users"],
    expect: { route: "* /api/*", params: { "*": "users" } },
  },
  {
    name: "multi-method registration",
    routes: [[["PUT", "PATCH"], "/doc/:id"]],
    request: ["PATCH", "/doc/3"],
    expect: { route: "PUT,PATCH /doc/:id", params: { id: "3" } },
  },
];

function build(routes: Case["routes"]): Router<string> {
  const router = new Router<string>();
  for (const [methods, pattern] of routes) router.add(methods, pattern, label(methods, pattern));
  return router;
}

describe("router conformance table", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const router = build(c.routes);
      const [method, path] = c.request;
      const expected = c.expect;
      if (typeof expected === "object" && "status" in expected) {
        assert.throws(
          () => router.find(method, path),
          (error: unknown) =>
            error instanceof HttpError &&
            error.status === 400 &&
            error.message === "Malformed percent-encoding in path",
        );
        return;
      }
      const result = router.find(method, path);
      if (expected === "not-found") {
        assert.deepEqual(result, { kind: "not-found" });
        assert.equal(router.allowedMethods(path), undefined, "allowedMethods agrees with find");
      } else if ("allow" in expected) {
        assert.deepEqual(result, { kind: "method-not-allowed", allow: expected.allow });
        assert.deepEqual(router.allowedMethods(path), expected.allow);
      } else {
        assert.equal(result.kind, "found");
        if (result.kind !== "found") return;
        assert.equal(result.value, expected.route);
        assert.equal(result.pattern, expected.route.slice(expected.route.indexOf(" ") + 1));
        assert.deepEqual({ ...result.params }, expected.params ?? {});
        assert.notEqual(router.allowedMethods(path), undefined);
      }
    });
  }
});

describe("router allow lists", () => {
  it("a path served by a * route advertises the common methods", () => {
    const router = build([["*", "/x/*"]]);
    assert.deepEqual(router.allowedMethods("/x/y"), ALL);
  });

  it("allowedMethods is undefined for unmatched and non-origin-form paths", () => {
    const router = build([get("/x")]);
    assert.equal(router.allowedMethods("/y"), undefined);
    assert.equal(router.allowedMethods("*"), undefined);
  });

  it("allowedMethods throws the same 400 on malformed encoding", () => {
    const router = build([get("/:x")]);
    assert.throws(() => router.allowedMethods("/%zz"), HttpError);
  });
});
