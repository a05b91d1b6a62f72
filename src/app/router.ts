/**
 * Segment-trie router, generic over the stored value.
 *
 * Matching rules (they are the contract, the tests pin them down):
 * - Trailing slash is strict: "/users" and "/users/" are different routes, and no redirect is
 *   implied. Likewise "/files/*rest" matches "/files/" and "/files/a/b" but not "/files".
 * - Priority is static > ":param" > "*catchAll" at every segment, with backtracking, so
 *   "/a/b/d" still finds "/a/:x/d" when "/a/b/c" exists. Backtracking is also method-aware: a
 *   lower-priority route that accepts the method wins over a higher-priority one that does not.
 * - The path (the server passes the canonical one, see canonical-path.ts) is split on "/" before
 *   decoding, so "%2F" stays inside its segment. Segments are
 *   percent-decoded (only when they contain "%") before static comparison and capture; malformed
 *   escapes or invalid UTF-8 are a 400. Pattern statics are decoded too, so a literal ":" or "%"
 *   is written "%3A" / "%25".
 * - A ":param" never matches an empty segment; a catch-all may be empty.
 * - HEAD uses the GET route when no HEAD route exists. A "*" route accepts every method, but an
 *   explicit method registered on the same pattern shape takes precedence over it.
 *
 * Each trie node sits at a fixed depth, so a lookup visits every node at most once: backtracking
 * is linear in the size of the trie, never exponential.
 */
import { HttpError } from "../wire/http-error.js";
import { parsePattern, RouteError, type Segment } from "./route-params.js";

export type { RouteParamNames, RouteParams } from "./route-params.js";
export { RouteError };

/** Outcome of matching a request against a Router. Found results may be shared: do not mutate. */
export type RouteLookup<T> =
  | {
      readonly kind: "found";
      readonly value: T;
      readonly params: Readonly<Record<string, string>>;
      readonly pattern: string;
    }
  | { readonly kind: "method-not-allowed"; readonly allow: readonly string[] }
  | { readonly kind: "not-found" };

/** Methods advertised in Allow for a path served by a "*" route (the set can't be enumerated). */
const ANY_METHOD_ALLOW = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"] as const;
const METHOD_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Z]+$/;

/**
 * Set by a walk that reached an endpoint for the path but not for the method. Lookups are
 * synchronous, so one module-level flag is safe and spares the 404 path a second walk.
 */
let pathMatchedWithoutMethod = false;

const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
const NOT_FOUND: RouteLookup<never> = Object.freeze({ kind: "not-found" });

interface RouteEntry<T> {
  readonly value: T;
  readonly pattern: string;
  readonly paramNames: readonly string[];
  /** Pre-built result for routes without params, so matching them allocates nothing. */
  readonly constantResult: RouteLookup<T> | undefined;
}

/** The routes that end at one trie position, by method. */
class Endpoint<T> {
  readonly byMethod = new Map<string, RouteEntry<T>>();
  anyMethod: RouteEntry<T> | undefined = undefined;
  allow: readonly string[] = [];

  lookup(method: string): RouteEntry<T> | undefined {
    const entry = this.byMethod.get(method);
    if (entry !== undefined) return entry;
    if (method === "HEAD") {
      const get = this.byMethod.get("GET");
      if (get !== undefined) return get;
    }
    return this.anyMethod;
  }

  refreshAllow(): void {
    const methods = new Set<string>(this.byMethod.keys());
    if (this.anyMethod !== undefined) for (const method of ANY_METHOD_ALLOW) methods.add(method);
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS");
    this.allow = Object.freeze([...methods].sort());
  }
}

class TrieNode<T> {
  statics: Map<string, TrieNode<T>> | null = null;
  param: TrieNode<T> | null = null;
  catchAll: Endpoint<T> | null = null;
  endpoint: Endpoint<T> | null = null;
}

export class Router<T> {
  private readonly root = new TrieNode<T>();
  /** Fully static routes by their path, for a one-Map-lookup hit on the commonest requests. */
  private readonly staticEndpoints = new Map<string, Endpoint<T>>();
  private readonly registered: Array<{ methods: readonly string[] | "*"; pattern: string }> = [];
  /**
   * Scratch slots for captured values, reused across lookups (find is synchronous and never
   * re-entered). Slots are written by depth, never truncated: resetting `length` costs more than
   * the whole walk, and stale slots beyond the match are never read.
   */
  private readonly captured: string[] = [];

  add(methods: readonly string[] | "*", pattern: string, value: T): void {
    const methodList = normalizeMethods(methods, pattern);
    const segments = parsePattern(pattern);
    const paramNames = segments.flatMap((s) => (s.kind === "static" ? [] : [s.name]));
    const endpoint = this.endpointFor(segments);
    checkCollisions(endpoint, methodList, pattern);

    const entry: RouteEntry<T> = {
      value,
      pattern,
      paramNames,
      constantResult:
        paramNames.length === 0
          ? Object.freeze({ kind: "found", value, params: EMPTY_PARAMS, pattern })
          : undefined,
    };
    if (methodList === "*") endpoint.anyMethod = entry;
    else for (const method of methodList) endpoint.byMethod.set(method, entry);
    endpoint.refreshAllow();

    const staticKey = staticPathKey(segments);
    if (staticKey !== undefined) this.staticEndpoints.set(staticKey, endpoint);
    this.registered.push({ methods: methodList, pattern });
  }

