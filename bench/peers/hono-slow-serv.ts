// The Hono app (hono-app.ts) served by slow-serv's serve({ fetch }), the subject of the
// fetch-handler scenarios: the same app @hono/node-server, srvx and Bun serve.
import { serve } from "../../src/index.js";
import { HOST, KEEP_ALIVE_MS, runPeer } from "./common.js";
import { createHonoApp } from "./hono-app.js";

await runPeer({
  name: "hono-slow-serv",
  unsupported: ["tls"],
  async start(port) {
    const app = createHonoApp();
    // No connection cap and the same keep-alive window as the other peers, as for slow-serv.
    const server = await serve({
      fetch: app.fetch,
      port,
      host: HOST,
      timeouts: { keepAlive: KEEP_ALIVE_MS },
      limits: { maxConnections: 0 },
    });
    return { close: () => server.close() };
  },
});
