// Optional reference: Bun.serve, used only when `bun` is on PATH (run as `bun build/bench/peers/bun.js`).
// Bun's types are not installed, so the small surface used here is declared locally.
import {
  BODY_64K,
  echoReply,
  HELLO,
  HELLO_JSON,
  HOST,
  JSON_TYPE,
  OCTET_TYPE,
  PARAM_ROUTE_PREFIXES,
  runPeer,
  TEXT_TYPE,
  userBody,
} from "./common.js";
import { countWithSession, createSessionSealer } from "./session-cookie.js";

interface BunServer {
  stop(closeActiveConnections?: boolean): void;
}
interface BunRuntime {
  serve(options: {
    port: number;
    hostname: string;
    idleTimeout?: number;
    tls?: { cert: string; key: string };
    fetch(request: Request): Response | Promise<Response>;
  }): BunServer;
}

const sealer = createSessionSealer();
const paramPrefixes = new Set(PARAM_ROUTE_PREFIXES);
const jsonText = JSON.stringify(HELLO_JSON);
// A copy: Hono's types (and Response) want a Uint8Array over a plain, unshared ArrayBuffer.
const octetBody = new Uint8Array(BODY_64K);

function reply(body: string | Uint8Array, type: string, extra?: Record<string, string>): Response {
  return new Response(body, { status: 200, headers: { "content-type": type, ...extra } });
}

async function handle(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (request.method === "GET") {
    if (pathname === "/") return reply(HELLO, TEXT_TYPE);
    if (pathname === "/json") return reply(jsonText, JSON_TYPE);
    if (pathname === "/64k") return reply(octetBody, OCTET_TYPE);
    if (pathname === "/session") {
      const result = countWithSession(sealer, request.headers.get("cookie") ?? undefined);
      return reply(result.body, TEXT_TYPE, result.headers);
    }
    const slash = pathname.indexOf("/", 1);
    if (slash > 0 && paramPrefixes.has(pathname.slice(0, slash))) {
      return reply(userBody(decodeURIComponent(pathname.slice(slash + 1))), TEXT_TYPE);
    }
  } else if (request.method === "POST" && pathname === "/echo") {
    return reply(JSON.stringify(echoReply(await request.json())), JSON_TYPE);
  }
  return new Response("Not Found", { status: 404, headers: { "content-type": TEXT_TYPE } });
}

await runPeer({
  name: "bun",
  async start(port, tls) {
    const bun = (globalThis as { Bun?: BunRuntime }).Bun;
    if (bun === undefined)
      throw new Error("the bun peer must run under Bun: bun build/bench/peers/bun.js");
    const server = bun.serve({
      port,
      hostname: HOST,
      idleTimeout: 120,
      fetch: handle,
      ...(tls === undefined
        ? {}
        : { tls: { cert: tls.cert.toString("latin1"), key: tls.key.toString("latin1") } }),
    });
    return { close: async () => server.stop(true) };
  },
});
