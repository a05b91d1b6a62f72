import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Router } from "../../src/app/router.js";

describe("router at scale", () => {
  it("100 param routes /r{i}/:id each resolve to their own value", () => {
    const router = new Router<number>();
    for (let i = 0; i < 100; i++) router.add(["GET"], `/r${i}/:id`, i);
    for (let i = 0; i < 100; i++) {
      const result = router.find("GET", `/r${i}/item-${i}`);
      assert.deepEqual(result, {
        kind: "found",
        value: i,
        params: { id: `item-${i}` },
        pattern: `/r${i}/:id`,
      });
    }
    assert.deepEqual(router.find("GET", "/r100/x"), { kind: "not-found" });
    assert.equal(router.routes().length, 100);
  });

  it("mixed static, param and catch-all routes under shared prefixes", () => {
    const router = new Router<string>();
    for (let i = 0; i < 50; i++) {
      router.add(["GET"], `/api/v${i}/users`, `static${i}`);
      router.add(["GET"], `/api/v${i}/users/:id`, `param${i}`);
      router.add(["GET"], `/api/v${i}/*rest`, `catch${i}`);
    }
    for (let i = 0; i < 50; i++) {
      const users = router.find("GET", `/api/v${i}/users`);
      assert.equal(users.kind === "found" && users.value, `static${i}`);
      const one = router.find("GET", `/api/v${i}/users/7`);
      assert.equal(one.kind === "found" && one.value, `param${i}`);
      const other = router.find("GET", `/api/v${i}/users/7/x`);
      assert.equal(other.kind === "found" && other.value, `catch${i}`);
      assert.equal(other.kind === "found" && other.params.rest, "users/7/x");
    }
  });
});

describe("router allocation contract", () => {
  it("routes without params return one shared frozen result with frozen empty params", () => {
    const router = new Router<string>();
    router.add(["GET"], "/health", "h");
    router.add(["GET"], "/caf%C3%A9", "c");
    const first = router.find("GET", "/health");
    assert.equal(router.find("GET", "/health"), first, "static fast path reuses the result");
    assert.equal(router.find("HEAD", "/health"), first, "HEAD fallback reuses the GET result");
    assert.ok(Object.isFrozen(first));
    assert.ok(first.kind === "found" && Object.isFrozen(first.params));
    const encoded = router.find("GET", "/caf%C3%A9");
    assert.equal(router.find("GET", "/café"), encoded, "tree path reuses it as well");
    assert.ok(
      encoded.kind === "found" && first.kind === "found" && encoded.params === first.params,
    );
  });

  it("param results are fresh objects each time (callers may keep them)", () => {
    const router = new Router<string>();
    router.add(["GET"], "/u/:id", "u");
    const a = router.find("GET", "/u/1");
    const b = router.find("GET", "/u/2");
    assert.ok(a.kind === "found" && b.kind === "found");
    assert.notEqual(a.params, b.params);
    assert.deepEqual({ ...a.params }, { id: "1" });
    assert.deepEqual(Object.keys(b.params), ["id"]);
  });
});
