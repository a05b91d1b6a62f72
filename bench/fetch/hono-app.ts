// One Hono app for the fetch-handler scenarios (text, JSON, routed parameter, POST 1 KB JSON),
// served unchanged by slow-serv, @hono/node-server and srvx: only the host differs between them.
import { Hono } from "hono";
import {
  echoReply,
  HELLO,
  HELLO_JSON,
  JSON_TYPE,
  PARAM_ROUTE_PREFIXES,
  TEXT_TYPE,
  userBody,
} from "../peers/common.js";

const textHeaders = { "content-type": TEXT_TYPE };
const jsonHeaders = { "content-type": JSON_TYPE };

export function benchHonoApp(): Hono {
  const app = new Hono();
  app.get("/", (c) => c.text(HELLO, 200, textHeaders));
  app.get("/json", (c) => c.json(HELLO_JSON, 200, jsonHeaders));
  for (const prefix of PARAM_ROUTE_PREFIXES) {
    app.get(`${prefix}/:id`, (c) => c.text(userBody(c.req.param("id")), 200, textHeaders));
  }
  app.post("/echo", async (c) => c.json(echoReply(await c.req.json()), 200, jsonHeaders));
  return app;
}

/** Scenarios these peers answer; the rest (64 KB, session) belong to the native peers. */
export const FETCH_UNSUPPORTED = ["/64k", "/session"];
