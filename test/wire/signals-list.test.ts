import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { Server } from "../../src/index.js";
import { RawClient } from "./client.js";

// closeOnSignals(list) listens to exactly the signals given (here SIGUSR2, which no other test
// uses), not to the default SIGINT/SIGTERM, and stops listening after the first one.

test("closeOnSignals with a custom list closes on those signals only", async () => {
  const infos: string[] = [];
  let logged: () => void = () => {};
  const closing = new Promise<void>((resolve) => {
    logged = resolve;
  });
  const app = new Server({
    logger: {
      info: (message) => {
        infos.push(message);
        logged();
      },
      warn: () => {},
      error: () => {},
    },
  });
  app.get("/", () => "up");
  // SIGUSR2 is also Node's diagnostic-report signal, on in node:test's children since Node 24:
  // without this, each run left a report.*.json in the working directory. Turned off before the
  // listeners are counted, as the report's is one of them.
  const reportOnSignal = process.report.reportOnSignal;
  process.report.reportOnSignal = false;
  const before = {
    SIGINT: process.listenerCount("SIGINT"),
    SIGTERM: process.listenerCount("SIGTERM"),
    SIGUSR2: process.listenerCount("SIGUSR2"),
  };
  const { port } = await app.run({ port: 0, host: "127.0.0.1" });
  const exitCode = process.exitCode;
  try {
    app.closeOnSignals(["SIGUSR2"]);
    assert.equal(process.listenerCount("SIGUSR2"), before.SIGUSR2 + 1);
    assert.equal(process.listenerCount("SIGINT"), before.SIGINT);
    assert.equal(process.listenerCount("SIGTERM"), before.SIGTERM);

    process.kill(process.pid, "SIGUSR2");
    await closing;
    assert.deepEqual(infos, ["Received SIGUSR2: closing gracefully"]);
    assert.equal(process.listenerCount("SIGUSR2"), before.SIGUSR2, "listens only once");
    // close() has begun: the listener refuses new connections.
    await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);
  } finally {
    process.exitCode = exitCode;
    process.report.reportOnSignal = reportOnSignal;
    await app.close();
  }
});

test("a signal outside the list is left alone", async () => {
  const app = new Server({ logger: false });
  const { port } = await app.run({ port: 0, host: "127.0.0.1" });
  try {
    app.closeOnSignals(["SIGUSR2"]);
    // Not in the list: delivered to a listener of the test's own, and the server stays up.
    const hup = once(process, "SIGHUP");
    process.kill(process.pid, "SIGHUP");
    await hup;
    const client = await RawClient.connect(port);
    client.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal((await client.response()).status, 404);
  } finally {
    for (const listener of process.listeners("SIGUSR2")) process.off("SIGUSR2", listener);
    await app.close();
  }
});
