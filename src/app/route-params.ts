/**
 * The route pattern grammar, in one place for both levels: parsePattern validates and splits a
 * pattern at registration time, RouteParams derives the params object type from the same syntax.
 *
 * Segments after the leading "/": "name" static (percent-decoded, so "%3A" is a literal ":"),
 * ":name" one non-empty segment, "*name" or bare "*" the rest of the path (last segment only).
 */

/*
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

/**
 * The pattern a route of a group registers: the group's prefix followed by the route's path
 * (what RouteGroup does at run time). A prefix only known as `string` makes the whole pattern
 * `string`, whose params are Record<string, string>.
 */
export type JoinPattern<Prefix extends string, Path extends string> = Prefix extends ""
  ? Path
  : string extends Prefix
    ? string
    : `${Prefix}${Path}`;

// ---- runtime parsing ------------------------------------------------------------------------

/** A registration mistake; the message says how to fix it. Thrown by Router.add at start-up. */
export class RouteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RouteError";
  }
}

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
// Never valid in a path: controls, space, and the query/fragment delimiters.
const FORBIDDEN_STATIC_CHAR = /[\u0000-\u0020\u007f?#]/;

export type Segment =
  | { readonly kind: "static"; readonly value: string }
  | { readonly kind: "param"; readonly name: string }
  | { readonly kind: "catch-all"; readonly name: string };

/** Validates a pattern and splits it into segments; throws RouteError saying how to fix it. */
export function parsePattern(pattern: string): Segment[] {
  if (typeof pattern !== "string" || pattern.charCodeAt(0) !== 0x2f) {
    throw new RouteError(
      `Route pattern ${JSON.stringify(pattern)} must start with "/": write "/${String(pattern)}".`,
    );
  }
  const raw = pattern.split("/").slice(1);
  const segments: Segment[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < raw.length; i++) {
    const text = raw[i]!;
    const isLast = i === raw.length - 1;
    const where = `Route pattern "${pattern}", segment ${i + 1} ("${text}")`;
    if (text.startsWith(":") || text.startsWith("*")) {
      const isCatchAll = text.startsWith("*");
      let name = text.slice(1);
      if (isCatchAll && !isLast) {
        throw new RouteError(
          `${where}: a catch-all must be the last segment, because it takes the rest of the ` +
            `path; move it to the end or use ":${name || "name"}" for a single segment.`,
        );
      }
      if (isCatchAll && name === "") name = "*";
      else checkParamName(name, where, isCatchAll ? "*" : ":");
      if (seen.has(name)) {
        throw new RouteError(
          `${where}: parameter name "${name}" is used twice; give each parameter a unique name.`,
        );
      }
      seen.add(name);
      segments.push({ kind: isCatchAll ? "catch-all" : "param", name });
      continue;
    }
    segments.push({ kind: "static", value: decodeStatic(text, where) });
  }
  return segments;
}

function checkParamName(name: string, where: string, sigil: ":" | "*"): void {
  if (name === "") {
    throw new RouteError(`${where}: the parameter has no name; write it like "${sigil}id".`);
  }
  if (name.endsWith("?") && PARAM_NAME.test(name.slice(0, -1))) {
    const bare = name.slice(0, -1);
    throw new RouteError(
      `${where}: optional parameters ("${sigil}${bare}?") are not part of the pattern syntax, ` +
        `where every segment is static, ":name" or a final "*name". Register the route twice, ` +
        `with and without the segment (two handlers may share a function taking the ` +
        `parameter as an argument).`,
    );
  }
  if (/^[A-Za-z_][A-Za-z0-9_]*\(/.test(name)) {
    throw new RouteError(
      `${where}: parameters have no regular expressions; write "${sigil}${name.slice(0, name.indexOf("("))}" ` +
        `and check the value with a params schema (route option 'schema').`,
    );
  }
  if (!PARAM_NAME.test(name)) {
    const suggestion = name.replace(/[^A-Za-z0-9_]/g, "_").replace(/^[0-9]/, "_$&");
    throw new RouteError(
      `${where}: parameter name "${name}" is not an identifier ([A-Za-z_][A-Za-z0-9_]*); ` +
        `rename it, e.g. "${sigil}${suggestion}". Parameters always span a whole segment.`,
    );
  }
  if (name === "__proto__") {
    throw new RouteError(`${where}: "__proto__" cannot be a parameter name; choose another.`);
  }
}

function decodeStatic(text: string, where: string): string {
  const bad = FORBIDDEN_STATIC_CHAR.exec(text);
  if (bad !== null) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(2, "0").toUpperCase();
    throw new RouteError(
      `${where}: character ${JSON.stringify(bad[0])} cannot appear in a path; ` +
        `percent-encode it as "%${code}" if you really mean it.`,
    );
  }
  if (text.includes(":") || text.includes("*")) {
    throw new RouteError(
      `${where}: ":" and "*" only start a parameter that spans a whole segment ` +
        `(e.g. "/files/:name"); to match them literally write "%3A" or "%2A".`,
    );
  }
  let value = text;
  try {
    if (text.includes("%")) value = decodeURIComponent(text);
  } catch {
    throw new RouteError(
      `${where}: malformed percent-encoding; write the character itself (e.g. "café") or a ` +
        `valid UTF-8 escape (e.g. "caf%C3%A9"), and "%25" for a literal "%".`,
    );
  }
  if (value === "." || value === "..") {
    throw new RouteError(
      `${where}: a "." or ".." segment can never match, because requests with dot segments ` +
        "are refused (400) before routing; remove it.",
    );
  }
  return value;
}
