// Hono on @hono/node-server, with its defaults: the baseline of the fetch-handler scenarios
// (17-20), where the same Hono app (hono-app.ts) runs on slow-serv, srvx and Bun.
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { serve } from "@hono/node-server";
import { HOST, KEEP_ALIVE_MS, runPeer } from "./common.js";
import { createHonoApp } from "./hono-app.js";

await runPeer({
  name: "hono",
  async start(port, tls) {
    const app = createHonoApp();
    const server = await new Promise<Server>((resolve) => {
      const created = serve(
        {
          fetch: app.fetch,
          port,
          hostname: HOST,
          ...(tls === undefined
            ? {}
            : { createServer: createHttpsServer, serverOptions: { cert: tls.cert, key: tls.key } }),
        },
        () => resolve(created as Server),
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
