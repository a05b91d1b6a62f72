// Fastify with its own router and JSON body parser, logger off (as in production benchmarks).
import Fastify, { type FastifyInstance, type RawServerBase } from "fastify";
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

/** The same routes for the HTTP and the HTTPS instance (their server types differ). */
function addRoutes<RawServer extends RawServerBase>(app: FastifyInstance<RawServer>): void {
  app.get("/", (_request, reply) => {
    reply.type(TEXT_TYPE).send(HELLO);
  });
  app.get("/json", (_request, reply) => {
    reply.type(JSON_TYPE).send(HELLO_JSON);
  });
  app.get("/64k", (_request, reply) => {
    reply.type(OCTET_TYPE).send(BODY_64K);
  });
  for (const prefix of PARAM_ROUTE_PREFIXES) {
    app.get<{ Params: { id: string } }>(`${prefix}/:id`, (request, reply) => {
      reply.type(TEXT_TYPE).send(userBody(request.params.id));
    });
  }
  app.post("/echo", (request, reply) => {
    reply.type(JSON_TYPE).send(echoReply(request.body));
  });
  app.get("/session", (request, reply) => {
    const result = countWithSession(sealer, request.headers.cookie);
    reply.headers(result.headers).type(TEXT_TYPE).send(result.body);
  });
}

await runPeer({
  name: "fastify",
  async start(port, tls) {
    const options = { logger: false, keepAliveTimeout: KEEP_ALIVE_MS };
    const app =
      tls === undefined
        ? Fastify(options)
        : Fastify({ ...options, https: { cert: tls.cert, key: tls.key } });
    addRoutes(app);
    await app.listen({ port, host: HOST });
    return { close: () => app.close() };
  },
});
