/**
 * Type-level view of route patterns. Kept to one short recursion over "/"-separated segments so the
 * checker stays fast even with hundreds of routes (deeply nested conditional types are what make
 * some routers' types slow).
 */

/** The parameter name a single pattern segment contributes, or never for a static segment. */
type SegmentParam<S extends string> = S extends `:${infer Name}`
  ? Name
  : S extends `*${infer Name}`
    ? Name extends ""
      ? "*"
      : Name
    : never;

/** Union of every parameter name in a pattern: "/users/:id/*rest" -> "id" | "rest". */
export type RouteParamNames<P extends string> = P extends `${infer Head}/${infer Tail}`
  ? SegmentParam<Head> | RouteParamNames<Tail>
  : SegmentParam<P>;

/**
 * The params object a pattern yields: "/users/:id/files/*rest" -> { id: string; rest: string },
 * "/*" -> { "*": string }, "/" -> Record<string, never>. A pattern only known as `string` gives
 * Record<string, string>.
 */
export type RouteParams<P extends string> = string extends P
  ? Record<string, string>
  : [RouteParamNames<P>] extends [never]
    ? Record<string, never>
    : { [Name in RouteParamNames<P>]: string };

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
