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
  upgrade(request: Request, options: { data: SocketData }): boolean;
  publish(topic: string, message: string | Uint8Array): number;
}
interface SocketData {
  broadcast: boolean;
}
interface BunWebSocket {
  readonly data: SocketData;
  send(message: string | Uint8Array): number;
  subscribe(topic: string): void;
}
interface BunRuntime {
  serve(options: {
    port: number;
    hostname: string;
    idleTimeout?: number;
    tls?: { cert: string; key: string };
    fetch(request: Request, server: BunServer): Response | Promise<Response> | undefined;
    websocket?: {
      perMessageDeflate: boolean;
      idleTimeout: number;
      open(socket: BunWebSocket): void;
      message(socket: BunWebSocket, message: string | Uint8Array): void;
    };
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

/** /ws/echo and /ws/broadcast for the WebSocket scenarios; everything else is HTTP. */
function upgrade(request: Request, server: BunServer, pathname: string): Response | undefined {
  const broadcast = pathname === "/ws/broadcast";
  if (!broadcast && pathname !== "/ws/echo") return undefined;
  return server.upgrade(request, { data: { broadcast } })
    ? undefined
    : new Response("Upgrade Required", { status: 426 });
}

function handle(request: Request, server: BunServer): Response | Promise<Response> | undefined {
  const { pathname } = new URL(request.url);
  if (pathname.startsWith("/ws/")) return upgrade(request, server, pathname);
  return handleHttp(request, pathname);
}

async function handleHttp(request: Request, pathname: string): Promise<Response> {
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
      websocket: {
        perMessageDeflate: false,
        idleTimeout: 120,
        open(socket) {
          if (socket.data.broadcast) socket.subscribe("all");
        },
        message(socket, message) {
          if (socket.data.broadcast) server.publish("all", message);
          else socket.send(message);
        },
      },
      ...(tls === undefined
        ? {}
        : { tls: { cert: tls.cert.toString("latin1"), key: tls.key.toString("latin1") } }),
    });
    return { close: async () => server.stop(true) };
  },
});
