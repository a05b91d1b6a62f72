// The Hono app of the fetch-handler scenarios, one definition for every host that runs it
// (@hono/node-server, slow-serv, srvx, Bun), so they differ only in how they serve a fetch handler.
// Content types are passed explicitly because Hono's defaults (`text/plain; charset=UTF-8`,
// `application/json`) differ in bytes from the other peers.
import { Hono } from "hono";
import {
  BODY_64K,
  echoReply,
  HELLO,
  HELLO_JSON,
  JSON_TYPE,
  OCTET_TYPE,
  PARAM_ROUTE_PREFIXES,
  TEXT_TYPE,
  userBody,
} from "./common.js";
import { countWithSession, createSessionSealer } from "./session-cookie.js";

const sealer = createSessionSealer();
const textHeaders = { "content-type": TEXT_TYPE };
const jsonHeaders = { "content-type": JSON_TYPE };
// A copy: Hono's types (and Response) want a Uint8Array over a plain, unshared ArrayBuffer.
const octetBody = new Uint8Array(BODY_64K);

export function createHonoApp(): Hono {
  const app = new Hono();
  app.get("/", (c) => c.text(HELLO, 200, textHeaders));
  app.get("/json", (c) => c.json(HELLO_JSON, 200, jsonHeaders));
  app.get("/64k", (c) =>
    c.body(octetBody, 200, {
      "content-type": OCTET_TYPE,
      "content-length": String(octetBody.length),
    }),
  );
  for (const prefix of PARAM_ROUTE_PREFIXES) {
    app.get(`${prefix}/:id`, (c) => c.text(userBody(c.req.param("id")), 200, textHeaders));
  }
  app.post("/echo", async (c) => c.json(echoReply(await c.req.json()), 200, jsonHeaders));
  app.get("/session", (c) => {
    const result = countWithSession(sealer, c.req.header("cookie"));
    return c.text(result.body, 200, { ...textHeaders, ...result.headers });
  });
  return app;
}
