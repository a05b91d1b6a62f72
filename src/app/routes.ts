import { ConfigError } from "../wire/options.js";
import type { AfterHook, BeforeHook, ErrorHook, HandlerResult } from "./pipeline.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import { type JoinPattern, RouteError, type RouteParams } from "./route-params.js";
import { checkSchemas, type RouteSchemas, type Validated } from "./validation.js";

export type Handler<
  Params extends Record<string, string> = Record<string, string>,
  // biome-ignore lint/complexity/noBannedTypes: {} is "nothing validated" and intersects cleanly.
  Valid = {},
> = (request: Request<Params> & { readonly valid: Valid }, response: Response) => HandlerResult;

/** Hooks for the whole app, a group, or one route. Each runs in the order given. */
export interface Hooks {
  before?: readonly BeforeHook[];
  after?: readonly AfterHook[];
  error?: readonly ErrorHook[];
}

// biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
export interface RouteOptions<Schemas extends RouteSchemas = {}> extends Hooks {
  /** Methods this route answers; without it the route answers every method (as in the prototype). */
  methods?: readonly string[];
  /** Largest request body for this route, overriding the server's `limits.maxBodyBytes`. */
  bodyLimit?: number;
  /** Standard Schema validators; failures answer 400 with the issues, results land in `request.valid`. */
  schema?: Schemas;
}

/** What a route keeps of each group it was registered through: the group's hooks. */
export interface GroupLevel {
  readonly prefix: string;
  readonly hooks: {
    readonly before: readonly BeforeHook[];
    readonly after: readonly AfterHook[];
    readonly error: readonly ErrorHook[];
  };
}

/** One registered route, with the groups it was registered through (outermost first). */
export interface RouteDefinition {
  readonly methods: readonly string[] | "*";
  readonly pattern: string;
  readonly handler: Handler;
  readonly options: RouteOptions<RouteSchemas>;
  readonly groups: readonly GroupLevel[];
}

/** What a group reports its registrations to: the server that owns it. */
export interface RouteSink {
  addRoute(definition: RouteDefinition): void;
  assertOpen(what: string): void;
}

const HTTP_METHOD = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkHookList(name: string, hooks: readonly unknown[] | undefined): void {
  if (hooks === undefined) return;
  if (!Array.isArray(hooks) || hooks.some((hook) => typeof hook !== "function")) {
    throw new ConfigError(`'${name}' must be an array of functions`);
  }
}

/**
 * Route registration: `route`, the method shortcuts and nested `group`s. A group adds its prefix
 * to every pattern and its hooks to every route registered through it. `Prefix` is the group's
 * full prefix as a type, so the parameters of a prefix ("/orgs/:org") are typed in its routes.
 * Handlers use NoInfer<Path>: the pattern type comes from `path` alone, never from a handler
 * whose `request` parameter is annotated (that would infer `never` for the path).
 */
export class RouteGroup<Prefix extends string = ""> {
  readonly prefix: string;
  readonly hooks: { before: BeforeHook[]; after: AfterHook[]; error: ErrorHook[] };
  readonly #sink: RouteSink;
  readonly #parents: readonly GroupLevel[];

  constructor(sink: RouteSink, prefix: string, parents: readonly GroupLevel[], hooks: Hooks = {}) {
    if (prefix !== "" && (!prefix.startsWith("/") || prefix.endsWith("/"))) {
      throw new ConfigError(
        `Group prefix '${prefix}' must start with "/" and not end with "/" (for example "/api")`,
      );
    }
    checkHookList("hooks.before", hooks.before);
    checkHookList("hooks.after", hooks.after);
    checkHookList("hooks.error", hooks.error);
    this.#sink = sink;
    this.prefix = prefix;
    this.#parents = parents;
    this.hooks = {
      before: [...(hooks.before ?? [])],
      after: [...(hooks.after ?? [])],
      error: [...(hooks.error ?? [])],
    };
  }