  find(method: string, path: string): RouteLookup<T> {
    const staticHit = this.staticEndpoints.get(path);
    if (staticHit !== undefined) {
      const entry = staticHit.lookup(method);
      if (entry !== undefined) return entry.constantResult!;
    }
    if (path.charCodeAt(0) !== 0x2f) return NOT_FOUND;

    const captured = this.captured;
    pathMatchedWithoutMethod = false;
    // Paths without "%" (nearly all) are walked in place; the rest are split and decoded first.
    let segments: string[] | undefined;
    let entry: RouteEntry<T> | undefined;
    if (path.indexOf("%") === -1) {
      entry = matchRawPath(this.root, path, 1, method, captured, 0);
    } else {
      segments = splitRequestPath(path)!;
      entry = matchSegments(this.root, segments, 1, method, captured, 0);
    }
    if (entry !== undefined) {
      if (entry.constantResult !== undefined) return entry.constantResult;
      const params: Record<string, string> = {};
      const names = entry.paramNames;
      for (let i = 0; i < names.length; i++) params[names[i]!] = captured[i]!;
      return { kind: "found", value: entry.value, params, pattern: entry.pattern };
    }
    if (!pathMatchedWithoutMethod) return NOT_FOUND;
    const allow = allowFor(this.root, segments ?? path.split("/"))!;
    return { kind: "method-not-allowed", allow };
  }

  /** Methods some route accepts for this path (sorted, with HEAD and OPTIONS); undefined if none. */
  allowedMethods(path: string): readonly string[] | undefined {
    const segments = splitRequestPath(path);
    return segments === undefined ? undefined : allowFor(this.root, segments);
  }

  /** Registered routes in registration order. */
  routes(): Array<{ methods: readonly string[] | "*"; pattern: string }> {
    return this.registered.map((route) => ({ ...route }));
  }

  private endpointFor(segments: readonly Segment[]): Endpoint<T> {
    let node = this.root;
    for (const segment of segments) {
      if (segment.kind === "catch-all") {
        node.catchAll ??= new Endpoint<T>();
        return node.catchAll;
      }
      if (segment.kind === "param") {
        node.param ??= new TrieNode<T>();
        node = node.param;
        continue;
      }
      node.statics ??= new Map();
      let child = node.statics.get(segment.value);
      if (child === undefined) {
        child = new TrieNode<T>();
        node.statics.set(segment.value, child);
      }
      node = child;
    }
    node.endpoint ??= new Endpoint<T>();
    return node.endpoint;
  }
}

function endpointLookup<T>(
  endpoint: Endpoint<T> | null,
  method: string,
): RouteEntry<T> | undefined {
  if (endpoint === null) return undefined;
  const entry = endpoint.lookup(method);
  if (entry === undefined) pathMatchedWithoutMethod = true;
  return entry;
}

/**
 * The hot path: walks the undecoded path by index so that no segment array is built.
 * `start` is where the next segment begins; past the end of the path means none is left.
 */
function matchRawPath<T>(
  node: TrieNode<T>,
  path: string,
  start: number,
  method: string,
  captured: string[],
  capturedCount: number,
): RouteEntry<T> | undefined {
  if (start > path.length) return endpointLookup(node.endpoint, method);
  let end = path.indexOf("/", start);
  if (end === -1) end = path.length;
  if (node.statics !== null) {
    const child = node.statics.get(path.slice(start, end));
    if (child !== undefined) {
      const entry = matchRawPath(child, path, end + 1, method, captured, capturedCount);
      if (entry !== undefined) return entry;
    }
  }
  if (node.param !== null && end > start) {
    captured[capturedCount] = path.slice(start, end);
    const entry = matchRawPath(node.param, path, end + 1, method, captured, capturedCount + 1);
    if (entry !== undefined) return entry;
  }
  if (node.catchAll !== null) {
    const entry = endpointLookup(node.catchAll, method);
    if (entry !== undefined) {
      captured[capturedCount] = path.slice(start);
      return entry;
    }
  }
  return undefined;
}

