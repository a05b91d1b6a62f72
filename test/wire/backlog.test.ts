import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { serve } from "./harness.js";

/**
 * A burst of clients larger than Node's usual backlog of 511 must all complete their TCP
 * handshake while the server is too busy to accept: the kernel queues them only if the listen
 * backlog has room. The clients run in a worker thread; the main thread (the server) blocks in
 * Atomics.wait until they report, so nothing is accepted during the burst.
 */

const BURST = 1000;

const CLIENTS = `
const { workerData } = require("node:worker_threads");
const net = require("node:net");
const { port, count, shared } = workerData;
const state = new Int32Array(shared);
const sockets = [];
for (let i = 0; i < count; i++) {
  const socket = net.connect(port, "127.0.0.1", () => {
    if (Atomics.add(state, 0, 1) + 1 === count) Atomics.notify(state, 1);
  });
  socket.on("error", () => {});
  sockets.push(socket);
}
// Keeps the connections open until the main thread has looked; then they go.
const watch = setInterval(() => {
  if (Atomics.load(state, 1) === 0) return;
  clearInterval(watch);
  for (const socket of sockets) socket.destroy();
}, 10);
`;

describe("listen backlog", () => {
  it(`queues a burst of ${BURST} connections while the server is busy`, async () => {
    const served = await serve((app) => {
      app.route("/", (_request, response) => {
        response.body = "ok";
      });
    });
    const shared = new SharedArrayBuffer(8);
    const state = new Int32Array(shared);
    const worker = new Worker(CLIENTS, {
      eval: true,
      workerData: { port: served.port, count: BURST, shared },
    });
    try {
      // Blocks this thread, and so the server's accept loop, until every client is connected
      // (or 10 s: with a backlog of 511, the rest would wait for SYN retransmits in vain).
      Atomics.wait(state, 1, 0, 10_000);
      const connected = Atomics.load(state, 0);
      Atomics.store(state, 1, 1);
      assert.equal(connected, BURST, `${connected} of ${BURST} clients completed the handshake`);
    } finally {
      await worker.terminate();
      await served.close();
    }
  });
});