  /** Registers `handler` for `path`; without `options.methods` it answers every method. */
  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  route<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options: RouteOptions<Schemas> = {},
  ): this {
    this.#sink.assertOpen("routes");
    if (this.prefix !== "" && (typeof path !== "string" || !path.startsWith("/"))) {
      // Checked before the prefix is added: "/api" + "users" would silently become "/apiusers".
      throw new RouteError(
        `Route pattern ${JSON.stringify(path)} in group "${this.prefix}" must start with "/": ` +
          `write "/${String(path)}" (it is added to the prefix).`,
      );
    }
    if (typeof handler !== "function") {
      throw new ConfigError(
        `The handler for '${path}' must be a function (request, response) => …`,
      );
    }
    checkHookList(`before hooks of '${path}'`, options.before);
    checkHookList(`after hooks of '${path}'`, options.after);
    checkHookList(`error hooks of '${path}'`, options.error);
    checkSchemas(options.schema, `'${path}'`);
    if (options.bodyLimit !== undefined && !(options.bodyLimit >= 0)) {
      throw new ConfigError(`'bodyLimit' of '${path}' must be a number of bytes ≥ 0`);
    }
    let methods: readonly string[] | "*" = "*";
    if (options.methods !== undefined) {
      if (!Array.isArray(options.methods) || options.methods.length === 0) {
        throw new ConfigError(
          `'methods' of '${path}' must be a non-empty array like ["GET", "POST"]`,
        );
      }
      methods = options.methods.map((method) => {
        if (typeof method !== "string" || !HTTP_METHOD.test(method)) {
          throw new ConfigError(`Invalid method ${JSON.stringify(method)} for '${path}'`);
        }
        const upper = method.toUpperCase();
        if (upper === "CONNECT") {
          throw new ConfigError(
            `A CONNECT route for '${path}' would never run: slow-serv does not tunnel, and ` +
              "answers every CONNECT with 501 itself. Remove CONNECT from 'methods'.",
          );
        }
        return upper;
      });
      methods = [...new Set(methods)];
    }
    const pattern = this.prefix === "" ? path : path === "/" ? this.prefix : this.prefix + path;
    this.#sink.addRoute({
      methods,
      pattern,
      handler: handler as unknown as Handler,
      options: options as RouteOptions<RouteSchemas>,
      groups: [...this.#parents, this],
    });
    return this;
  }

  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  get<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: ["GET"] });
  }

  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  post<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: ["POST"] });
  }

  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  put<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: ["PUT"] });
  }

  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  patch<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: ["PATCH"] });
  }

  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  delete<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: ["DELETE"] });
  }

  /** Every method (same as `route` without `methods`). */
  // biome-ignore lint/complexity/noBannedTypes: {} means "no schemas", the default.
  all<Path extends string, Schemas extends RouteSchemas = {}>(
    path: Path,
    handler: Handler<RouteParams<JoinPattern<Prefix, NoInfer<Path>>>, Validated<Schemas>>,
    options?: Omit<RouteOptions<Schemas>, "methods">,
  ): this {
    return this.route(path, handler, { ...options, methods: undefined });
  }

  /** A group of routes under `prefix`, with hooks of its own: `app.group("/api", (api) => …)`. */
  group<Sub extends string>(
    prefix: Sub,
    register: (group: RouteGroup<`${Prefix}${Sub}`>) => void,
    hooks?: Hooks,
  ): this {
    this.#sink.assertOpen("groups");
    const full = this.prefix + prefix;
    register(new RouteGroup<`${Prefix}${Sub}`>(this.#sink, full, [...this.#parents, this], hooks));
    return this;
  }

  /** Adds before hooks: they run before the handler, in order, and may answer early. */
  before(...hooks: BeforeHook[]): this {
    this.#sink.assertOpen("hooks");
    checkHookList("before", hooks);
    this.hooks.before.push(...hooks);
    return this;
  }

  /** Adds after hooks: they run after the handler, in order, and may change the response. */
  after(...hooks: AfterHook[]): this {
    this.#sink.assertOpen("hooks");
    checkHookList("after", hooks);
    this.hooks.after.push(...hooks);
    return this;
  }

  /** Adds error hooks: they see failures and may answer them. */
  onError(...hooks: ErrorHook[]): this {
    this.#sink.assertOpen("hooks");
    checkHookList("onError", hooks);
    this.hooks.error.push(...hooks);
    return this;
  }
}
