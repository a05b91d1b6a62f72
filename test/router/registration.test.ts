import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RouteError, Router } from "../../src/app/router.js";

type Methods = readonly string[] | "*";

interface ErrorCase {
  readonly name: string;
  /** Registered first and expected to succeed. */
  readonly before?: ReadonlyArray<readonly [Methods, string]>;
  readonly add: readonly [Methods, string];
  /** Every fragment must appear in the message: what is wrong and how to fix it. */
  readonly message: readonly (string | RegExp)[];
}

const ERROR_CASES: readonly ErrorCase[] = [
  {
    name: "pattern not starting with /",
    add: [["GET"], "users"],
    message: ['must start with "/"', 'write "/users"'],
  },
  { name: "empty pattern", add: [["GET"], ""], message: ['must start with "/"'] },
  {
    name: "empty param name",
    add: [["GET"], "/users/:"],
    message: ["segment 2", "has no name", '":id"'],
  },
  {
    name: "empty param name mid-pattern",
    add: [["GET"], "/users/:/x"],
    message: ["has no name"],
  },
  {
    name: "invalid param name characters",
    add: [["GET"], "/users/:user-id"],
    message: ['"user-id" is not an identifier', '":user_id"'],
  },
  {
    name: "param name starting with a digit",
    add: [["GET"], "/x/:1st"],
    message: ["not an identifier", '":_1st"'],
  },
  {
    name: "invalid catch-all name",
    add: [["GET"], "/x/*a.b"],
    message: ["not an identifier", '"*a_b"'],
  },
  {
    name: "optional parameter",
    add: [["GET"], "/users/:id?"],
    message: ['optional parameters (":id?")', "Register the route twice", "with and without"],
  },
  {
    name: "regular expression in a parameter",
    add: [["GET"], "/users/:id(\\d+)"],
    message: ["no regular expressions", '":id"', "schema"],
  },
  {
    name: "__proto__ as param name",
    add: [["GET"], "/x/:__proto__"],
    message: ['"__proto__" cannot be a parameter name'],
  },
  {
    name: "duplicate param names",
    add: [["GET"], "/a/:id/b/:id"],
    message: ['"id" is used twice', "unique name"],
  },
  {
    name: "duplicate between param and catch-all",
    add: [["GET"], "/a/:rest/*rest"],
    message: ['"rest" is used twice'],
  },
  {
    name: "named catch-all not last",
    add: [["GET"], "/files/*path/edit"],
    message: ["must be the last segment", '":path"'],
  },
  {
    name: "bare catch-all not last",
    add: [["GET"], "/*/x"],
    message: ["must be the last segment"],
  },
  {
    name: "same method and pattern twice",
    before: [[["GET"], "/users/:id"]],
    add: [["GET"], "/users/:id"],
    message: ['GET "/users/:id" is registered twice', "remove one"],
  },
  {
    name: "duplicate through a multi-method registration",
    before: [[["GET", "POST"], "/x"]],
    add: [["PUT", "POST"], "/x"],
    message: ['POST "/x" is registered twice'],
  },
  {
    name: "* twice",
    before: [["*", "/x"]],
    add: ["*", "/x"],
    message: ['* "/x" is registered twice'],
  },
  {
    name: "same shape, different param names, same method",
    before: [[["GET"], "/users/:id"]],
    add: [["GET"], "/users/:name"],
    message: ['GET "/users/:name" conflicts with GET "/users/:id"', "same parameter names"],
  },
  {
    name: "catch-all name conflict",
    before: [[["GET"], "/*"]],
    add: [["GET"], "/*rest"],
    message: ['conflicts with GET "/*"'],
  },
  {
    name: "encoded and literal spelling of one static path",
    before: [[["GET"], "/café"]],
    add: [["GET"], "/caf%C3%A9"],
    message: ['conflicts with GET "/café"'],
  },
  {
    name: "space in static segment",
    add: [["GET"], "/my page"],
    message: ['character " "', '"%20"'],
  },
  {
    name: "query delimiter in static segment",
    add: [["GET"], "/search?q"],
    message: ['character "?"', '"%3F"'],
  },
  { name: "fragment in static segment", add: [["GET"], "/a#b"], message: ['"%23"'] },
  { name: "control character", add: [["GET"], "/a\tb"], message: ['"%09"'] },
  {
    name: "colon inside a static segment",
    add: [["GET"], "/user-:id"],
    message: ["whole segment", '"%3A"'],
  },
  {
    name: "star inside a static segment",
    add: [["GET"], "/file*.txt"],
    message: ["whole segment", '"%2A"'],
  },
  {
    name: "malformed escape in pattern",
    add: [["GET"], "/100%"],
    message: ["malformed percent-encoding", '"%25"'],
  },
  {
    name: "lower-case method",
    add: [["get"], "/x"],
    message: ['invalid method "get"', 'write "GET"'],
  },
  {
    name: "method with a space",
    add: [["GET POST"], "/x"],
    message: ["invalid method", "upper-case token"],
  },
  { name: "no methods", add: [[], "/x"], message: ["has no methods", '"*"'] },
  {
    name: "* inside the method array",
    add: [["*"], "/x"],
    message: ['pass the string "*" on its own'],
  },
];

describe("router registration errors", () => {
  for (const c of ERROR_CASES) {
    it(c.name, () => {
      const router = new Router<number>();
      for (const [methods, pattern] of c.before ?? []) router.add(methods, pattern, 0);
      const [methods, pattern] = c.add;
      assert.throws(
        () => router.add(methods, pattern, 1),
        (error: unknown) => {
          assert.ok(error instanceof RouteError, "throws RouteError");
          assert.equal(error.name, "RouteError");
          for (const fragment of c.message) {
            if (typeof fragment === "string")
              assert.ok(error.message.includes(fragment), error.message);
            else assert.match(error.message, fragment);
          }
          return true;
        },
      );
      assert.equal(
        router.routes().length,
        (c.before ?? []).length,
        "a failed add registers nothing",
      );
    });
  }

  it("a failed multi-method add leaves earlier methods unregistered too", () => {
    const router = new Router<string>();
    router.add(["POST"], "/x", "post");
    assert.throws(() => router.add(["GET", "POST"], "/x", "both"), RouteError);
    assert.deepEqual(router.find("GET", "/x"), {
      kind: "method-not-allowed",
      allow: ["OPTIONS", "POST"],
    });
  });

  it("accepts the legal corner cases", () => {
    const router = new Router<number>();
    const legal: ReadonlyArray<readonly [Methods, string]> = [
      [["GET"], "/"],
      [["GET"], "/*"],
      [["GET"], "/files/*"],
      [["GET"], "/users/:id"],
      [["DELETE"], "/users/:userId"], // same shape, different method: fine
      ["*", "/users/:id"], // * next to explicit methods on one shape
      [["GET"], "/a/:_x/:Y9/*rest_1"],
      [["GET"], "/v1/items%3AbatchGet"],
      [["GET"], "/caf%C3%A9/"],
      [["M-SEARCH"], "/upnp"],
      [["GET", "GET"], "/dedupe"],
    ];
    for (const [methods, pattern] of legal) router.add(methods, pattern, 0);
    assert.deepEqual(
      router.routes(),
      legal.map(([methods, pattern]) => ({
        methods: methods === "*" ? "*" : [...new Set(methods)],
        pattern,
      })),
    );
  });

  it("routes() returns copies that cannot change the router", () => {
    const router = new Router<number>();
    router.add(["GET"], "/x", 0);
    const listed = router.routes();
    listed[0]!.pattern = "/hacked";
    assert.equal(router.routes()[0]!.pattern, "/x");
  });
});
