// Scenario 9's plug for slow-serv. The session API is not in src/ yet; when it lands, register
// `GET /session` here so that it opens the session, increments `count`, and replies with the body
// `count <n>` as `text/plain; charset=utf-8` (see countWithSession in ./session-cookie.ts for the
// exact behaviour the other peers implement), then return true. Until then the harness shows "n/a".
import type { Server } from "../../src/index.js";

export function installSessionRoute(_app: Server): boolean {
  return false;
}