/** Same walk over pre-decoded segments, for paths that contained "%". */
function matchSegments<T>(
  node: TrieNode<T>,
  segments: readonly string[],
  index: number,
  method: string,
  captured: string[],
  capturedCount: number,
): RouteEntry<T> | undefined {
  if (index === segments.length) return endpointLookup(node.endpoint, method);
  const segment = segments[index]!;
  if (node.statics !== null) {
    const child = node.statics.get(segment);
    if (child !== undefined) {
      const entry = matchSegments(child, segments, index + 1, method, captured, capturedCount);
      if (entry !== undefined) return entry;
    }
  }
  if (node.param !== null && segment !== "") {
    captured[capturedCount] = segment;
    const entry = matchSegments(
      node.param,
      segments,
      index + 1,
      method,
      captured,
      capturedCount + 1,
    );
    if (entry !== undefined) return entry;
  }
  if (node.catchAll !== null) {
    const entry = endpointLookup(node.catchAll, method);
    if (entry !== undefined) {
      captured[capturedCount] = restOfPath(segments, index);
      return entry;
    }
  }
  return undefined;
}

/** Slow path (405 / OPTIONS): every endpoint whose pattern matches the path, any method. */
function collectEndpoints<T>(
  node: TrieNode<T>,
  segments: readonly string[],
  index: number,
  found: Endpoint<T>[],
): void {
  if (index === segments.length) {
    if (node.endpoint !== null) found.push(node.endpoint);
    return;
  }
  const segment = segments[index]!;
  const child = node.statics?.get(segment);
  if (child !== undefined) collectEndpoints(child, segments, index + 1, found);
  if (node.param !== null && segment !== "") {
    collectEndpoints(node.param, segments, index + 1, found);
  }
  if (node.catchAll !== null) found.push(node.catchAll);
}

function allowFor<T>(
  root: TrieNode<T>,
  segments: readonly string[],
): readonly string[] | undefined {
  const endpoints: Endpoint<T>[] = [];
  collectEndpoints(root, segments, 1, endpoints);
  if (endpoints.length === 0) return undefined;
  if (endpoints.length === 1) return endpoints[0]!.allow;
  const methods = new Set<string>();
  for (const endpoint of endpoints) for (const method of endpoint.allow) methods.add(method);
  return Object.freeze([...methods].sort());
}

function restOfPath(segments: readonly string[], index: number): string {
  return index === segments.length - 1 ? segments[index]! : segments.slice(index).join("/");
}

/**
 * Splits on "/" first and decodes afterwards, so an encoded "%2F" never creates a segment.
 * Element 0 is the empty string before the leading "/"; matching starts at 1.
 */
function splitRequestPath(path: string): string[] | undefined {
  if (path.charCodeAt(0) !== 0x2f) return undefined;
  const segments = path.split("/");
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.indexOf("%") !== -1) segments[i] = decodeSegment(segment);
  }
  return segments;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    // URIError covers bad hex, truncated sequences, overlongs, surrogates and other invalid UTF-8.
    throw new HttpError(400, "Malformed percent-encoding in path");
  }
}

function normalizeMethods(
  methods: readonly string[] | "*",
  pattern: string,
): readonly string[] | "*" {
  if (methods === "*") return "*";
  if (!Array.isArray(methods) || methods.length === 0) {
    throw new RouteError(
      `Route "${pattern}" has no methods: pass e.g. ["GET"], or the string "*" for every method.`,
    );
  }
  const unique = new Set<string>();
  for (const method of methods) {
    if (method === "*") {
      throw new RouteError(
        `Route "${pattern}" lists "*" inside a method array: pass the string "*" on its own ` +
          "to accept every method.",
      );
    }
    if (typeof method !== "string" || !METHOD_TOKEN.test(method)) {
      const hint =
        typeof method === "string" && METHOD_TOKEN.test(method.toUpperCase())
          ? ` Methods are case-sensitive upper-case tokens: write "${method.toUpperCase()}".`
          : " A method is an upper-case token such as GET or POST.";
      throw new RouteError(
        `Route "${pattern}" has invalid method ${JSON.stringify(method)}.${hint}`,
      );
    }
    unique.add(method);
  }
  return Object.freeze([...unique]);
}

function checkCollisions<T>(
  endpoint: Endpoint<T>,
  methods: readonly string[] | "*",
  pattern: string,
): void {
  const clash = (method: string, existing: RouteEntry<T> | undefined): void => {
    if (existing === undefined) return;
    if (existing.pattern === pattern) {
      throw new RouteError(
        `Route ${method} "${pattern}" is registered twice; remove one of the registrations.`,
      );
    }
    throw new RouteError(
      `Route ${method} "${pattern}" conflicts with ${method} "${existing.pattern}": they match ` +
        "exactly the same paths. Use the same parameter names, or tell them apart with a static " +
        "segment or a different method.",
    );
  };
  if (methods === "*") clash("*", endpoint.anyMethod);
  else for (const method of methods) clash(method, endpoint.byMethod.get(method));
}

/** The lookup key for a route without params, or undefined if the raw-path Map can't serve it. */
function staticPathKey(segments: readonly Segment[]): string | undefined {
  let key = "";
  for (const segment of segments) {
    // A decoded "%" or "/" would let a differently-encoded request path hit this key.
    if (segment.kind !== "static" || /[%/]/.test(segment.value)) return undefined;
    key += `/${segment.value}`;
  }
  return key;
}
