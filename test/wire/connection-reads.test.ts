import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { V2_SIGNATURE } from "../../src/wire/proxy-protocol.js";
import { RawClient } from "./client.js";
import { GET, watchServerSockets, withEngine } from "./connection-engine.js";
import { probeEngine } from "./engine-probe.js";
import { deferred, waitUntil, withServer } from "./harness.js";

/**
 * How the connection reads, pinned where the broader TCP files leave it open (found by mutation
 * testing, docs/mutation/connection.md): plain TCP through the shared read buffer, and when it
 * stops reading. Every pause is checked on the server's own socket (`isPaused()`) at the moment a
 * handler starts, which is a fixed point of the request cycle, not a guess about timing.
 */

const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`;

/** A handler that records whether the server socket reads when it starts, then waits its turn. */
function gatedRecorder(watch: () => ReturnType<typeof watchServerSockets> | undefined) {
  const gates: Array<() => void> = [];
  const paused: boolean[] = [];
  return {
    gates,
    paused,
    async handle(
      request: { url: string; bytes(): Promise<Buffer>; method: string },
      response: { body: unknown },
    ) {
      paused.push(watch()?.socket?.isPaused() === true);
      await new Promise<void>((resolve) => gates.push(resolve));
      response.body =
        request.method === "POST"
          ? `${request.url} ${(await request.bytes()).length}`
          : request.url;
    },
    /** Lets handler `index` (from 0) finish once it has started. */
    async release(index: number): Promise<void> {
      await waitUntil(() => gates.length > index);
      gates[index]!();
    },
  };
}

describe("connection: which reads it takes", { timeout: 15_000 }, () => {
  it("reads plain TCP through the shared buffer, with no 'data' listener", async () => {
    await withEngine(
      (_request, response) => {
        response.body = "ok";
      },
      async (port) => {
        const watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          client.write(GET);
          assert.equal((await client.response()).body.toString(), "ok");
          assert.ok(watch.socket !== undefined);
          assert.equal(watch.socket.listenerCount("data"), 0);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
    );
  });

  it("keeps the head of a request read from the shared buffer after the next read reuses it", async () => {
    const gate = deferred();
    const started = deferred();
    const held = (path: string, token: string): string =>
      `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Token: ${token}\r\n\r\n`;
    await withEngine(
      async (request, response) => {
        if (request.url === "/slow") {
          started.resolve();
          await gate.promise;
        }
        response.body = `${request.url} ${request.headers.get("x-token")}`;
      },
      async (port) => {
        const slow = await RawClient.connect(port);
        slow.write(held("/slow", "a".repeat(24)));
        await started.promise;
        // Same layout from another connection: its bytes land where the first head was read.
        const other = await RawClient.connect(port);
        other.write(held("/fast", "b".repeat(24)));
        assert.equal((await other.response()).body.toString(), `/fast ${"b".repeat(24)}`);
        other.destroy();
        gate.resolve();
        assert.equal((await slow.response()).body.toString(), `/slow ${"a".repeat(24)}`);
        slow.destroy();
      },
    );
  });

  it("reports TLS a proxy says the client spoke (PROXY v2 with PP2_CLIENT_SSL)", async () => {
    const body = [203, 0, 113, 7, 198, 51, 100, 1, 0x9c, 0x40, 0x01, 0xbb];
    const ssl = [0x20, 0x00, 0x05, 0x01, 0, 0, 0, 0];
    const header = Buffer.alloc(16);
    V2_SIGNATURE.copy(header);
    header[12] = 0x21;
    header[13] = 0x11;
    header.writeUInt16BE(body.length + ssl.length, 14);
    await withServer(
      (app) => {
        app.get("/", (request) => {
          const { remoteAddress, remotePort, encrypted } = request.connection;
          return `${remoteAddress} ${remotePort} ${encrypted}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(Buffer.concat([header, Buffer.from([...body, ...ssl]), Buffer.from(GET)]));
        assert.equal((await client.response()).body.toString(), "203.0.113.7 40000 true");
        client.destroy();
      },
      {},
      { proxyProtocol: { trusted: "loopback" } },
    );
  });
});

describe("connection: when it stops reading", { timeout: 15_000 }, () => {
  it("reads again only once fewer than maxPipelinedRequests requests wait, every time", async () => {
    let watch: ReturnType<typeof watchServerSockets> | undefined;
    const recorder = gatedRecorder(() => watch);
    const probe = probeEngine();
    try {
      await withEngine(
        (request, response) => recorder.handle(request, response),
        async (port) => {
          watch = watchServerSockets(port);
          try {
            const client = await RawClient.connect(port);
            // One read of four: the pause comes at the second head, with four queued.
            const batch = get("/1") + get("/2") + get("/3") + get("/4");
            client.write(batch);
            for (let index = 0; index < 3; index++) await recorder.release(index);
            // Handler 4 runs with nothing queued behind it: reading goes on, and a second batch
            // fills the pipeline again.
            await waitUntil(() => recorder.gates.length === 4);
            const second = get("/5") + get("/6");
            client.write(second);
            await probe.read(batch.length + second.length);
            for (let index = 3; index < 6; index++) await recorder.release(index);
            const answers = await client.responses(6);
            assert.deepEqual(
              answers.map((answer) => answer.body.toString()),
              ["/1", "/2", "/3", "/4", "/5", "/6"],
            );
            // Paused while two or more wait (the one answered counts until its response is out).
            assert.deepEqual(recorder.paused, [true, true, true, false, true, false]);
            client.destroy();
          } finally {
            watch.restore();
          }
        },
        { maxPipelinedRequests: 2 },
      );
    } finally {
      probe.restore();
    }
  });

  it("stays paused for a queued body held back after the pipeline's own pause ends", async () => {
    let watch: ReturnType<typeof watchServerSockets> | undefined;
    const recorder = gatedRecorder(() => watch);
    await withEngine(
      (request, response) => recorder.handle(request, response),
      async (port) => {
        watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          // The POST fills the pipeline, and its body, past the high-water mark, holds reading too.
          const body = "b".repeat(100);
          client.write(
            `${get("/1")}POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
          );
          await recorder.release(0);
          await recorder.release(1);
          await waitUntil(() => recorder.paused.length === 2);
          // Reading resumed once the body was read: a later request is read and answered.
          client.write(get("/3"));
          await recorder.release(2);
          const answers = await client.responses(3);
          assert.deepEqual(
            answers.map((answer) => answer.body.toString()),
            ["/1", "/2 100", "/3"],
          );
          assert.deepEqual(recorder.paused, [true, true, false]);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
      { maxPipelinedRequests: 2, bodyHighWaterMark: 16 },
    );
  });

  it("stops reading while an upgrade request's answer is decided, and parses on after a refusal", async () => {
    let watch: ReturnType<typeof watchServerSockets> | undefined;
    const recorder = gatedRecorder(() => watch);
    await withEngine(
      (request, response) => recorder.handle(request, response),
      async (port) => {
        watch = watchServerSockets(port);
        try {
          const client = await RawClient.connect(port);
          client.write(
            `GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n${get("/2")}`,
          );
          await recorder.release(0);
          await recorder.release(1);
          const answers = await client.responses(2);
          assert.deepEqual(
            answers.map((answer) => answer.body.toString()),
            ["/up", "/2"],
          );
          assert.deepEqual(recorder.paused, [true, false]);
          client.destroy();
        } finally {
          watch.restore();
        }
      },
    );
  });
});
