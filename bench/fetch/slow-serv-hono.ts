// The bench Hono app served by slow-serv's engine through serve({ fetch }).
import { serve } from "../../src/index.js";
import { HOST, KEEP_ALIVE_MS, runPeer } from "../peers/common.js";
import { benchHonoApp, FETCH_UNSUPPORTED } from "./hono-app.js";

await runPeer({
  name: "slow-serv-hono",
  unsupported: FETCH_UNSUPPORTED,
  async start(port) {
    const server = await serve({
      fetch: benchHonoApp().fetch,
      port,
      host: HOST,
      logger: false,
      timeouts: { keepAlive: KEEP_ALIVE_MS },
    });
    return { close: () => server.close() };
  },
});
