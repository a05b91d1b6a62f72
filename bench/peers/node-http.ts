// Baseline: plain node:http with a hand-written dispatch, as an app without a framework would do.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import {
  BODY_64K,
  echoReply,
  HELLO,
  HELLO_JSON,
  HOST,
  JSON_TYPE,
  KEEP_ALIVE_MS,
  OCTET_TYPE,
  PARAM_ROUTE_PREFIXES,
  runPeer,
  TEXT_TYPE,
  userBody,
} from "./common.js";
import { countWithSession, createSessionSealer } from "./session-cookie.js";

const sealer = createSessionSealer();
const helloBytes = Buffer.from(HELLO);
const paramPrefixes = new Set(PARAM_ROUTE_PREFIXES);

function send(response: ServerResponse, status: number, type: string, body: string | Buffer): void {
  response.writeHead(status, {
    "content-type": type,
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.length,
  });
  response.end(body);
}

function readJson(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    try {
      const data: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      send(response, 200, JSON_TYPE, JSON.stringify(echoReply(data)));
    } catch {
      send(response, 400, TEXT_TYPE, "Bad Request");
    }
  });
}

function handle(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? "/";
  const method = request.method;
  if (method === "GET") {
    if (url === "/") {
      send(response, 200, TEXT_TYPE, helloBytes);
      return;
    }
    if (url === "/json") {
      send(response, 200, JSON_TYPE, JSON.stringify(HELLO_JSON));
      return;
    }
    if (url === "/64k") {
      send(response, 200, OCTET_TYPE, BODY_64K);
      return;
    }
    if (url === "/session") {
      const reply = countWithSession(sealer, request.headers.cookie);
      for (const [name, value] of Object.entries(reply.headers)) response.setHeader(name, value);
      send(response, 200, TEXT_TYPE, reply.body);
      return;
    }
    const slash = url.indexOf("/", 1);
    if (slash > 0 && paramPrefixes.has(url.slice(0, slash))) {
      const id = url.slice(slash + 1);
      if (id.length > 0 && !id.includes("/")) {
        send(response, 200, TEXT_TYPE, userBody(decodeURIComponent(id)));
        return;
      }
    }
  } else if (method === "POST" && url === "/echo") {
    readJson(request, response);
    return;
  }
  send(response, 404, TEXT_TYPE, "Not Found");
}

await runPeer({
  name: "node-http",
  async start(port, tls) {
    // The TLS scenarios' baseline is node:https: the same handler behind https.createServer.
    const server =
      tls === undefined
        ? createServer(handle)
        : createHttpsServer({ cert: tls.cert, key: tls.key }, handle);
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, resolve);
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
