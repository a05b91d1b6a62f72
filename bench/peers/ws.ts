// The WebSocket baseline: the `ws` package on node:http, as most Node applications run WebSockets
// (Fastify, Express and Hono plugins all wrap it). /ws/echo echoes; /ws/broadcast sends every
// message to every client of that path, ws's documented way to broadcast (it has no topics).
// Compression is off, as in every WebSocket peer here.
import { createServer, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { HELLO, HOST, KEEP_ALIVE_MS, runPeer, TEXT_TYPE } from "./common.js";

const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const broadcast = new WebSocketServer({ noServer: true, perMessageDeflate: false });

echo.on("connection", (socket: WebSocket) => {
  socket.on("message", (data: RawData, isBinary: boolean) =>
    socket.send(data, { binary: isBinary }),
  );
});
broadcast.on("connection", (socket: WebSocket) => {
  socket.on("message", (data: RawData, isBinary: boolean) => {
    for (const client of broadcast.clients) client.send(data, { binary: isBinary });
  });
});

function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
  const target =
    request.url === "/ws/echo" ? echo : request.url === "/ws/broadcast" ? broadcast : undefined;
  if (target === undefined) {
    socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return;
  }
  target.handleUpgrade(request, socket, head, (client) =>
    target.emit("connection", client, request),
  );
}

await runPeer({
  name: "ws",
  unsupported: ["session", "tls"],
  async start(port) {
    const server = createServer((_request, response) => {
      response.writeHead(200, { "content-type": TEXT_TYPE, "content-length": HELLO.length });
      response.end(HELLO);
    });
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.on("upgrade", upgrade);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, HOST, resolve);
    });
    return {
      close: () =>
        new Promise<void>((resolve) => {
          for (const client of echo.clients) client.terminate();
          for (const client of broadcast.clients) client.terminate();
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
});
