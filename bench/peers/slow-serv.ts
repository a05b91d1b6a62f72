// slow-serv itself, through its public API only (the same import an application would use).
import { Server } from "../../src/index.js";
import {
  BODY_64K,
  echoReply,
  HELLO,
  HELLO_JSON,
  HOST,
  KEEP_ALIVE_MS,
  OCTET_TYPE,
  PARAM_ROUTE_PREFIXES,
  runPeer,
  userBody,
} from "./common.js";
import { installSessionRoute } from "./slow-serv-session.js";

// Same keep-alive window as the other peers (scenario 10 needs idle sockets to stay open), and no
// connection cap, since none of the other peers has one by default.
const app = new Server({
  timeouts: { keepAlive: KEEP_ALIVE_MS },
  limits: { maxConnections: 0 },
});
app.route(
  "/",
  (_request, response) => {
    response.body = HELLO;
  },
  { methods: ["GET"] },
);
app.get("/json", (_request, response) => {
  response.body = HELLO_JSON;
});
app.get("/64k", (_request, response) => {
  response.headers.set("content-type", OCTET_TYPE);
  response.body = BODY_64K;
});
for (const prefix of PARAM_ROUTE_PREFIXES) {
  app.get(`${prefix}/:id`, (request, response) => {
    response.body = userBody(String(request.params.id));
  });
}
// An object body is sent as JSON with "application/json; charset=utf-8": nothing to set.
app.post("/echo", async (request, response) => {
  response.body = echoReply(await request.json());
});
const sessionSupported = installSessionRoute(app);

// The WebSocket scenarios (14-16): compression off, as in every WebSocket peer; no Origin check to
// pass, since the load generator sends none. /ws/broadcast publishes to every subscriber, the
// sender included, as the other peers' broadcasts do.
app.ws("/ws/echo", {
  message(ws, message, isBinary) {
    ws.send(message, { binary: isBinary });
  },
});
app.ws("/ws/broadcast", {
  open(ws) {
    ws.subscribe("all");
  },
  message(_ws, message, isBinary) {
    app.publish("all", message, { binary: isBinary });
  },
});

await runPeer({
  name: "slow-serv",
  unsupported: sessionSupported ? [] : ["session"],
  async start(port, tls) {
    await app.run({
      port,
      host: HOST,
      ...(tls === undefined ? {} : { tls: { cert: tls.cert, key: tls.key } }),
    });
    return { close: () => app.close() };
  },
});
