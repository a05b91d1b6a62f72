import { initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Elysia } from "elysia";
import { getRouterParam, H3, HTTPError } from "h3";
import { Hono } from "hono";
import { basicAuth } from "hono/basic-auth";
import { compress } from "hono/compress";
import { setCookie } from "hono/cookie";
import { cors } from "hono/cors";
import { etag } from "hono/etag";
import { secureHeaders } from "hono/secure-headers";
import { streamSSE } from "hono/streaming";
import { AutoRouter } from "itty-router";

/**
 * Real, unmodified fetch apps from npm, each with the requests the differential suite sends to
 * it both in-process (the app's own fetch) and over slow-serv's TCP.
 */

export interface Exchange {
  readonly method?: string;
  /** Origin-form target. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface Corpus {
  readonly name: string;
  readonly fetch: (request: Request) => Response | Promise<Response>;
  readonly exchanges: readonly Exchange[];
}

const MULTIPART =
  '--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n' +
  '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n' +
  "Content-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n";

export function honoApp(): Hono {
  const app = new Hono();
  app.use("*", secureHeaders());
  app.use("/api/*", cors({ origin: "https://example.com", credentials: true }));
  app.use("/etag/*", etag());
  app.use("/gz/*", compress());
  app.use("/admin/*", basicAuth({ username: "user", password: "pass" }));
  app.get("/", (c) => c.text("hello from hono"));
  app.get("/api/items/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
  app.post("/api/echo", async (c) => c.json({ got: await c.req.json() }, 201));
  app.post("/form", async (c) => {
    const body = await c.req.parseBody();
    const fields: Record<string, string> = {};
    for (const [name, value] of Object.entries(body)) {
      fields[name] = typeof value === "string" ? value : `file:${value.name}:${await value.text()}`;
    }
    return c.json(fields);
  });
  app.get("/etag/doc", (c) => c.text("versioned content"));
  app.get("/gz/big", (c) => c.text("compress me ".repeat(400)));
  app.get("/admin/secret", (c) => c.text("the secret"));
  app.get("/cookies", (c) => {
    setCookie(c, "first", "1", { path: "/" });
    setCookie(c, "second", "2", { httpOnly: true, sameSite: "Lax" });
    return c.text("two cookies");
  });
  app.get("/sse", (c) =>
    streamSSE(c, async (stream) => {
      for (let index = 0; index < 3; index++) {
        await stream.writeSSE({ data: `tick ${index}`, id: String(index), event: "tick" });
      }
    }),
  );
  app.get("/redirect", (c) => c.redirect("/"));
  app.get("/nothing", (c) => c.body(null, 204));
  app.get("/bytes", (c) => c.body(new Uint8Array([0, 1, 2, 254, 255])));
  app.get("/blob", () => new Response(new Blob(["blob body"], { type: "text/x-blob" })));
  app.get("/stream", () => {
    const encoder = new TextEncoder();
    let sent = 0;
    return new Response(
      new ReadableStream({
        async pull(controller) {
          await new Promise((resolve) => setImmediate(resolve));
          if (sent === 3) controller.close();
          else controller.enqueue(encoder.encode(`part ${sent++};`));
        },
      }),
      { headers: { "content-type": "text/plain" } },
    );
  });
  app.post("/only-post", (c) => c.text("posted"));
  app.get("/throws", () => {
    throw new Error("handler failure");
  });
  return app;
}

export function honoCorpus(): Corpus {
  const app = honoApp();
  return {
    name: "Hono",
    fetch: app.fetch,
    exchanges: [
      { path: "/" },
      { method: "HEAD", path: "/" },
      { path: "/api/items/7?q=x%20y", headers: { origin: "https://example.com" } },
      {
        method: "OPTIONS",
        path: "/api/echo",
        headers: {
          origin: "https://example.com",
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type",
        },
      },
      {
        method: "POST",
        path: "/api/echo",
        headers: { "content-type": "application/json", origin: "https://example.com" },
        body: JSON.stringify({ list: [1, 2, 3], text: "é ✓" }),
      },
      {
        method: "POST",
        path: "/form",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "a=1&b=two+words",
      },
      {
        method: "POST",
        path: "/form",
        headers: { "content-type": "multipart/form-data; boundary=XyZ" },
        body: MULTIPART,
      },
      { path: "/etag/doc" },
      { path: "/gz/big", headers: { "accept-encoding": "gzip" } },
      { path: "/admin/secret" },
      {
        path: "/admin/secret",
        headers: { authorization: `Basic ${Buffer.from("user:pass").toString("base64")}` },
      },
      { path: "/cookies" },
      { path: "/sse" },
      { path: "/redirect" },
      { path: "/nothing" },
      { path: "/bytes" },
      { path: "/blob" },
      { path: "/stream" },
      { path: "/only-post" },
      { path: "/missing" },
      { path: "/throws" },
    ],
  };
}

export function h3Corpus(): Corpus {
  const app = new H3();
  app.get("/", () => "hello from h3");
  app.get("/json/:id", (event) => ({ id: getRouterParam(event, "id") }));
  app.post("/echo", async (event) => ({ body: await event.req.json() }));
  app.get("/html", () => new Response("<p>h3</p>", { headers: { "content-type": "text/html" } }));
  app.get("/teapot", () => {
    throw new HTTPError({ status: 418, message: "short and stout" });
  });
  return {
    name: "h3",
    fetch: (request) => app.fetch(request),
    exchanges: [
      { path: "/" },
      { path: "/json/abc" },
      {
        method: "POST",
        path: "/echo",
        headers: { "content-type": "application/json" },
        body: '{"n":1}',
      },
      { path: "/html" },
      { path: "/teapot" },
      { path: "/nowhere" },
      { method: "HEAD", path: "/" },
    ],
  };
}

export function elysiaCorpus(): Corpus {
  const app = new Elysia()
    .get("/", () => "hello from elysia")
    .get("/id/:id", ({ params }) => ({ id: params.id }))
    .post("/echo", ({ body }) => ({ body }));
  return {
    name: "Elysia",
    fetch: (request) => app.fetch(request),
    exchanges: [
      { path: "/" },
      { path: "/id/42" },
      {
        method: "POST",
        path: "/echo",
        headers: { "content-type": "application/json" },
        body: '{"x":[true,null]}',
      },
      { path: "/absent" },
    ],
  };
}

export function ittyCorpus(): Corpus {
  const router = AutoRouter();
  router.get("/", () => "hello from itty");
  router.get("/j/:id", ({ params }) => ({ id: params.id }));
  router.post("/echo", async (request) => ({ got: await request.json() }));
  return {
    name: "itty-router",
    fetch: (request) => router.fetch(request),
    exchanges: [
      { path: "/" },
      { path: "/j/9" },
      { method: "HEAD", path: "/j/9" },
      {
        method: "POST",
        path: "/echo",
        headers: { "content-type": "application/json" },
        body: '{"deep":{"a":1}}',
      },
      { path: "/gone" },
    ],
  };
}

/** The slice of graphql-yoga used here; loaded by name so its DOM-based types stay out of tsc. */
interface YogaModule {
  createSchema(options: { typeDefs: string; resolvers: object }): unknown;
  createYoga(options: object): { fetch(request: Request): Response | Promise<Response> };
}

export async function yogaCorpus(): Promise<Corpus> {
  const name = "graphql-yoga";
  const { createSchema, createYoga } = (await import(name)) as YogaModule;
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: "type Query { hello(name: String): String! }",
      resolvers: { Query: { hello: (_: unknown, args: { name?: string }) => `hi ${args.name}` } },
    }),
    graphiql: false,
    logging: false,
  });
  return {
    name: "graphql-yoga",
    fetch: (request) => yoga.fetch(request),
    exchanges: [
      {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: '{ hello(name: "yoga") }' }),
      },
      { path: "/graphql?query=%7Bhello%7D", headers: { accept: "application/json" } },
      {
        method: "POST",
        path: "/graphql",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: "{ not json",
      },
    ],
  };
}

export function trpcCorpus(): Corpus {
  const t = initTRPC.create({ isDev: false });
  const router = t.router({
    greet: t.procedure
      .input((value) => value as { name: string })
      .query(({ input }) => `hello ${input.name}`),
    add: t.procedure
      .input((value) => value as { a: number; b: number })
      .mutation(({ input }) => input.a + input.b),
  });
  return {
    name: "tRPC",
    fetch: (request) =>
      fetchRequestHandler({ endpoint: "/trpc", req: request, router, createContext: () => ({}) }),
    exchanges: [
      { path: `/trpc/greet?input=${encodeURIComponent(JSON.stringify({ name: "trpc" }))}` },
      {
        method: "POST",
        path: "/trpc/add",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ a: 2, b: 3 }),
      },
      { path: "/trpc/nope" },
    ],
  };
}

export const corpora: ReadonlyArray<() => Corpus | Promise<Corpus>> = [
  honoCorpus,
  h3Corpus,
  elysiaCorpus,
  ittyCorpus,
  yogaCorpus,
  trpcCorpus,
];
