// Express 5 with its JSON body parser. ETag and X-Powered-By are off so the bytes match the peers.
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import express from "express";
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
  TEXT_TYPE,
  userBody,
} from "./common.js";
import { countWithSession, createSessionSealer } from "./session-cookie.js";

const sealer = createSessionSealer();

await runPeer({
  name: "express",
  async start(port, tls) {
    const app = express();
    app.disable("x-powered-by");
    app.set("etag", false);
    app.get("/", (_request, response) => {
      response.type(TEXT_TYPE).send(HELLO);
    });
    app.get("/json", (_request, response) => {
      response.json(HELLO_JSON);
    });
    app.get("/64k", (_request, response) => {
      response.type(OCTET_TYPE).send(BODY_64K);
    });
    for (const prefix of PARAM_ROUTE_PREFIXES) {
      app.get(`${prefix}/:id`, (request, response) => {
        response.type(TEXT_TYPE).send(userBody(String(request.params.id)));
      });
    }
    app.post("/echo", express.json(), (request, response) => {
      response.json(echoReply(request.body));
    });
    app.get("/session", (request, response) => {
      const result = countWithSession(sealer, request.headers.cookie);
      response.set(result.headers).type(TEXT_TYPE).send(result.body);
    });
    const server = await new Promise<Server>((resolve, reject) => {
      if (tls !== undefined) {
        const created = createHttpsServer({ cert: tls.cert, key: tls.key }, app);
        created.once("error", reject);
        created.listen(port, HOST, () => resolve(created));
        return;
      }
      const created = app.listen(port, HOST, (error?: Error) =>
        error ? reject(error) : resolve(created),
      );
    });
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    return {
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  },
});
