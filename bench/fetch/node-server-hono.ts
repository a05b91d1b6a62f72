// The bench Hono app on @hono/node-server with its defaults (its global Request/Response
// overrides included, as users run it).
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { HOST, KEEP_ALIVE_MS, runPeer } from "../peers/common.js";
import { benchHonoApp, FETCH_UNSUPPORTED } from "./hono-app.js";

await runPeer({
  name: "node-server-hono",
  unsupported: FETCH_UNSUPPORTED,
  async start(port) {
    const server = await new Promise<Server>((resolve) => {
      const created = serve({ fetch: benchHonoApp().fetch, port, hostname: HOST }, () =>
        resolve(created as Server),
      ) as Server;
      created.keepAliveTimeout = KEEP_ALIVE_MS;
    });
    return {
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
});
