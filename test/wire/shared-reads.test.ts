import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { EventEmitter } from "node:events";
import net from "node:net";
import { describe, it } from "node:test";
import tls from "node:tls";
import type { Request } from "../../src/index.js";
import { readIntoSharedBuffer } from "../../src/wire/shared-reads.js";
import { random } from "../prng.js";
import { RawClient } from "./client.js";
import { deferred, tlsFixture, withServer } from "./harness.js";

/**
 * Connections (plain TCP and TLS alike) read into one buffer that the next read of any connection overwrites
 * (src/wire/shared-reads.ts). Whatever a request keeps past its read must survive that: each test
 * holds a request while another connection sends bytes of the same length into the same buffer.
 */

const held = (path: string, token: string, extra = ""): string =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Token: ${token}\r\n${extra}\r\n`;

async function sendAndAnswer(port: number, request: string): Promise<string> {
  const client = await RawClient.connect(port);
  client.write(request);
  const response = await client.response(request.slice(0, request.indexOf(" ")));
  client.destroy();
  return response.body.toString();
}

describe("shared read buffer", { timeout: 10_000 }, () => {
  it("is the path accepted sockets take on this Node, one buffer for every connection", async () => {
    const seen: Buffer[] = [];
    const received: string[] = [];
    let dataEvents = 0;
    const twoReads = deferred();
    // A stand-in socket (as in-process injection uses) is refused without turning the path off.
    const standIn = new EventEmitter() as unknown as net.Socket;
    assert.equal(
      readIntoSharedBuffer(standIn, () => {}),
      false,
    );
    const server = net.createServer((socket) => {
      socket.on("data", () => dataEvents++);
      const switched = readIntoSharedBuffer(socket, function (bytesRead, buffer) {
        seen.push(buffer);
        received.push(buffer.subarray(0, bytesRead).toString());
        this.end();
        if (seen.length === 2) twoReads.resolve();
      });
      assert.equal(switched, true, "this Node no longer lets accepted sockets use onread");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      for (const text of ["first", "second"]) {
        const client = net.connect(port, "127.0.0.1", () => client.end(text));
        client.resume();
      }
      await twoReads.promise;
      assert.deepEqual(received.sort(), ["first", "second"]);
      assert.equal(seen[0], seen[1]);
      assert.equal(dataEvents, 0);
    } finally {
      server.close();
    }
  });

  it("takes TLS sockets too: decrypted chunks land in the same buffer, one call each", async () => {
    const seen = new Set<Buffer>();
    const received = new Map<string, string>();
    const chunkSizes: number[] = [];
    let dataEvents = 0;
    const done = deferred();
    const large = "0123456789abcdef".repeat(2_500);
    const server = tls.createServer(tlsFixture(), (socket) => {
      socket.on("data", () => dataEvents++);
      let text = "";
      const switched = readIntoSharedBuffer(socket, (bytesRead, buffer) => {
        seen.add(buffer);
        chunkSizes.push(bytesRead);
        text += buffer.toString("latin1", 0, bytesRead);
      });
      assert.equal(switched, true, "this Node no longer lets TLS sockets use onread");
      socket.on("end", () => {
        received.set(text.slice(0, 5), text);
        socket.end();
        if (received.size === 2) done.resolve();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    try {
      for (const text of ["small", `large${large}`]) {
        const options = { port, host: "127.0.0.1", rejectUnauthorized: false };
        const client = tls.connect(options, () => client.end(text));
        client.resume();
      }
      await done.promise;
      assert.equal(received.get("small"), "small");
      assert.equal(received.get("large"), `large${large}`);
      // OpenSSL hands over at most one 16 KiB record at a time; each is its own call.
      assert.ok(chunkSizes.length >= 4, `chunks: ${chunkSizes.join()}`);
      assert.ok(Math.max(...chunkSizes) <= 16_384, `chunks: ${chunkSizes.join()}`);
      assert.equal(seen.size, 1);
      assert.equal(dataEvents, 0);
    } finally {
      server.close();
    }
  });

  it("is the path the engine reads its TLS connections through", async () => {
    let serverDataListeners = 0;
    // Counts the 'data' listeners put on server-side TLS sockets while the engine serves.
    type On = (this: tls.TLSSocket, event: string, listener: () => void) => tls.TLSSocket;
    const prototype = tls.TLSSocket.prototype as unknown as { on?: On };
    const on = tls.TLSSocket.prototype.on as unknown as On;
    prototype.on = function (event, listener) {
      const options = (this as unknown as { _tlsOptions?: { isServer?: boolean } })._tlsOptions;
      if (event === "data" && options?.isServer === true) serverDataListeners++;
      return on.call(this, event, listener);
    };
    try {
      await withServer(
        (app) => {
          app.post(
            "/echo",
            async (request) => `${request.connection.encrypted} ${await request.text()}`,
          );
        },
        async ({ port }) => {
          const client = await RawClient.connect(port, { tls: true });
          client.write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
          assert.equal((await client.response("POST")).body.toString(), "true hello");
          client.destroy();
        },
        {},
        { tls: tlsFixture() },
      );
    } finally {
      delete prototype.on;
    }
    assert.equal(tls.TLSSocket.prototype.on, net.Socket.prototype.on);
    assert.equal(serverDataListeners, 0, "the engine listened for 'data' on a TLS socket");
  });

  it("leaves a sync handler's request intact after a later read reuses the buffer", async () => {
    const kept: Request[] = [];
    await withServer(
      (app) => {
        app.get("/keep", (request) => {
          kept.push(request);
          return "kept";
        });
        app.get("/read-kept", () => kept.map((request) => request.headers.get("x-token")).join());
      },
      async ({ port }) => {
        assert.equal(await sendAndAnswer(port, held("/keep", "a".repeat(40))), "kept");
        // Same length and layout: the header bytes land exactly where the kept ones were.
        assert.equal(await sendAndAnswer(port, held("/keep", "b".repeat(40))), "kept");
        const result = await sendAndAnswer(port, held("/read-kept", "c".repeat(40)));
        assert.equal(result, `${"a".repeat(40)},${"b".repeat(40)}`);
      },
    );
  });

  it("keeps an async handler's headers while other connections are read", async () => {
    const release = deferred();
    const started = deferred();
    await withServer(
      (app) => {
        app.get("/slow", async (request) => {
          started.resolve();
          await release.promise;
          return `${request.headers.get("x-token")} ${request.headers.raw.length}`;
        });
        app.get("/fast", (request) => String(request.headers.get("x-token")));
      },
      async ({ port }) => {
        const slow = await RawClient.connect(port);
        slow.write(held("/slow", "a".repeat(32), "X-More: 1\r\n"));
        await started.promise;
        assert.equal(
          await sendAndAnswer(port, held("/fast", "b".repeat(32), "X-More: 2\r\n")),
          "b".repeat(32),
        );
        release.resolve();
        assert.equal((await slow.response()).body.toString(), `${"a".repeat(32)} 6`);
        slow.destroy();
      },
    );
  });

  it("keeps pipelined requests queued behind a slow one", async () => {
    const release = deferred();
    const started = deferred();
    await withServer(
      (app) => {
        app.get("/slow", async () => {
          started.resolve();
          await release.promise;
          return "slow";
        });
        app.get("/token", (request) => `${request.url} ${request.headers.get("x-token")}`);
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          held("/slow", "s".repeat(8)) +
            held("/token", "1".repeat(8)) +
            held("/token", "2".repeat(8)),
        );
        await started.promise;
        // A read the same size as the pipelined batch overwrites all of it.
        const other = await RawClient.connect(port);
        other.write(held("/token", "x".repeat(8)).repeat(3));
        await other.responses(3);
        other.destroy();
        release.resolve();
        const responses = await client.responses(3);
        assert.deepEqual(
          responses.map((response) => response.body.toString()),
          ["slow", `/token ${"1".repeat(8)}`, `/token ${"2".repeat(8)}`],
        );
        client.destroy();
      },
    );
  });

  for (const framing of ["content-length", "chunked"] as const) {
    it(`keeps a ${framing} body that arrived with its head until the handler reads it`, async () => {
      const release = deferred();
      const started = deferred();
      let calls = 0;
      const post = (fill: string): string => {
        const body = fill.repeat(300);
        return framing === "chunked"
          ? `POST /late HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`
          : `POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      };
      await withServer(
        (app) => {
          app.post("/late", async (request) => {
            if (++calls > 1) return String((await request.text()).length);
            started.resolve();
            await release.promise;
            return await request.text();
          });
        },
        async ({ port }) => {
          const first = await RawClient.connect(port);
          first.write(post("a"));
          await started.promise;
          assert.equal(await sendAndAnswer(port, post("b")), "300");
          release.resolve();
          assert.equal((await first.response("POST")).body.toString(), "a".repeat(300));
          first.destroy();
        },
      );
    });
  }

  for (const secure of [false, true]) {
    it(`keeps every request's own bytes across interleaved ${secure ? "TLS " : ""}connections, splits and async handlers`, async () => {
      const next = random(20261130);
      const connections = 12;
      const perConnection = 10;
      await withServer(
        (app) => {
          app.post("/echo/:n", async (request) => {
            // Yield a varying number of times, so other connections' reads land in between.
            for (let turn = Math.floor(next() * 4); turn > 0; turn--) {
              await new Promise((resolve) => setImmediate(resolve));
            }
            return `${request.params.n}|${request.headers.get("x-id")}|${await request.text()}`;
          });
          app.get("/id/:n", (request) => `${request.params.n}|${request.headers.get("x-id")}|`);
        },
        async ({ port }) => {
          const expected: string[][] = [];
          const clients = await Promise.all(
            Array.from({ length: connections }, () => RawClient.connect(port, { tls: secure })),
          );
          const streams = clients.map((_, client) => {
            const answers: string[] = [];
            let bytes = "";
            for (let n = 0; n < perConnection; n++) {
              const id = `${client}-${n}-${"abcdefgh".repeat(1 + Math.floor(next() * 4))}`;
              if (next() < 0.3) {
                bytes += `GET /id/${n} HTTP/1.1\r\nHost: x\r\nX-Id: ${id}\r\n\r\n`;
                answers.push(`${n}|${id}|`);
              } else {
                const body = `body-${client}-${n}-`.repeat(1 + Math.floor(next() * 40));
                bytes += `POST /echo/${n} HTTP/1.1\r\nHost: x\r\nX-Id: ${id}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
                answers.push(`${n}|${id}|${body}`);
              }
            }
            expected.push(answers);
            return Buffer.from(bytes);
          });
          // Every connection's bytes go out in random pieces, the connections taking turns.
          const offsets = streams.map(() => 0);
          while (offsets.some((offset, client) => offset < streams[client]!.length)) {
            for (let client = 0; client < connections; client++) {
              const stream = streams[client]!;
              if (offsets[client]! >= stream.length) continue;
              const end = Math.min(stream.length, offsets[client]! + 1 + Math.floor(next() * 300));
              clients[client]!.write(stream.subarray(offsets[client], end));
              offsets[client] = end;
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
          for (let client = 0; client < connections; client++) {
            const methods = expected[client]!.map((answer) =>
              answer.endsWith("|") ? "GET" : "POST",
            );
            const responses = await clients[client]!.responses(perConnection, methods);
            assert.deepEqual(
              responses.map((response) => response.body.toString()),
              expected[client],
            );
            clients[client]!.destroy();
          }
        },
        {},
        secure ? { tls: tlsFixture() } : {},
      );
    });
  }

  it("is off for the process with SLOW_SERV_SHARED_READS=0", async () => {
    const module = new URL("../../src/wire/shared-reads.js", import.meta.url).href;
    const script = `
      import net from "node:net";
      import { readIntoSharedBuffer } from ${JSON.stringify(module)};
      const server = net.createServer((socket) => {
        process.stdout.write(String(readIntoSharedBuffer(socket, () => {})));
        socket.destroy();
        server.close();
      });
      server.listen(0, "127.0.0.1", () => {
        net.connect(server.address().port, "127.0.0.1").on("error", () => {});
      });`;
    const takesPath = (setting: string | undefined): Promise<string> => {
      const { SLOW_SERV_SHARED_READS: _ignored, ...env } = process.env;
      if (setting !== undefined) env.SLOW_SERV_SHARED_READS = setting;
      return new Promise((resolve, reject) => {
        execFile(
          process.execPath,
          ["--input-type=module", "-e", script],
          { env, timeout: 5_000 },
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        );
      });
    };
    assert.equal(await takesPath("0"), "false");
    assert.equal(await takesPath(undefined), "true");
    assert.equal(await takesPath("1"), "true");
  });
});
