import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RouteError, Router } from "../../src/app/router.js";
import { HttpError } from "../../src/wire/http-error.js";

/**
 * Router behaviour that the mutation run (docs/mutation/router-static.md) found unpinned: the
 * exact registration messages, paths that do not start with "/", and which routes the
 * one-lookup static table may serve.
 */

describe("Router: registration messages in full", () => {
  const refuses = (methods: readonly string[] | "*", pattern: string, message: string) => {
    const router = new Router<number>();
    assert.throws(
      () => router.add(methods, pattern, 1),
      (error: unknown) => {
        assert.ok(error instanceof RouteError);
        assert.equal(error.message, message);
        return true;
      },
    );
  };

  it('"*" inside a method array', () => {
    refuses(
      ["GET", "*"],
      "/x",
      'Route "/x" lists "*" inside a method array: pass the string "*" on its own to accept every method.',
    );
  });

  it("a method that is not a string, with the generic hint", () => {
    // 5 stringifies to a valid token: the type check alone must refuse it.
    refuses(
      [5 as unknown as string],
      "/x",
      'Route "/x" has invalid method 5. A method is an upper-case token such as GET or POST.',
    );
  });

  it("a method that no case change repairs gets the generic hint", () => {
    refuses(
      ["g et"],
      "/x",
      'Route "/x" has invalid method "g et". A method is an upper-case token such as GET or POST.',
    );
  });

  it("a lower-case method gets the upper-case spelling", () => {
    refuses(
      ["get"],
      "/x",
      'Route "/x" has invalid method "get". Methods are case-sensitive upper-case tokens: write "GET".',
    );
  });

  it("two patterns of the same shape", () => {
    const router = new Router<number>();
    router.add(["GET"], "/users/:id", 1);
    assert.throws(() => router.add(["GET"], "/users/:name", 2), {
      message:
        'Route GET "/users/:name" conflicts with GET "/users/:id": they match exactly the same ' +
        "paths. Use the same parameter names, or tell them apart with a static segment or a " +
        "different method.",
    });
  });
});

describe("Router: paths and the static table", () => {
  it("allowedMethods knows no path that does not start with /", () => {
    const router = new Router<number>();
    router.add(["GET"], "/users", 1);
    assert.deepEqual(router.allowedMethods("/users"), ["GET", "HEAD", "OPTIONS"]);
    assert.equal(router.allowedMethods("x/users"), undefined);
    assert.equal(router.allowedMethods("users"), undefined);
  });

  it("a parameter route is matched by its parameter, whatever the value spells", () => {
    const router = new Router<string>();
    router.add(["GET"], "/:name", "root-param");
    router.add(["GET"], "/users/:id", "user");
    router.add(["GET"], "/files/*rest", "files");
    for (const [path, value, params] of [
      ["/undefined", "root-param", { name: "undefined" }],
      ["/users/undefined", "user", { id: "undefined" }],
      ["/files/undefined", "files", { rest: "undefined" }],
    ] as const) {
      const found = router.find("GET", path);
      assert.equal(found.kind, "found", path);
      assert.ok(found.kind === "found");
      assert.equal(found.value, value);
      assert.deepEqual(found.params, params);
    }
  });

  it('a literal "%" route is reached only by its encoded spelling', () => {
    const router = new Router<number>();
    router.add(["GET"], "/%25", 1);
    router.add(["GET"], "/a%2Fb", 2);
    const percent = router.find("GET", "/%25");
    assert.ok(percent.kind === "found" && percent.value === 1);
    const slash = router.find("GET", "/a%2Fb");
    assert.ok(slash.kind === "found" && slash.value === 2);
    // A raw "%" is a malformed escape, never the route's decoded "%".
    assert.throws(
      () => router.find("GET", "/%"),
      (error: unknown) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.status, 400);
        return true;
      },
    );
    // A raw "/" splits the path: "/a/b" is two segments, not the one segment "a/b".
    assert.equal(router.find("GET", "/a/b").kind, "not-found");
  });
});
