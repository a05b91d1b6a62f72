import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Hono } from "hono";
import { createDemoApp } from "../../examples/demo/app.js";
import { type Request as AppRequest, HttpError, Server } from "../../src/index.js";
import { generateKey } from "../../src/session/keys.js";
import type { Exchange } from "./apps.js";
import { type Answer, assertSameAnswer, inProcess, overTcp } from "./compare.js";

/** Values that differ between two runs by design (clocks, random ids, fresh encryption). */
const VOLATILE_HEADERS = new Set([
  "server-timing",
  "x-response-time",
  "x-request-id",
  "set-cookie",
]);

function scrub(answer: Answer): Answer {
  return {
    ...answer,
    fields: answer.fields.map(([name, value]): [string, string] => [
      name,
      VOLATILE_HEADERS.has(name) ? (name === "set-cookie" ? value.split("=")[0]! : "…") : value,
    ]),
    body: Buffer.from(
      answer.body
        .toString("latin1")
        .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value="…"')
        .replace(/[0-9a-f]{8}-[0-9a-z]+/g, "request-id"),
      "latin1",
    ),
  };
}

const DEMO_EXCHANGES: readonly Exchange[] = [
  { path: "/" },
  { method: "HEAD", path: "/" },
  { path: "/hello/World%21" },
  { path: "/static/site.css" },
  { path: "/static/site.css", headers: { "accept-encoding": "gzip" } },
  { path: "/static/site.css", headers: { range: "bytes=0-9" } },
  { path: "/static/site.css", headers: { range: "bytes=999999-" } },
  { path: "/api/notes", headers: { accept: "application/json" } },
  {
    method: "POST",
    path: "/api/notes",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ title: "" }),
  },
  {
    method: "POST",
    path: "/api/notes",
    headers: { "content-type": "text/plain", accept: "application/json" },
    body: "not json",
  },
  { path: "/api/notes/none", headers: { accept: "application/json" } },
  { path: "/missing" },
  { path: "/missing", headers: { accept: "application/json" } },
  { method: "DELETE", path: "/" },
  { method: "OPTIONS", path: "/api/notes" },
  { path: "/guestbook" },
  {
    method: "POST",
    path: "/guestbook",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: "name=x&message=y",
  },
  { path: "/cookies", headers: { cookie: "flavour=oat" } },
  { path: "/account" },
  { path: "/stream" },
];

describe("app.fetch: a slow-serv app as a fetch handler", () => {
  it("answers the demo's routes as the app does over TCP", async () => {
    const dirs = await Promise.all([0, 1].map(() => mkdtemp(join(tmpdir(), "slow-serv-fetch-"))));
    const key = generateKey();
    const [viaFetch, viaTcp] = dirs.map((dataDir) =>
      createDemoApp({ sessionKeys: [key], logger: false, dataDir, streamIntervalMs: 1 }),
    ) as [Server, Server];
    try {
      const { port } = await viaTcp.run({ port: 0 });
      const base = `http://127.0.0.1:${port}`;
      for (const exchange of DEMO_EXCHANGES) {
        const what = `demo ${exchange.method ?? "GET"} ${exchange.path}`;
        const local = scrub(await inProcess(viaFetch.fetch, base, exchange));
        const remote = scrub(await overTcp(port, exchange));
        assertSameAnswer(local, remote, what, exchange.method);
      }
    } finally {
      await viaTcp.close();
      await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
    }
  });

  it("keeps sessions, cookies, CSRF, multipart and compression working", async () => {
    const app = new Server({
      logger: false,
      compression: true,
      session: { keys: [generateKey()] },
      csrf: true,
    });
    app.get("/form", (request, response) => {
      response.body = { token: request.session.csrfToken() };
    });
    app.post("/count", async (request) => {
      const { fields } = await request.form();
      const count = Number(request.session.count ?? 0) + Number(fields.by);
      request.session.count = count;
      return { count };
    });
    app.post("/upload", async (request) => {
      const names: string[] = [];
      for await (const part of request.multipart()) {
        names.push(`${part.name}=${part.filename ?? (await part.text())}`);
        if (part.filename !== undefined) await part.text();
      }
      return names;
    });
    app.get("/big", () => "compressible text ".repeat(500));

    const first = await app.fetch(new Request("http://localhost/form"));
    const cookie = first.headers.getSetCookie()[0]!.split(";")[0]!;
    const { token } = (await first.json()) as { token: string };
    const refused = await app.fetch(
      new Request("http://localhost/count", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: "by=2",
      }),
    );
    assert.equal(refused.status, 403, "no CSRF token: refused");
    let jar = cookie;
    for (const expected of [2, 4]) {
      const counted = await app.fetch(
        new Request("http://localhost/count", {
          method: "POST",
          headers: { cookie: jar, "content-type": "application/x-www-form-urlencoded" },
          body: `by=2&_csrf=${encodeURIComponent(token)}`,
        }),
      );
      assert.deepEqual(await counted.json(), { count: expected });
      jar = counted.headers.getSetCookie()[0]?.split(";")[0] ?? jar;
    }
    const form = new FormData(); // the token goes in the header: the guard reads no multipart
    form.set("title", "hello");
    form.set("file", new Blob(["file body"]), "a.txt");

    const uploaded = await app.fetch(
      new Request("http://localhost/upload", {
        method: "POST",
        headers: { cookie: jar, "x-csrf-token": token },
        body: form,
      }),
    );
    assert.deepEqual(await uploaded.json(), ["title=hello", "file=a.txt"]);
    const big = await app.fetch(
      new Request("http://localhost/big", { headers: { "accept-encoding": "gzip" } }),
    );
    assert.equal(big.headers.get("content-encoding"), "gzip");
    assert.equal(big.headers.get("connection"), null, "no hop-by-hop fields");
  });

  it("takes the client address from info and TLS from the URL scheme", async () => {
    const app = new Server({ logger: false });
    app.get("/", (request: AppRequest) => ({ ip: request.ip, protocol: request.protocol }));
    const response = await app.fetch(new Request("https://example.com/"), {
      remoteAddress: "198.51.100.7",
    });
    assert.deepEqual(await response.json(), { ip: "198.51.100.7", protocol: "https" });
  });
});

