// Scenario 9's plug for slow-serv: GET /session opens the real encrypted session, increments
// `count`, and replies `count <n>` as text/plain (see countWithSession in ./session-cookie.ts for
// what the other peers do by hand). The key is random per run: fine for a benchmark only.
import { generateKey, type Server, sessionPlugin } from "../../src/index.js";

export function installSessionRoute(app: Server): boolean {
  app.use(sessionPlugin({ keys: [generateKey()] }));
  app.get("/session", (request, response) => {
    const count = Number(request.session.count ?? 0) + 1;
    request.session.count = count;
    response.text(`count ${count}`);
  });
  return true;
}
