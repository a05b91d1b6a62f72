import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import net, { type AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { type ListenOptions, Server } from "../../src/index.js";
import { duplicateListener } from "../../src/wire/acceptors.js";
import { ACCEPTORS_START_AT, DEFAULT_ACCEPTORS } from "../../src/wire/listener.js";
import { RawClient } from "./client.js";
import { tlsFixture } from "./harness.js";

/**
 * Extra accept handles on one listening socket (src/wire/acceptors.ts): libuv accepts one
 * connection per handle per event-loop iteration, so a busy server needs several to drain a
 * burst of new clients before they time out.
 */

const options = {
  allowHalfOpen: true,
  noDelay: true,
  backlog: 4096,
  timeoutMs: 10_000,
  onConnection: () => {},
  onError: () => {},
};

async function listening(server: net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

describe("duplicateListener", { timeout: 20_000 }, () => {
  it("gives copies that keep accepting after the original closes, half-open like it", async () => {
    const original = net.createServer({ allowHalfOpen: true });
    const port = await listening(original);
    // Answers after the client's FIN and a turn of the loop: only a half-open socket can.
    const onConnection = (socket: net.Socket): void => {
      socket.on("end", () => setImmediate(() => socket.end("after your FIN")));
      socket.resume();
    };
    const copies = await duplicateListener(original, 2, { ...options, onConnection }).copies;
    assert.equal(copies.length, 2);
    original.close();
    for (const copy of copies) {
      assert.equal(copy.listening, true);
      assert.equal((copy.address() as AddressInfo).port, port);
    }
    const client = net.connect(port, "127.0.0.1");
    client.end("bye");
    const chunks: Buffer[] = [];
    client.on("data", (chunk: Buffer) => chunks.push(chunk));
    await once(client, "end");
    assert.equal(Buffer.concat(chunks).toString(), "after your FIN");
    for (const copy of copies) copy.close();
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
  });

  it("leaves nothing listening when cancelled before the copies arrive", async () => {
    const original = net.createServer();
    const port = await listening(original);
    const duplication = duplicateListener(original, 3, options);
    duplication.cancel();
    await assert.rejects(duplication.copies, /Could not add accept handles.*cancelled/);
    original.close();
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
  });

  it("rejects with the reason when the helper does not answer in time", async () => {
    const original = net.createServer();
    const port = await listening(original);
    const duplication = duplicateListener(original, 1, { ...options, timeoutMs: 0 });
    await assert.rejects(duplication.copies, /gave no answer within 0 ms/);
    original.close();
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
  });
});

/**
 * Connects `count` raw TCP clients (in a worker, so they connect while this thread is blocked),
 * then on the go signal sends one GET on each, over TLS if asked, and posts the status lines.
 */
const BURST_CLIENTS = `
const { workerData, parentPort } = require("node:worker_threads");
const net = require("node:net");
const tls = require("node:tls");
const { port, count, secure, shared } = workerData;
const state = new Int32Array(shared);
const sockets = [];
for (let i = 0; i < count; i++) {
  const socket = net.connect(port, "127.0.0.1", () => {
    if (Atomics.add(state, 0, 1) + 1 < count) return;
    Atomics.store(state, 1, 1);
    Atomics.notify(state, 1);
  });
  socket.on("error", () => {});
  sockets.push(socket);
}
const statuses = [];
const go = setInterval(() => {
  if (Atomics.load(state, 2) === 0) return;
  clearInterval(go);
  for (const raw of sockets) {
    const socket = secure ? tls.connect({ socket: raw, rejectUnauthorized: false }) : raw;
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk) => {
      text += chunk;
      if (!text.includes("\\r\\n\\r\\n")) return;
      statuses.push(text.slice(0, text.indexOf("\\r\\n")));
      socket.destroy();
      if (statuses.length === count) parentPort.postMessage(statuses);
    });
    socket.write("GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
  }
}, 5);
`;

/** Blocks this thread inside a check-phase callback until the worker's clients are connected. */
function blockUntilConnected(state: Int32Array): Promise<void> {
  return new Promise((resolve) =>
    setImmediate(() => {
      Atomics.wait(state, 1, 0, 10_000);
      resolve();
    }),
  );
}

/**
 * Crosses the threshold, keeps connecting clients while the helper runs (none may be lost to
 * it), then blocks the loop while `count` more clients connect and counts how many the next
 * iteration accepts.
 */
async function burst(
  listen: Partial<ListenOptions>,
  count: number,
): Promise<{
  handles: number;
  /** Errors the engine reported meanwhile. */
  reported: string[];
  acceptedInOneIteration: number | undefined;
  statuses: string[];
}> {
  // What the engine reports (a helper that failed or gave no answer) goes into the assertions'
  // messages: a failure under load then says why the handles did not arrive.
  const reported: string[] = [];
  const logger = {
    info: () => {},
    warn: () => {},
    error: (message: string, fields?: Readonly<Record<string, unknown>>) => {
      const error = fields?.error;
      reported.push(error instanceof Error ? error.message : message);
    },
  };
  const app = new Server({ logger, timeouts: { shutdown: 1_000 } });
  app.get("/", () => "ok");
  const { port } = await app.run({ port: 0, ...listen });
  const secure = listen.tls !== undefined;
  const held: RawClient[] = [];
  try {
    // Served requests prove each connection was accepted: the threshold is then crossed.
    for (let index = 0; index < ACCEPTORS_START_AT; index++) {
      const client = await RawClient.connect(port, { tls: secure });
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal((await client.response("GET")).status, 200);
      held.push(client);
    }
    // The extra handles are asked for when the count reaches the threshold, not after.
    assert.ok(
      app.engine.connectionCount >= ACCEPTORS_START_AT,
      `only ${app.engine.connectionCount} connections open after ${ACCEPTORS_START_AT} answers`,
    );
    let settled = false;
    const acceptorsSettled = app.engine.acceptorsSettled().then(() => {
      settled = true;
    });
    const duringHelper: Promise<number>[] = [];
    while (!settled) {
      const client = await RawClient.connect(port, { tls: secure });
      client.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
      duringHelper.push(client.response("GET").then((response) => response.status));
      held.push(client);
    }
    await acceptorsSettled;
    assert.deepEqual(await Promise.all(duringHelper), Array(duringHelper.length).fill(200));
    const handles = app.engine.acceptHandleCount;
    const shared = new SharedArrayBuffer(12);
    const state = new Int32Array(shared);
    const worker = new Worker(BURST_CLIENTS, {
      eval: true,
      workerData: { port, count, secure, shared },
    });
    try {
      const answered = once(worker, "message");
      await blockUntilConnected(state);
      // With a backlog shrunk below the burst the rest would wait for SYN retransmits in vain.
      assert.equal(Atomics.load(state, 0), count, "the burst's clients did not all connect");
      // The next iteration's poll phase accepts once per handle; its check phase then counts.
      const before = app.engine.connectionCount;
      const afterOneIteration = await new Promise<number>((resolve) =>
        setImmediate(() => resolve(app.engine.connectionCount)),
      );
      Atomics.store(state, 2, 1);
      const [statuses] = (await answered) as [string[]];
      // A TLS connection counts only after its handshake, so the count says nothing there.
      return {
        handles,
        reported,
        acceptedInOneIteration: secure ? undefined : afterOneIteration - before,
        statuses,
      };
    } finally {
      await worker.terminate();
    }
  } finally {
    for (const client of held) client.destroy();
    await app.close();
    assert.equal(app.engine.acceptHandleCount, 0);
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/, "a closed server still accepts");
  }
}

describe("accept handles of a busy server", { timeout: 60_000 }, () => {
  it(`adds ${DEFAULT_ACCEPTORS - 1} at ${ACCEPTORS_START_AT} open connections; each accepts, nothing is lost`, async () => {
    const result = await burst({}, 1000);
    assert.equal(result.handles, DEFAULT_ACCEPTORS, result.reported.join("; "));
    assert.equal(result.acceptedInOneIteration, DEFAULT_ACCEPTORS);
    assert.deepEqual(result.statuses, Array(1000).fill("HTTP/1.1 200 OK"));
  });

  it("keeps one handle with acceptors: 1, and accepts one connection per iteration", async () => {
    const result = await burst({ acceptors: 1 }, 40);
    assert.equal(result.handles, 1, result.reported.join("; "));
    assert.equal(result.acceptedInOneIteration, 1);
    assert.deepEqual(result.statuses, Array(40).fill("HTTP/1.1 200 OK"));
  });

  it("hands connections accepted by the extra handles to TLS", async () => {
    const result = await burst({ tls: tlsFixture(), acceptors: 3 }, 40);
    assert.equal(result.handles, 3, result.reported.join("; "));
    assert.deepEqual(result.statuses, Array(40).fill("HTTP/1.1 200 OK"));
  });

  it("keeps serving with one handle, and logs why, where child processes are forbidden", async () => {
    const index = new URL("../../src/index.js", import.meta.url).href;
    // The server and its clients in one process run under Node's permission model.
    const script = `
      import net from "node:net";
      import { Server } from ${JSON.stringify(index)};
      const logged = [];
      const app = new Server({
        logger: { info() {}, warn() {}, error: (message, fields) => logged.push(fields.error.message) },
      });
      app.get("/", () => "ok");
      const { port } = await app.run({ port: 0 });
      const answers = await Promise.all(Array.from({ length: ${ACCEPTORS_START_AT + 20} }, () =>
        new Promise((resolve, reject) => {
          const socket = net.connect(port, "127.0.0.1");
          socket.on("error", reject);
          socket.once("data", (data) => resolve(data.toString().split("\\r\\n")[0]));
          socket.write("GET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n");
        })));
      await app.engine.acceptorsSettled();
      console.log(JSON.stringify({ answers: [...new Set(answers)], handles: app.engine.acceptHandleCount, logged }));
      process.exit(0);`;
    const major = Number(process.versions.node.split(".")[0]);
    const permission = major >= 22 ? "--permission" : "--experimental-permission";
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        [permission, "--allow-fs-read=*", "--no-warnings", "--input-type=module", "-e", script],
        { timeout: 20_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(stderr || error.message)) : resolve(stdout),
      );
    });
    const result = JSON.parse(output) as { answers: string[]; handles: number; logged: string[] };
    assert.deepEqual(result.answers, ["HTTP/1.1 200 OK"]);
    assert.equal(result.handles, 1);
    assert.equal(result.logged.length, 1);
    assert.match(result.logged[0]!, /^Could not add accept handles to the listener: /);
  });
});
