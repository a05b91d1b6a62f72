// The Hono app (hono-app.ts) on Bun.serve, the reference for the fetch-handler scenarios; run as
// `bun build/bench/peers/hono-bun.js`. Bun's types are not installed: the surface used is declared.
import { HOST, runPeer } from "./common.js";
import { createHonoApp } from "./hono-app.js";

interface BunRuntime {
  serve(options: {
    port: number;
    hostname: string;
    idleTimeout?: number;
    fetch(request: Request): Response | Promise<Response>;
  }): { stop(closeActiveConnections?: boolean): void };
}

await runPeer({
  name: "hono-bun",
  unsupported: ["tls"],
  async start(port) {
    const bun = (globalThis as { Bun?: BunRuntime }).Bun;
    if (bun === undefined) {
      throw new Error("the hono-bun peer must run under Bun: bun build/bench/peers/hono-bun.js");
    }
    const app = createHonoApp();
    const server = bun.serve({ port, hostname: HOST, idleTimeout: 120, fetch: app.fetch });
    return { close: async () => server.stop(true) };
  },
});
