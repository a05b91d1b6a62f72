import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type RouteParams, Router } from "../../src/app/router.js";

/** Compile-time equality: resolves to true only when A and B are the same type. */
type Equal<A, B> =
  (<V>() => V extends A ? 1 : 2) extends <V>() => V extends B ? 1 : 2 ? true : false;
const expectType = <T extends true>(_proof: T): void => {};

describe("RouteParams type", () => {
  it("derives param objects from patterns (checked by tsc; this body just runs the asserts)", () => {
    const both: RouteParams<"/a/:x/*rest"> = { x: "1", rest: "2" };
    // @ts-expect-error missing "rest"
    const missing: RouteParams<"/a/:x/*rest"> = { x: "1" };
    // @ts-expect-error "y" is not a parameter of this pattern
    const extra: RouteParams<"/a/:x"> = { x: "1", y: "2" };
    // @ts-expect-error static routes have no params
    const onStatic: RouteParams<"/about"> = { id: "1" };

    expectType<Equal<RouteParams<"/users/:id">, { id: string }>>(true);
    expectType<Equal<RouteParams<"/users/:id/files/*rest">, { id: string; rest: string }>>(true);
    expectType<Equal<RouteParams<"/*">, { "*": string }>>(true);
    expectType<Equal<RouteParams<"/api/*">, { "*": string }>>(true);
    expectType<Equal<RouteParams<"/">, Record<string, never>>>(true);
    expectType<Equal<RouteParams<"/users/">, Record<string, never>>>(true);
    expectType<Equal<RouteParams<string>, Record<string, string>>>(true);
    // @ts-expect-error the proof fails when the types differ
    expectType<Equal<RouteParams<"/users/:id">, { name: string }>>(true);

    assert.deepEqual([both, missing, extra, onStatic].length, 4);
  });

  it("matches what the router captures at runtime", () => {
    const pattern = "/users/:id/files/*rest" as const;
    const router = new Router<null>();
    router.add(["GET"], pattern, null);
    const result = router.find("GET", "/users/1/files/a/b");
    assert.equal(result.kind, "found");
    if (result.kind !== "found") return;
    const typed: RouteParams<typeof pattern> = { id: "1", rest: "a/b" };
    assert.deepEqual({ ...result.params }, typed);
  });
});
