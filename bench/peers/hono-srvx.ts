// The Hono app (hono-app.ts) on srvx, the universal fetch-handler server h3 and Nitro use, with its
// defaults: a fetch-handler scenario peer slow-serv must be ahead of.
import { serve } from "srvx/node";
import { HOST, runPeer } from "./common.js";
import { createHonoApp } from "./hono-app.js";

await runPeer({
  name: "hono-srvx",
  unsupported: ["tls"],
  async start(port) {
    const app = createHonoApp();
    const server = serve({ fetch: app.fetch, port, hostname: HOST, silent: true });
    await server.ready();
    return { close: () => server.close(true) };
  },
});
