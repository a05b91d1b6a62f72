// slow-serv itself, through its public API only (the same import an application would use).
import { Server } from "../../src/index.js";
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
  userBody,
} from "./common.js";
import { installSessionRoute } from "./slow-serv-session.js";

const app = new Server();
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
app.post("/echo", async (request, response) => {
  const data: unknown = await request.json();
  response.headers.set("content-type", JSON_TYPE);
  response.body = echoReply(data);
});
const sessionSupported = installSessionRoute(app);

await runPeer({
  name: "slow-serv",
  unsupported: sessionSupported ? [] : ["session"],
  async start(port) {
    await app.run({ port, host: HOST });
    return { close: () => app.close() };
  },
});
