import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import { WebSocket as WsClient } from "ws";
import { ConfigError, type FetchServer, type ServeOptions, serve } from "../../src/index.js";
import { RawClient } from "../wire/client.js";
import { waitUntil } from "../wire/harness.js";

/** `serve({ fetch, websocket })` and `info.upgrade(request, { data })`, Bun's shape, over TCP. */

interface User {
  name: string;
  room: string;
}

async function withServe<Data>(
  options: Omit<ServeOptions<Data>, "port" | "logger">,
  run: (server: FetchServer<Data>) => Promise<void>,
): Promise<void> {
  const server = await serve<Data>({
    port: 0,
    logger: false,
    ...options,
    timeouts: { shutdown: 2_000, ...options.timeouts },
  });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

/** A chat: the token names the user, `/room` picks the topic; anything else is plain HTTP. */
function chat(): Omit<ServeOptions<User>, "port" | "logger"> {
  return {
    fetch(request, info) {
      const url = new URL(request.url);
      if (url.pathname === "/plain") return new Response(`plain ${request.method}`);
      const name = url.searchParams.get("token");
      if (name === null) return new Response("Who are you?", { status: 401 });
      const upgraded = info.upgrade(request, {
        data: { name, room: url.pathname.slice(1) },
        headers: { "x-greeting": `hello ${name}` },
      });
      if (upgraded) return undefined;
      return new Response("Upgrade required", { status: 426 });
    },
    websocket: {
      open(ws) {
        ws.subscribe(ws.data.room);
      },
      message(ws, message) {
        if (message === "who") ws.send(`${ws.data.name} in ${ws.data.room}`);
        else ws.publish(ws.data.room, `${ws.data.name}: ${String(message)}`);
      },
    },
  };
}

async function open(url: string): Promise<{ client: WsClient; headers: Record<string, unknown> }> {
  const client = new WsClient(url);
  // 'open' follows 'upgrade' in the same tick: wait for both together.
  const [[response]] = (await Promise.all([once(client, "upgrade"), once(client, "open")])) as [
    [{ headers: Record<string, unknown> }],
    unknown,
  ];
  return { client, headers: response.headers };
}

describe("serve({ fetch, websocket }): WebSockets from a fetch handler", {
  timeout: 10_000,
}, () => {
  it("upgrades with typed data and the 101's extra headers, and pub/sub reaches other sockets", async () => {
    await withServe(chat(), async (server) => {
      const base = `ws://127.0.0.1:${server.port}`;
      const ada = await open(`${base}/lobby?token=ada`);
      const bob = await open(`${base}/lobby?token=bob`);
      const eve = await open(`${base}/attic?token=eve`);
      assert.equal(ada.headers["x-greeting"], "hello ada");

      ada.client.send("who");
      const [who] = (await once(ada.client, "message")) as [Buffer];
      assert.equal(who.toString(), "ada in lobby");

      const eveHeard: string[] = [];
      eve.client.on("message", (data) => eveHeard.push(String(data)));
      assert.equal(server.subscriberCount("lobby"), 2);
      ada.client.send("hi all");
      const [heard] = (await once(bob.client, "message")) as [Buffer];
      assert.equal(heard.toString(), "ada: hi all");

      assert.equal(server.publish("lobby", "from the server"), 2);
      const [notice] = (await once(bob.client, "message")) as [Buffer];
      assert.equal(notice.toString(), "from the server");
      // The attic hears only its own topic: publish to it and see that message arrive first.
      assert.equal(server.publish("attic", "attic only"), 1);
      await waitUntil(() => eveHeard.length > 0);
      assert.deepEqual(eveHeard, ["attic only"]);
      for (const { client } of [ada, bob, eve]) client.close(1000);
      await waitUntil(() => server.engine.sessionCount === 0);
    });
  });

  it("answers a refused upgrade, a plain request and a bad handshake as HTTP on the same handler", async () => {
    await withServe(chat(), async ({ port }) => {
      const client = await RawClient.connect(port);
      try {
        client.write(
          "GET /lobby HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        );
        // The client keeps everything it received: response n is the last of `responses(n)`.
        const nth = async (n: number) => (await client.responses(n))[n - 1]!;
        const refused = await nth(1);
        assert.equal(refused.status, 401);
        assert.equal(refused.body.toString(), "Who are you?");
        // The connection stays HTTP after a refused upgrade: the next request is parsed.
        client.write("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        const plain = await nth(2);
        assert.equal(plain.status, 200);
        assert.equal(plain.body.toString(), "plain GET");
        // An invalid handshake (no key): upgrade() is false and the handler answers.
        client.write(
          "GET /lobby?token=ada HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n" +
            "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n",
        );
        const bad = await nth(3);
        assert.equal(bad.status, 426);
        assert.equal(bad.body.toString(), "Upgrade required");
        // Not an upgrade request at all: false as well.
        client.write("GET /lobby?token=ada HTTP/1.1\r\nHost: x\r\n\r\n");
        assert.equal((await nth(4)).status, 426);
      } finally {
        client.destroy();
      }
    });
  });

  it("takes server.upgrade(request) as Bun does, also after an await", async () => {
    let server: FetchServer<{ id: number }> | undefined;
    await withServe<{ id: number }>(
      {
        async fetch(request) {
          await Promise.resolve();
          if (server!.upgrade(request, { data: { id: 7 } })) return undefined;
          return new Response("no");
        },
        websocket: {
          message(ws, message) {
            ws.send(`${ws.data.id}:${String(message)}`);
          },
        },
      },
      async (running) => {
        server = running;
        const { client } = await open(`ws://127.0.0.1:${running.port}/`);
        client.send("x");
        const [reply] = (await once(client, "message")) as [Buffer];
        assert.equal(reply.toString(), "7:x");
        client.close();
        await once(client, "close");
      },
    );
  });

  it("refuses a cross-site Origin unless listed, as app.ws does", async () => {
    await withServe(
      {
        fetch: (request, info) =>
          info.upgrade(request) ? undefined : new Response("refused", { status: 403 }),
        websocket: { origins: ["https://app.example"] },
      },
      async ({ port }) => {
        const evil = new WsClient(`ws://127.0.0.1:${port}/`, { origin: "https://evil.example" });
        const [, response] = (await once(evil, "unexpected-response")) as [
          unknown,
          { statusCode: number },
        ];
        assert.equal(response.statusCode, 403);
        evil.on("error", () => {});
        evil.terminate();
        const good = await open(`ws://127.0.0.1:${port}/`);
        good.client.close();
        await once(good.client, "close");
      },
    );
  });

  it("closes open WebSockets with 1001 on graceful shutdown", async () => {
    const codes: number[] = [];
    const server = await serve({
      port: 0,
      logger: false,
      fetch: (request, info) => (info.upgrade(request) ? undefined : new Response("no")),
      websocket: {
        close(_ws, code) {
          codes.push(code);
        },
      },
      timeouts: { shutdown: 2_000 },
    });
    try {
      const { client } = await open(`ws://127.0.0.1:${server.port}/`);
      const closed = once(client, "close");
      await server.close();
      const [code] = (await closed) as [number];
      assert.equal(code, 1001);
      assert.deepEqual(codes, [1001]);
    } finally {
      await server.close();
    }
  });

  it("applies the app.ws limits: a message over maxMessageBytes closes with 1009", async () => {
    await withServe(
      {
        fetch: (request, info) => (info.upgrade(request) ? undefined : new Response("no")),
        websocket: { maxMessageBytes: 8, message: () => {} },
      },
      async ({ port }) => {
        const { client } = await open(`ws://127.0.0.1:${port}/`);
        client.send("123456789");
        const [code] = (await once(client, "close")) as [number];
        assert.equal(code, 1009);
      },
    );
  });

  it("fails at start-up on a wrong websocket option, and explains info.upgrade without one", async () => {
    await assert.rejects(
      serve({
        port: 0,
        fetch: () => new Response(""),
        websocket: { maxMesageBytes: 1 } as unknown as ServeOptions["websocket"],
      }),
      (error: unknown) => error instanceof ConfigError && /maxMesageBytes/.test(error.message),
    );
    await assert.rejects(
      serve({ port: 0, fetch: () => new Response(""), websocket: { idleTimeout: -1 } }),
      ConfigError,
    );
    await withServe(
      { fetch: (request, info) => (info.upgrade(request) ? undefined : new Response("no")) },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        const response = await client.response();
        client.destroy();
        assert.equal(response.status, 500);
      },
    );
  });
});
