// The `ws` package on node:http, with the same two routes as ws-slow-serv.ts: `/echo` answers
// every message, `/broadcast` sends each message to every open socket of that path.
import { createServer } from "node:http";
import { WebSocket, WebSocketServer } from "ws";
import { HOST, runPeer } from "./common.js";

const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false });
const broadcast = new WebSocketServer({ noServer: true, perMessageDeflate: false });
echo.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
broadcast.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => {
    for (const client of broadcast.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});

const server = createServer((_request, response) => {
  response.writeHead(426, { upgrade: "websocket" }).end();
});
server.on("upgrade", (request, socket, head) => {
  const target =
    request.url === "/echo" ? echo : request.url === "/broadcast" ? broadcast : undefined;
  if (target === undefined) {
    socket.destroy();
    return;
  }
  target.handleUpgrade(request, socket, head, (ws) => target.emit("connection", ws, request));
});

await runPeer({
  name: "ws-node",
  unsupported: [],
  async start(port) {
    await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
    return {
      close: () =>
        new Promise<void>((resolve) => {
          for (const client of [...echo.clients, ...broadcast.clients]) client.terminate();
          server.close(() => resolve());
        }),
    };
  },
});
