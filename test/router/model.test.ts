import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { RouteError } from "../../src/app/route-params.js";
import { type RouteLookup, Router } from "../../src/app/router.js";

/**
 * Property test against a brute-force reference: for random route sets and paths, the trie must
 * agree with "try every pattern, highest-priority shape first". The reference is deliberately
 * naive so that it is obviously right.
 */

interface Route {
  readonly methods: readonly string[] | "*";
  readonly pattern: string;
}

const RANK = { static: 0, param: 1, "catch-all": 2 } as const;

function kindOf(segment: string): keyof typeof RANK {
  if (segment.startsWith(":")) return "param";
  if (segment.startsWith("*")) return "catch-all";
  return "static";
}

function referenceParams(pattern: string, pathSegments: string[]): Record<string, string> | null {
  const patternSegments = pattern.split("/").slice(1);
  const params: Record<string, string> = {};
  for (let i = 0; i < patternSegments.length; i++) {
    const p = patternSegments[i]!;
    const kind = kindOf(p);
    if (kind === "catch-all") {
      if (i >= pathSegments.length) return null;
      params[p.slice(1) || "*"] = pathSegments.slice(i).join("/");
      return params;
    }
    if (i >= pathSegments.length) return null;
    const s = pathSegments[i]!;
    if (kind === "param") {
      if (s === "") return null;
      params[p.slice(1)] = s;
    } else if (p !== s) return null;
  }
  return patternSegments.length === pathSegments.length ? params : null;
}

function compareShapes(a: string, b: string): number {
  const as = a.split("/").slice(1).map(kindOf);
  const bs = b.split("/").slice(1).map(kindOf);
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const diff = RANK[as[i]!] - RANK[bs[i]!];
    if (diff !== 0) return diff;
  }
  return 0;
}

function accepts(route: Route, method: string): number {
  if (route.methods === "*") return 3;
  if (route.methods.includes(method)) return 1;
  if (method === "HEAD" && route.methods.includes("GET")) return 2;
  return 0;
}

function reference(routes: readonly Route[], method: string, rawPath: string): RouteLookup<Route> {
  const segments = rawPath.split("/").slice(1).map(decodeURIComponent);
  const matching = routes
    .map((route) => ({ route, params: referenceParams(route.pattern, segments) }))
    .filter((m) => m.params !== null);
  if (matching.length === 0) return { kind: "not-found" };
  const candidates = matching
    .filter((m) => accepts(m.route, method) > 0)
    .sort(
      (x, y) =>
        compareShapes(x.route.pattern, y.route.pattern) ||
        accepts(x.route, method) - accepts(y.route, method),
    );
  const best = candidates[0];
  if (best !== undefined) {
    return { kind: "found", value: best.route, params: best.params!, pattern: best.route.pattern };
  }
  const allow = new Set(["OPTIONS"]);
  for (const { route } of matching) {
    for (const m of route.methods) allow.add(m);
    if (allow.has("GET")) allow.add("HEAD");
  }
  return { kind: "method-not-allowed", allow: [...allow].sort() };
}

const patternSegment = fc.constantFrom("a", "b", "c", "", ":p", "*");
const routeArb = fc.record({
  methods: fc.oneof(
    fc.constant("*" as const),
    fc.subarray(["GET", "POST", "HEAD"], { minLength: 1 }),
  ),
  segments: fc.array(patternSegment, { minLength: 1, maxLength: 4 }),
});
const pathArb = fc
  .array(fc.constantFrom("a", "b", "c", "", "%61", "x%2Fy", "d"), { minLength: 1, maxLength: 5 })
  .map((segments) => `/${segments.join("/")}`);

/** Whether two method lists collide: "*" only with "*", arrays when they share a method. */
function sharesMethod(a: Route["methods"], b: Route["methods"]): boolean {
  if (a === "*" || b === "*") return a === b;
  return a.some((method) => b.includes(method));
}

function toPattern(segments: readonly string[]): string | undefined {
  const star = segments.indexOf("*");
  if (star !== -1 && star !== segments.length - 1) return undefined;
  // Positional names keep patterns of one shape consistent, so only true duplicates collide.
  return `/${segments.map((s, i) => (s === ":p" ? `:p${i}` : s === "*" ? "*rest" : s)).join("/")}`;
}

describe("router vs brute-force reference", () => {
  it("agrees on found / 405 / 404 for random route sets", () => {
    fc.assert(
      fc.property(
        fc.array(routeArb, { maxLength: 12 }),
        fc.array(fc.tuple(fc.constantFrom("GET", "HEAD", "POST", "PUT"), pathArb), {
          minLength: 1,
          maxLength: 8,
        }),
        (rawRoutes, requests) => {
          const router = new Router<Route>();
          const accepted: Route[] = [];
          for (const raw of rawRoutes) {
            const pattern = toPattern(raw.segments);
            if (pattern === undefined) continue;
            const route: Route = { methods: raw.methods, pattern };
            try {
              router.add(route.methods, pattern, route);
              accepted.push(route);
            } catch (error) {
              // Only a true duplicate (same pattern, a method in common) may be refused; the
              // reference then simply never sees it. Any other refusal fails the property.
              const duplicate = accepted.some(
                (other) => other.pattern === pattern && sharesMethod(other.methods, route.methods),
              );
              if (!(error instanceof RouteError) || !duplicate) throw error;
              assert.match(error.message, /is registered twice/);
            }
          }
          for (const [method, path] of requests) {
            const actual = router.find(method, path);
            const expected = reference(accepted, method, path);
            if (actual.kind === "found" && expected.kind === "found") {
              assert.equal(actual.pattern, expected.pattern, `${method} ${path}`);
              assert.equal(actual.value, expected.value, `${method} ${path}`);
              assert.deepEqual({ ...actual.params }, expected.params, `${method} ${path}`);
            } else {
              assert.deepEqual(actual, expected, `${method} ${path}`);
            }
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("any string survives encodeURIComponent into a param and back", () => {
    const router = new Router<null>();
    router.add(["GET"], "/v/:value/*rest", null);
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "grapheme" }), fc.string(), (value, rest) => {
        const result = router.find("GET", `/v/${encodeURIComponent(value)}/${encodeURI(rest)}`);
        assert.equal(result.kind, "found");
        if (result.kind !== "found") return;
        assert.equal(result.params.value, value);
        assert.equal(result.params.rest, rest);
      }),
    );
  });
});
