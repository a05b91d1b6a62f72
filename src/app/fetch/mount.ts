import { ConfigError } from "../../wire/options.js";
import type { ProxyTrust } from "../proxy.js";
import type { Request } from "../request.js";
import type { Response } from "../response.js";
import type { RouteGroup } from "../routes.js";
import { ConnectionFacts, type FetchHandler } from "./info.js";
import { asRequest, FetchRequest } from "./request.js";
import { toWireResponse } from "./response.js";

/** What mounting needs from the server: route registration, proxy trust and `waitUntil`. */
export interface MountHost {
  readonly group: RouteGroup;
  readonly trustProxy: ProxyTrust;
  waitUntil(promise: PromiseLike<unknown>): void;
}

/**
 * `app.mount(prefix, fetch)`: every method on `prefix` and below goes to the fetch handler, after
 * the app's (and the plugins') before hooks, and its answer passes the after hooks. The handler's
 * `request.url` is the request's URL with `prefix` cut from the front of the path: `/api/users?x`
 * under "/api" is `/users?x`, and `/api` itself is `/`. The path is not decoded or normalised.
 */
export function mountFetch(host: MountHost, prefix: string, fetch: FetchHandler): void {
  if (
    typeof prefix !== "string" ||
    !prefix.startsWith("/") ||
    (prefix.length > 1 && prefix.endsWith("/"))
  ) {
    throw new ConfigError(
      `mount() prefix '${String(prefix)}' must start with "/" and not end with "/" (e.g. "/api"), or be "/" for everything`,
    );
  }
  if (/[:*]/.test(prefix)) {
    throw new ConfigError(`mount() prefix '${prefix}' must be a plain path: no ":param" or "*"`);
  }
  if (typeof fetch !== "function") {
    throw new ConfigError(
      "mount() needs a fetch handler: (request) => Response, e.g. honoApp.fetch",
    );
  }
  const base = prefix === "/" ? "" : prefix;
  const handler = (request: Request, response: Response): void | Promise<void> => {
    const target = request.url;
    const query = target.indexOf("?");
    const below = request.path.slice(base.length) || "/";
    const lazy = new FetchRequest(request, {
      trustProxy: host.trustProxy,
      target: query === -1 ? below : below + target.slice(query),
    });
    const info = new ConnectionFacts(request, host.trustProxy, (promise) =>
      host.waitUntil(promise),
    );
    const isHead = request.method === "HEAD";
    return Promise.resolve(fetch(asRequest(lazy), info, info)).then((result) =>
      toWireResponse(result, response, isHead),
    );
  };
  if (base !== "") host.group.route(base, handler);
  host.group.route(`${base}/*rest`, handler);
}
