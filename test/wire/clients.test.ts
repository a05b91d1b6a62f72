import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Server } from "../../src/index.js";
import { curl, deferred, serve, withServer } from "./harness.js";

/**
 * Real clients over real TCP: curl and Node's fetch (undici) for keep-alive, chunked uploads and
 * downloads both ways, HTTP/1.0 close-delimited streams, a limit, and graceful shutdown under load.
 */

function routes(app: Server): void {
  app.get("/n/:n", (request) => `n=${request.params.n}`);
  app.get("/chunks", (_request, response) => {
    response.body = (async function* () {
      yield "first";
      await delay(5);
      yield "second";
    })();
  });
  app.post("/count", async (request) => {
    let pieces = 0;
    let bytes = 0;
    for await (const chunk of request) {
      pieces++;
      bytes += chunk.length;
    }
    const framing = request.headers.get("transfer-encoding") ?? "length";
    return `${framing} ${bytes} bytes${pieces > 0 ? "" : " (none)"}`;
  });
  app.post("/small", async (request) => `read ${(await request.bytes()).length}`, {
    bodyLimit: 1024,
  });
}

/** The head and the body of curl's `--include` output. */
function splitHead(output: string): [string, string] {
  const end = output.indexOf("\r\n\r\n");
  assert.notEqual(end, -1, output);
  return [output.slice(0, end), output.slice(end + 4)];
}

describe("curl", { timeout: 15_000 }, () => {
  it("reuses one connection for several URLs (keep-alive)", async () => {
    await withServer(routes, async ({ url }) => {
      const { stdout } = await curl([
        "--write-out",
        " connects=%{num_connects}\\n",
        `${url}/n/1`,
        `${url}/n/2`,
        `${url}/n/3`,
      ]);
      assert.equal(stdout, "n=1 connects=1\nn=2 connects=0\nn=3 connects=0\n");
    });
  });

  it("receives a streamed body as exact chunks", async () => {
    await withServer(routes, async ({ url }) => {
      const { stdout } = await curl(["--raw", "--include", `${url}/chunks`]);
      const [head, body] = splitHead(stdout);
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, /\r\nTransfer-Encoding: chunked(\r\n|$)/);
      assert.doesNotMatch(head, /content-length/i);
      assert.equal(body, "5\r\nfirst\r\n6\r\nsecond\r\n0\r\n\r\n");
    });
  });

  it("gets a close-delimited stream over HTTP/1.0", async () => {
    await withServer(routes, async ({ url }) => {
      const { stdout } = await curl(["--http1.0", "--include", `${url}/chunks`]);
      const [head, body] = splitHead(stdout);
      assert.match(head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(head, /\r\nConnection: close(\r\n|$)/);
      assert.doesNotMatch(head, /transfer-encoding|content-length/i);
      assert.equal(body, "firstsecond");
    });
  });
});

describe("fetch", { timeout: 15_000 }, () => {
  it("uploads a ReadableStream body chunked, read by the handler as it arrives", async () => {
    await withServer(routes, async ({ url }) => {
      const parts = ["alpha", "beta", "gamma"];
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          const next = parts.shift();
          if (next === undefined) controller.close();
          else {
            await delay(5);
            controller.enqueue(new TextEncoder().encode(next));
          }
        },
      });
      const response = await fetch(`${url}/count`, {
        method: "POST",
        body: stream,
        duplex: "half",
      } as RequestInit);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "chunked 14 bytes");
    });
  });

  it("downloads a chunked stream", async () => {
    await withServer(routes, async ({ url }) => {
      const response = await fetch(`${url}/chunks`);
      assert.equal(response.headers.get("transfer-encoding"), "chunked");
      assert.equal(response.headers.get("content-length"), null);
      assert.equal(await response.text(), "firstsecond");
    });
  });

  it("sees 413 for a body over the route's limit, and the next request still works", async () => {
    await withServer(routes, async ({ url }) => {
      const small = await fetch(`${url}/small`, { method: "POST", body: "x".repeat(1024) });
      assert.equal(await small.text(), "read 1024");
      const big = await fetch(`${url}/small`, { method: "POST", body: "x".repeat(1025) });
      assert.equal(big.status, 413);
      assert.equal(big.headers.get("connection"), "close");
      await big.arrayBuffer();
      assert.equal(await (await fetch(`${url}/n/after`)).text(), "n=after");
    });
  });
});

describe("graceful shutdown under load", { timeout: 20_000 }, () => {
  it("answers every request a handler started while fetch clients keep sending", async () => {
    const WORKERS = 16;
    let started = 0;
    let finished = 0;
    const warmedUp = deferred();
    const served = await serve(
      (app) => {
        app.get("/work/:id", async (request) => {
          started++;
          if (started === 4 * WORKERS) warmedUp.resolve();
          // Handlers of different lengths, so the shutdown lands in the middle of many of them.
          await delay(5 + (Number(request.params.id.split("-")[1]) % 7) * 5);
          finished++;
          return `done ${request.params.id}`;
        });
      },
      { timeouts: { shutdown: 5_000 } },
    );
    let closeBegan = false;
    let succeeded = 0;
    const failedBeforeClose: unknown[] = [];
    let failedAfterClose = 0;
    const worker = async (index: number): Promise<void> => {
      for (let round = 0; ; round++) {
        const id = `${index}-${round}`;
        try {
          const response = await fetch(`${served.url}/work/${id}`);
          assert.equal(response.status, 200);
          assert.equal(await response.text(), `done ${id}`);
          succeeded++;
        } catch (error) {
          // Refused, or sent on a keep-alive connection the server was closing: never started.
          if (closeBegan) failedAfterClose++;
          else failedBeforeClose.push(error);
          return;
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, index) => worker(index));
    await warmedUp.promise;
    const inFlightAtClose = started - finished;
    closeBegan = true;
    await served.close();
    await Promise.all(workers);

    assert.deepEqual(failedBeforeClose, []);
    assert.ok(inFlightAtClose > 0, "the shutdown should start with requests in flight");
    assert.equal(started, finished, "every handler that started ran to its end");
    // Zero failed in-flight requests: every request a handler saw reached its client intact.
    assert.equal(succeeded, started);
    assert.equal(failedAfterClose, WORKERS, "each client stops only once the server is gone");
    assert.equal(served.app.engine.connectionCount, 0);
  });
});
