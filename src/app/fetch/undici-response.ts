/**
 * Read access to what undici (Node's fetch) keeps inside a native `Response`, where it keeps it
 * under symbols on the instance (undici 6: Node 20 and 22). Reading status, header list and body
 * source there skips the public getters' work that sending needs none of: iterating `Headers`
 * sorts and combines them into a new array of pairs per response, `getSetCookie()` copies, and
 * the body is known as the string or bytes it was made from.
 *
 * It is guarded: at load, a probe `Response` with a known status, headers, cookies and body is
 * checked field by field through the same reads; if any differs (undici 7 on Node 24 keeps its
 * state in private fields), `undiciResponse` is null and callers use the standard getters.
 * Status and headers are read there only for an exact `Response` (a subclass's getters may say
 * otherwise); the body source also for a subclass, whose body undici still made.
 */

export interface HeaderEntry {
  readonly name: string;
  readonly value: string;
}

interface HeaderList {
  /** The Set-Cookie values one by one; null when there are none. */
  readonly cookies: readonly string[] | null;
}

interface BodyState {
  readonly stream: ReadableStream<Uint8Array> | null;
  /** What the body was made from: string, bytes, Blob, FormData… or null for a stream. */
  readonly source: unknown;
}

export interface UndiciResponseState {
  readonly type: string;
  readonly status: number;
  readonly headersList: HeaderList;
  readonly body: BodyState | null | undefined;
}

export interface UndiciResponseAccess {
  /**
   * The state of a native `Response` or of a subclass's instance (whose own getters may report
   * other things than the state: read status and headers here only for `isExact` ones).
   */
  stateOf(response: object): UndiciResponseState | undefined;
  /** Whether `response` is a `Response` itself, not a subclass's instance. */
  isExact(response: object): boolean;
  /**
   * The header fields by lowercased name, values combined, in the order they were first set.
   * Set-Cookie is there combined too: use `headersList.cookies` for its values one by one.
   */
  fields(state: UndiciResponseState): ReadonlyMap<string, HeaderEntry>;
}

function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

function probe(): UndiciResponseAccess | null {
  try {
    const response = new Response("probe", { status: 201, headers: { "X-Probe": "1" } });
    response.headers.append("set-cookie", "a=1");
    response.headers.append("set-cookie", "b=2");
    const stateSymbol = symbolNamed(response, "state");
    if (stateSymbol === undefined) return null;
    const state = (response as unknown as Record<symbol, UndiciResponseState | undefined>)[
      stateSymbol
    ];
    const list = state?.headersList;
    if (typeof list !== "object" || list === null) return null;
    const mapSymbol = symbolNamed(list, "headers map");
    if (mapSymbol === undefined) return null;
    const map = (list as unknown as Record<symbol, unknown>)[mapSymbol];
    if (!(map instanceof Map)) return null;
    const probeEntry = map.get("x-probe") as HeaderEntry | undefined;
    const cookies = list.cookies;
    if (
      state?.type !== "default" ||
      state.status !== 201 ||
      probeEntry?.value !== "1" ||
      !Array.isArray(cookies) ||
      cookies.join("|") !== "a=1|b=2" ||
      state.body?.source !== "probe" ||
      state.body.stream !== response.body
    ) {
      return null;
    }
    const prototype = Response.prototype;
    const fieldsOf = (value: UndiciResponseState) =>
      (value.headersList as unknown as Record<symbol, Map<string, HeaderEntry>>)[mapSymbol]!;
    return {
      stateOf: (value) => (value as Record<symbol, UndiciResponseState | undefined>)[stateSymbol],
      isExact: (value) => Object.getPrototypeOf(value) === prototype,
      fields: fieldsOf,
    };
  } catch {
    return null;
  }
}

/** Null where this Node's undici keeps its state out of reach. */
export const undiciResponse: UndiciResponseAccess | null = probe();
