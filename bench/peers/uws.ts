// Optional reference: uWebSockets.js (C++), the fastest server a Node user can pick. Its binary
// comes from the npm package uws-pack (`npm install --no-save uws-pack`), loaded by file path for
// this Node's ABI, so nothing in package.json depends on it. Its types are not installed either:
// the small surface used here is declared locally.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
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
import { uwsBinaryPath } from "./uws-path.js";

interface UwsResponse {
  cork(work: () => void): UwsResponse;
  writeStatus(status: string): UwsResponse;
  writeHeader(name: string, value: string): UwsResponse;
  end(body?: string | Uint8Array): UwsResponse;
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): UwsResponse;
  onAborted(handler: () => void): UwsResponse;
}
interface UwsRequest {
  getHeader(name: string): string;
  getParameter(index: number): string | undefined;
}
type UwsHandler = (response: UwsResponse, request: UwsRequest) => void;
interface UwsApp {
  get(pattern: string, handler: UwsHandler): UwsApp;
  post(pattern: string, handler: UwsHandler): UwsApp;
  any(pattern: string, handler: UwsHandler): UwsApp;
  ws(pattern: string, behavior: UwsBehavior): UwsApp;
  publish(topic: string, message: ArrayBuffer, isBinary: boolean): boolean;
  listen(host: string, port: number, done: (token: unknown) => void): UwsApp;
}
interface UwsWebSocket {
  send(message: ArrayBuffer, isBinary: boolean): number;
  subscribe(topic: string): boolean;
}
interface UwsBehavior {
  compression: number;
  idleTimeout: number;
  open?(socket: UwsWebSocket): void;
  message(socket: UwsWebSocket, message: ArrayBuffer, isBinary: boolean): void;
}
interface UwsModule {
  App(): UwsApp;
  SSLApp(options: { cert_file_name: string; key_file_name: string }): UwsApp;
  us_listen_socket_close(token: unknown): void;
}

const sealer = createSessionSealer();
const jsonText = JSON.stringify(HELLO_JSON);

function send(response: UwsResponse, type: string, body: string | Uint8Array): void {
  response.cork(() => {
    response.writeHeader("Content-Type", type).end(body);
  });
}

/** /ws/echo and /ws/broadcast for the WebSocket scenarios, compression off as for every peer. */
function addWebSockets(app: UwsApp): void {
  app.ws("/ws/echo", {
    compression: 0,
    idleTimeout: 120,
    message: (socket, message, isBinary) => void socket.send(message, isBinary),
  });
  app.ws("/ws/broadcast", {
    compression: 0,
    idleTimeout: 120,
    open: (socket) => void socket.subscribe("all"),
    message: (_socket, message, isBinary) => void app.publish("all", message, isBinary),
  });
}

function addRoutes(app: UwsApp): void {
  app.get("/", (response) => send(response, TEXT_TYPE, HELLO));
  app.get("/json", (response) => send(response, JSON_TYPE, jsonText));
  app.get("/64k", (response) => send(response, OCTET_TYPE, BODY_64K));
  app.get("/session", (response, request) => {
    const result = countWithSession(sealer, request.getHeader("cookie") || undefined);
    response.cork(() => {
      for (const [name, value] of Object.entries(result.headers)) response.writeHeader(name, value);
      response.writeHeader("Content-Type", TEXT_TYPE).end(result.body);
    });
  });
  for (const prefix of PARAM_ROUTE_PREFIXES) {
    app.get(`${prefix}/:id`, (response, request) =>
      send(response, TEXT_TYPE, userBody(decodeURIComponent(request.getParameter(0) ?? ""))),
    );
  }
  app.post("/echo", (response) => {
    const chunks: Buffer[] = [];
    let aborted = false;
    response.onAborted(() => {
      aborted = true;
    });
    response.onData((chunk, isLast) => {
      // The ArrayBuffer is only valid during this call.
      chunks.push(Buffer.from(new Uint8Array(chunk)));
      if (!isLast || aborted) return;
      let reply: string;
      try {
        reply = JSON.stringify(echoReply(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
      } catch {
        response.cork(() => {
          response.writeStatus("400 Bad Request").writeHeader("Content-Type", TEXT_TYPE);
          response.end("Bad Request");
        });
        return;
      }
      send(response, JSON_TYPE, reply);
    });
  });
  app.any("/*", (response) => {
    response.cork(() => {
      response.writeStatus("404 Not Found").writeHeader("Content-Type", TEXT_TYPE).end("Not Found");
    });
  });
}

await runPeer({
  name: "uws",
  async start(port, tls) {
    const path = uwsBinaryPath();
    if (!existsSync(path)) throw new Error(`uWebSockets.js binary missing: ${path}`);
    const uws = createRequire(import.meta.url)(path) as UwsModule;
    const app =
      tls === undefined
        ? uws.App()
        : uws.SSLApp({
            cert_file_name: `${tls.dir}/cert.pem`,
            key_file_name: `${tls.dir}/key.pem`,
          });
    addWebSockets(app);
    addRoutes(app);
    const token = await new Promise<unknown>((resolve, reject) => {
      app.listen(HOST, port, (listening) => {
        if (listening) resolve(listening);
        else reject(new Error(`uWebSockets.js could not listen on ${HOST}:${port}`));
      });
    });
    return { close: async () => uws.us_listen_socket_close(token) };
  },
});
