// The bench Hono app on srvx's Node adapter with its defaults.
import { serve } from "srvx/node";
import { HOST, runPeer } from "../peers/common.js";
import { benchHonoApp, FETCH_UNSUPPORTED } from "./hono-app.js";

await runPeer({
  name: "srvx-hono",
  unsupported: FETCH_UNSUPPORTED,
  async start(port) {
    const app = benchHonoApp();
    const server = serve({ fetch: app.fetch, port, hostname: HOST, silent: true });
    await server.ready();
    return { close: () => server.close(true) };
  },
});
