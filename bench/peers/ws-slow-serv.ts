// WebSocket peer for the echo and broadcast scenarios (issue 16), slow-serv's native WebSockets:
// `/echo` sends every message back; `/broadcast` subscribes each socket to one topic, and a
// message sent by any socket is published to all of them (one encoded frame shared by all).
// `ws-node.ts` is the same two routes on `ws` over node:http, for comparison. The load
// generator belongs in another process (see bench/run.ts).
import { Server } from "../../src/index.js";
import { HOST, runPeer } from "./common.js";

const app = new Server({ logger: false });

app.ws("/echo", {
  message(ws, message, isBinary) {
    ws.send(message, { binary: isBinary });
  },
});

app.ws("/broadcast", {
  open(ws) {
    ws.subscribe("all");
  },
  message(_ws, message, isBinary) {
    app.publish("all", message, { binary: isBinary });
  },
});

await runPeer({
  name: "slow-serv-ws",
  unsupported: [],
  async start(port) {
    await app.run({ port, host: HOST });
    return { close: () => app.close() };
  },
});
