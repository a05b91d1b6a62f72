import type { Server, ServerPlugin } from "../app/server.js";
import { ConfigError } from "../wire/options.js";

/**
 * Liveness and readiness endpoints for load balancers and orchestrators.
 *
 * Liveness answers 200 while the event loop runs: nothing else is checked, so a restart is
 * triggered only by a process that is really stuck. Readiness answers 503 from the moment this
 * process begins to stop taking traffic (a graceful shutdown, a reload replacing it, `maxRequests`
 * reached) while it goes on serving what it has: the balancer's next health check takes it out
 * before its connections drain. Both answer `Cache-Control: no-store`.
 */

export interface HealthOptions {
  /** Path of the liveness endpoint; false for none. Default "/livez". */
  liveness?: string | false;
  /** Path of the readiness endpoint; false for none. Default "/readyz". */
  readiness?: string | false;
}

/** This process's readiness, shared by every Server in it (worker processes set it on drain). */
export const processHealth = {
  draining: false,
  /** Readiness turns 503 for good: the process is on its way out. */
  markDraining(): void {
    processHealth.draining = true;
  },
};

function checkPath(value: unknown, option: string, fallback: string): string | false {
  if (value === undefined) return fallback;
  if (value === false) return false;
  if (typeof value === "string" && value.startsWith("/")) return value;
  throw new ConfigError(
    `'${option}' must be a path starting with "/" or false, got ${String(value)}`,
  );
}

/** `app.use(healthPlugin())`: GET (and HEAD) `/livez` and `/readyz`. */
export function healthPlugin(options: HealthOptions = {}): ServerPlugin {
  const liveness = checkPath(options.liveness, "liveness", "/livez");
  const readiness = checkPath(options.readiness, "readiness", "/readyz");
  return {
    name: "health",
    install(server: Server) {
      if (liveness !== false) {
        server.get(liveness, (_request, response) => {
          response.headers.set("cache-control", "no-store");
          return "ok";
        });
      }
      if (readiness !== false) {
        server.get(readiness, (_request, response) => {
          response.headers.set("cache-control", "no-store");
          if (processHealth.draining || server.engine.closing) {
            response.status = 503;
            return "draining";
          }
          return "ready";
        });
      }
    },
  };
}
