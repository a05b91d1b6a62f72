// Every runnable peer answers every load scenario exactly as expected (the same check the harness
// makes before measuring), so a peer that drifts is caught without running a benchmark.
import assert from "node:assert/strict";
import { test } from "node:test";
import { VerificationError, verifyPeer } from "../../bench/measure-load.js";
import {
  notMeasuredReason,
  type PeerName,
  readPeerMemory,
  startPeer,
  unavailableReason,
} from "../../bench/peers.js";
import { SCENARIOS } from "../../bench/scenarios.js";
import { makeTlsFiles } from "../../bench/tls-files.js";

const candidates: PeerName[] = [
  "node-http",
  "fastify",
  "hono",
  "express",
  "slow-serv",
  "bare-net",
  "uws",
  "hono-srvx",
  "hono-slow-serv",
];
const tlsCandidates: PeerName[] = [
  ...candidates.filter((name) => !name.startsWith("hono-")),
  "nginx",
];
const plainScenarios = SCENARIOS.filter((scenario) => scenario.kind === "load" && !scenario.tls);
const tlsScenarios = SCENARIOS.filter((scenario) => scenario.kind === "load" && scenario.tls);

for (const name of candidates) {
  const reason = unavailableReason(name);
  test(`peer ${name} gives the expected response in every load scenario`, {
    skip: reason,
  }, async () => {
    const peer = await startPeer(name, undefined);
    try {
      for (const scenario of plainScenarios) {
        if (scenario.kind !== "load" || notMeasuredReason(name, scenario) !== undefined) continue;
        if (scenario.feature !== undefined && peer.unsupported.includes(scenario.feature)) continue;
        const headers = await verifyPeer(scenario, peer);
        if (scenario.feature === "session")
          assert.match(headers[0] ?? "", /^Cookie: [^=;]+=[^;]+$/);
      }
      const memory = await readPeerMemory(peer);
      assert.equal(memory.gc, true, "peers run with --expose-gc so memory readings are after a GC");
      assert.ok(memory.heapUsed > 0);
    } finally {
      await peer.child.stop();
    }
    assert.notEqual(peer.child.process.exitCode ?? peer.child.process.signalCode, null);
  });
}

for (const name of tlsCandidates) {
  const scenarios = tlsScenarios.filter(
    (scenario) => notMeasuredReason(name, scenario) === undefined,
  );
  const reason =
    unavailableReason(name) ?? (scenarios.length === 0 ? "not measured over TLS" : undefined);
  test(`peer ${name} gives the expected response over TLS`, { skip: reason }, async () => {
    const tls = makeTlsFiles();
    const peer = await startPeer(name, undefined, tls.dir);
    try {
      for (const scenario of scenarios) {
        if (scenario.kind !== "load") continue;
        const headers = await verifyPeer(scenario, peer);
        assert.deepEqual(headers, scenario.closeEachRequest ? ["Connection: close"] : []);
      }
    } finally {
      await peer.stop();
      tls.remove();
    }
    assert.notEqual(peer.child.process.exitCode ?? peer.child.process.signalCode, null);
  });
}

test("nginx joins the TLS GET scenarios only, bare-net every load scenario, and the C++ servers no heap comparison", () => {
  const byId = (id: number) => SCENARIOS.find((scenario) => scenario.id === id)!;
  assert.equal(notMeasuredReason("nginx", byId(1)), "TLS reference only");
  assert.equal(notMeasuredReason("nginx", byId(11)), undefined);
  assert.equal(notMeasuredReason("nginx", byId(12)), "answers fixed GETs only");
  assert.equal(notMeasuredReason("bare-net", byId(13)), undefined);
  assert.equal(notMeasuredReason("bare-net", byId(1)), undefined);
  assert.equal(notMeasuredReason("uws", byId(10)), "not a Node heap");
  assert.equal(notMeasuredReason("slow-serv", byId(10)), undefined);
});

test("a peer whose response differs is refused with the peer's name and the difference", async () => {
  const { createServer } = await import("node:http");
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end("Hello, World!");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === "object");
  const fake = { name: "express", port: address.port } as Parameters<typeof verifyPeer>[1];
  try {
    await assert.rejects(
      verifyPeer(SCENARIOS[0] as Parameters<typeof verifyPeer>[0], fake),
      (error: Error) =>
        error instanceof VerificationError &&
        /peer express answers scenario 1 \(GET \/\)/.test(error.message) &&
        /content-type: expected "text\/plain; charset=utf-8", got "text\/plain"/.test(
          error.message,
        ),
    );
  } finally {
    server.close();
  }
});

test("the ws peer echoes and broadcasts as every WebSocket peer must", async () => {
  const { verifyWebSocketPeer } = await import("../../bench/measure-ws.js");
  const peer = await startPeer("ws", undefined);
  try {
    await verifyWebSocketPeer(peer.port);
  } finally {
    await peer.stop();
  }
});

test("a WebSocket peer that does not echo is refused", async () => {
  const { verifyWebSocketPeer } = await import("../../bench/measure-ws.js");
  const { WebSocketServer } = await import("ws");
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  server.on("connection", (socket) => socket.on("message", () => socket.send("something else")));
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  assert.ok(typeof address === "object" && address !== null);
  try {
    await assert.rejects(verifyWebSocketPeer(address.port), /\/ws\/echo answered something else/);
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});
