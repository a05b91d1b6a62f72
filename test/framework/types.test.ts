import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Request } from "../../src/app/request.js";
import type { StandardSchemaV1 } from "../../src/app/validation.js";
import { newApp } from "./matrix.js";

/**
 * Type-level tests of what handlers see, checked by `tsc` when the tests compile: a wrong type
 * here fails the build (each `@ts-expect-error` must hit an error, or tsc complains that it is
 * unused). The bodies also run, registering the routes, so the patterns are valid at runtime.
 */

type Equal<A, B> =
  (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof: T): void => {};

const numericId: StandardSchemaV1<unknown, { id: number }> = {
  "~standard": {
    version: 1,
    vendor: "test",
    validate: (input) => ({ value: { id: Number((input as { id: string }).id) } }),
  },
};

describe("handler types from route patterns", () => {
  it("app.get/post/put/patch/delete/all/route type request.params from the path", () => {
    const app = newApp();
    app.get("/users/:id", (request) => {
      expectType<Equal<typeof request.params, { id: string }>>(true);
      const id: string = request.params.id;
      // @ts-expect-error "name" is not a parameter of "/users/:id"
      request.params.name;
      return id;
    });
    app.post("/users/:id/files/*rest", (request) => {
      expectType<Equal<typeof request.params, { id: string; rest: string }>>(true);
      return request.params.rest;
    });
    app.put("/a/:x", (request) => request.params.x);
    app.patch("/a/:x", (request) => request.params.x);
    app.delete("/a/:x", (request) => request.params.x);
    app.all("/b/:y", (request) => request.params.y);
    app.route("/c/*", (request) => request.params["*"], { methods: ["GET"] });
    app.get("/static", (request) => {
      expectType<Equal<typeof request.params, Record<string, never>>>(true);
      // A static route has no parameters: any name reads as `never`.
      expectType<Equal<typeof request.params.id, never>>(true);
      return "";
    });
    assert.equal(app.routes().length, 8);
  });

  it("groups type the handler's params from its own pattern", () => {
    const app = newApp();
    app.group("/api", (api) => {
      api.get("/items/:itemId", (request) => {
        expectType<Equal<typeof request.params, { itemId: string }>>(true);
        return request.params.itemId;
      });
    });
    assert.deepEqual(app.routes(), [{ pattern: "/api/items/:itemId", methods: ["GET"] }]);
  });

  it("a group's prefix parameters are typed in its routes, nested groups included", async () => {
    const app = newApp();
    app.group("/orgs/:org", (org) => {
      org.get("/members/:id", (request) => {
        expectType<Equal<typeof request.params, { org: string; id: string }>>(true);
        return `${request.params.org}/${request.params.id}`;
      });
      org.get("/", (request) => {
        expectType<Equal<typeof request.params, { org: string }>>(true);
        // @ts-expect-error "id" belongs to the sibling route, not to the prefix
        request.params.id;
        return request.params.org;
      });
      org.group("/teams/:team", (team) => {
        team.get("/*rest", (request) => {
          expectType<Equal<typeof request.params, { org: string; team: string; rest: string }>>(
            true,
          );
          return [request.params.org, request.params.team, request.params.rest].join("|");
        });
      });
    });
    // A prefix only known as a string cannot be read at the type level: every name is a string.
    const dynamic: string = "/dyn";
    app.group(dynamic, (group) => {
      group.get("/:x", (request) => {
        expectType<Equal<typeof request.params, Record<string, string>>>(true);
        return request.params.x ?? "";
      });
    });
    // A handler whose request parameter is annotated with the plain Request type still registers.
    app.get("/plain", (request: Request) => request.path);
    app.group("/orgs/:org/plain", (group) => {
      group.get("/:id", (request: Request) => request.params.id ?? "");
    });
    assert.equal((await app.inject({ url: "/orgs/acme/members/7" })).text(), "acme/7");
    assert.equal((await app.inject({ url: "/orgs/acme" })).text(), "acme");
    assert.equal((await app.inject({ url: "/orgs/a/teams/b/c/d" })).text(), "a|b|c/d");
    assert.equal((await app.inject({ url: "/dyn/z" })).text(), "z");
  });

  it("request.valid is typed from the schemas' outputs", () => {
    const app = newApp();
    app.get(
      "/users/:id",
      (request) => {
        expectType<Equal<typeof request.valid.params, { id: number }>>(true);
        const id: number = request.valid.params.id;
        // Without a query schema there is nothing typed to rely on.
        expectType<Equal<typeof request.valid.query, unknown>>(true);
        // @ts-expect-error the output is a number, not a string
        request.valid.params.id.toUpperCase();
        return id;
      },
      { schema: { params: numericId } },
    );
    assert.equal(app.routes().length, 1);
  });
});