describe("app.mount(prefix, fetch)", () => {
  function mounted(): { app: Server; seen: string[] } {
    const seen: string[] = [];
    const hono = new Hono()
      .get("/", (c) => c.text(`root ${c.req.url}`))
      .get("/items/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") }))
      .post("/echo", async (c) => c.text(await c.req.text()));
    const app = new Server({ logger: false, session: { keys: [generateKey()] }, csrf: true });
    app.before((request) => {
      seen.push(request.path);
      if (request.headers.get("x-block") !== undefined) throw new HttpError(401, "blocked");
    });
    app.after((_request, response) => {
      response.headers.set("x-after", "1");
    });
    app.mount("/hono", hono.fetch);
    return { app, seen };
  }

  it("gives the mounted app the path below the prefix, after the app's hooks", async () => {
    const { app, seen } = mounted();
    const root = await app.fetch(new Request("http://localhost/hono"));
    assert.equal(await root.text(), "root http://localhost/");
    assert.equal(root.headers.get("x-after"), "1");
    const item = await app.fetch(new Request("http://localhost/hono/items/7?q=a%20b"));
    assert.deepEqual(await item.json(), { id: "7", q: "a b" });
    const blocked = await app.fetch(
      new Request("http://localhost/hono/items/7", { headers: { "x-block": "1" } }),
    );
    assert.equal(blocked.status, 401);
    assert.deepEqual(seen, ["/hono", "/hono/items/7", "/hono/items/7"]);
    const outside = await app.fetch(new Request("http://localhost/honor"));
    assert.equal(outside.status, 404, "the prefix matches whole segments");
  });

  it("puts the CSRF guard in front of the mounted app", async () => {
    const { app } = mounted();
    const refused = await app.fetch(
      new Request("http://localhost/hono/echo", { method: "POST", body: "x" }),
    );
    assert.equal(refused.status, 403);
  });

  it("serves the mounted app over TCP with the engine's framing", async () => {
    const { app } = mounted();
    const { port } = await app.run({ port: 0 });
    try {
      const remote = await overTcp(port, { path: "/hono/items/3?q=z" });
      assert.equal(remote.status, 200);
      assert.equal(remote.body.toString(), '{"id":"3","q":"z"}');
      assert.equal(remote.length, remote.body.length);
    } finally {
      await app.close();
    }
  });

  it("refuses a bad prefix at start-up", () => {
    const app = new Server({ logger: false });
    assert.throws(() => app.mount("api", () => new Response()), /must start with "\/"/);
    assert.throws(() => app.mount("/a/:id", () => new Response()), /plain path/);
  });
});
