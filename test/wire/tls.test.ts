import assert from "node:assert/strict";
import https from "node:https";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { RawClient } from "./client.js";
import { curl, tlsFixture, waitUntil, withServer } from "./harness.js";

/** HTTPS with the committed self-signed certificate: the same engine behind node:tls. */

function routes(app: Server): void {
  app.get("/", (request) => `secure=${request.connection.encrypted}`);
  app.post("/echo", async (request) => await request.text());
  app.get("/stream", (_request, response) => {
    response.body = (async function* () {
      for (let index = 0; index < 100; index++) yield `line ${index}\n`;
    })();
  });
}

function httpsGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("HTTPS", { timeout: 10_000 }, () => {
  it("reports an https URL and answers node:https and curl -k", async () => {
    await withServer(
      routes,
      async ({ url, port }) => {
        assert.equal(url, `https://127.0.0.1:${port}`);
        assert.deepEqual(await httpsGet(`${url}/`), { status: 200, body: "secure=true" });
        assert.equal((await curl(["-k", `${url}/`])).stdout, "secure=true");
        assert.equal(
          (await curl(["-k", "--data-binary", "over tls", `${url}/echo`])).stdout,
          "over tls",
        );
        const streamed = await curl(["-k", `${url}/stream`]);
        assert.equal(streamed.stdout.split("\n").length, 101);
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("keeps alive and pipelines over TLS", async () => {
    await withServer(
      routes,
      async ({ port, app }) => {
        const client = await RawClient.connect(port, { tls: true });
        client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(3));
        const responses = await client.responses(3);
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["secure=true", "secure=true", "secure=true"],
        );
        client.write("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /line 99\n\r\n0\r\n\r\n$/);
        await waitUntil(() => app.engine.connectionCount === 0);
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("answers a TLS client that half-closes after its request", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port, { tls: true });
        client.end("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /line 99\n\r\n0\r\n\r\n$/);
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("drops a client that does not speak TLS without disturbing others", async () => {
    await withServer(
      routes,
      async ({ port, url }) => {
        const plain = await RawClient.connect(port);
        plain.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await plain.untilClosed();
        assert.doesNotMatch(plain.received.toString("latin1"), /secure=/);
        assert.equal((await curl(["-k", `${url}/`])).stdout, "secure=true");
      },
      {},
      { tls: tlsFixture() },
    );
  });

  it("refuses tls options without key and cert", async () => {
    const { Server: ServerClass } = await import("../../src/index.js");
    const app = new ServerClass({ logger: false });
    await assert.rejects(
      app.run({ port: 0, tls: { key: tlsFixture().key } }),
      /'tls' needs both 'key' and 'cert'/,
    );
  });
});
