import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseResponses, RawClient } from "./client.js";
import { countServerWrites, deferred, withServer } from "./harness.js";

/** Several requests in one write: answered strictly in order, batched into one socket write. */

const GET = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

describe("pipelining", { timeout: 10_000 }, () => {
  it("answers a batch of synchronous requests in order with a single socket write", async () => {
    await withServer(
      (app) => {
        app.get("/n/:id", (request) => `#${request.params.id}`);
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        const writes = countServerWrites(port);
        try {
          client.write(Array.from({ length: 20 }, (_, index) => GET(`/n/${index}`)).join(""));
          const responses = await client.responses(20);
          assert.deepEqual(
            responses.map((response) => response.body.toString()),
            Array.from({ length: 20 }, (_, index) => `#${index}`),
          );
          assert.equal(writes.count, 1, "one read batch must become one write");
        } finally {
          writes.restore();
        }
        client.destroy();
      },
    );
  });

  it("keeps order when an earlier handler is async and slower", async () => {
    const slow = deferred();
    const started: string[] = [];
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          started.push("slow");
          await slow.promise;
          return "slow";
        });
        app.get("/fast/:id", (request) => {
          started.push(request.params.id);
          return `fast ${request.params.id}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET("/fast/1") + GET("/slow") + GET("/fast/2") + GET("/fast/3"));
        await client.responses(1);
        // The later requests wait behind the slow one: nothing of theirs may be on the wire.
        assert.deepEqual(started, ["1", "slow"]);
        assert.equal(parseResponses(client.received).responses.length, 1);
        const writes = countServerWrites(port);
        slow.resolve();
        const responses = await client.responses(4).finally(() => writes.restore());
        // The slow response and the two it held back go out together.
        assert.equal(writes.count, 1);
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["fast 1", "slow", "fast 2", "fast 3"],
        );
        client.destroy();
      },
    );
  });

  it("answers in order when handlers finish in reverse order", async () => {
    const gates = [deferred(), deferred(), deferred()];
    await withServer(
      (app) => {
        app.get("/wait/:index", async (request) => {
          const index = Number(request.params.index);
          await gates[index]!.promise;
          return `done ${index}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(GET("/wait/0") + GET("/wait/1") + GET("/wait/2"));
        gates[2]!.resolve();
        gates[1]!.resolve();
        gates[0]!.resolve();
        const responses = await client.responses(3);
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["done 0", "done 1", "done 2"],
        );
        client.destroy();
      },
    );
  });

  it("pipelines requests with bodies, and HEAD among GETs", async () => {
    await withServer(
      (app) => {
        app.post("/echo", async (request) => await request.text());
        app.get("/text", () => "text body");
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none" +
            "HEAD /text HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n" +
            GET("/text"),
        );
        const responses = await client.responses(4, ["POST", "HEAD", "POST", "GET"]);
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["one", "", "two", "text body"],
        );
        assert.equal(responses[1]!.headers["content-length"], "9");
        client.destroy();
      },
    );
  });

  it("puts the error for an invalid request last and never parses bytes after it", async () => {
    const seen: string[] = [];
    await withServer(
      (app) => {
        app.get("/:name", async (request) => {
          seen.push(request.params.name);
          await new Promise((resolve) => setImmediate(resolve));
          return request.params.name;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          `${GET("/a")}${GET("/b")}GET /c HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n${GET("/d")}`,
        );
        const raw = await client.untilClosed();
        const { responses, rest } = parseResponses(raw, [], true);
        assert.deepEqual(
          responses.map((response) => response.status),
          [200, 200, 400],
        );
        assert.equal(responses[2]!.headers.connection, "close");
        assert.equal(rest.length, 0);
        assert.deepEqual(seen, ["a", "b"]);
      },
    );
  });

  for (const max of [1, 2, 3]) {
    it(`stops reading at maxPipelinedRequests = ${max} while a handler is busy`, async () => {
      const gate = deferred();
      await withServer(
        (app) => {
          app.get("/", async () => {
            await gate.promise;
            return "ok";
          });
        },
        async ({ port, app }) => {
          let parsed = 0;
          const createRequest = app.createRequest.bind(app);
          app.createRequest = (...args) => {
            parsed++;
            return createRequest(...args);
          };
          const client = await RawClient.connect(port);
          // One request per packet, so only the pause can stop the parser from seeing them all.
          // The waits are not synchronisation: they give unwanted reads a chance to show.
          for (let index = 0; index < 6; index++) {
            client.write(GET("/"));
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          gate.resolve();
          assert.equal(parsed, max);
          const responses = await client.responses(6);
          assert.equal(responses.length, 6);
          assert.equal(parsed, 6);
          client.destroy();
        },
        { limits: { maxPipelinedRequests: max } },
      );
    });
  }

  it("closes after the last of maxRequestsPerConnection, not after an earlier slow one", async () => {
    const gate = deferred();
    const started = deferred();
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          started.resolve();
          await gate.promise;
          return "slow";
        });
        app.get("/fast", () => "fast");
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        // All three are parsed while the first waits: only the third may say "close".
        client.write(GET("/slow") + GET("/fast") + GET("/fast"));
        await started.promise;
        gate.resolve();
        const raw = (await client.untilClosed()).toString("latin1");
        const { responses } = parseResponses(Buffer.from(raw, "latin1"));
        assert.deepEqual(
          responses.map((response) => [response.body.toString(), response.headers.connection]),
          [
            ["slow", undefined],
            ["fast", undefined],
            ["fast", "close"],
          ],
        );
      },
      { limits: { maxRequestsPerConnection: 3 } },
    );
  });

  it("lets a route's bodyLimit cover a body that arrived with its head or while queued", async () => {
    const gate = deferred();
    const post = (size: number): string =>
      `POST /large HTTP/1.1\r\nHost: x\r\nContent-Length: ${size}\r\n\r\n${"x".repeat(size)}`;
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          await gate.promise;
          return "slow";
        });
        app.post("/large", async (request) => String((await request.bytes()).length), {
          bodyLimit: 1000,
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(post(1000));
        assert.equal((await client.response("POST")).body.toString(), "1000");
        client.write(GET("/slow") + post(900));
        gate.resolve();
        // The client's responses accumulate: each call returns everything received so far.
        const [, slow, large] = await client.responses(3, ["POST", "GET", "POST"]);
        assert.equal(slow!.body.toString(), "slow");
        assert.equal(large!.body.toString(), "900");
        client.write(post(1001));
        const all = await client.responses(4, ["POST", "GET", "POST", "POST"]);
        assert.equal(all[3]!.status, 413);
        client.destroy();
      },
      { limits: { maxBodyBytes: 100 } },
    );
  });
});
