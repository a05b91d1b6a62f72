import assert from "node:assert/strict";
import { fork } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RawClient } from "./client.js";
import { SIGNAL_SERVER_ENV } from "./signal-server.js";

/** `app.closeOnSignals()`: SIGTERM starts a graceful shutdown, and the process then exits by itself. */

describe("closeOnSignals", { timeout: 15_000 }, () => {
  it("on SIGTERM refuses new connections, finishes the request in flight, and exits with code 0", async () => {
    const child = fork(fileURLToPath(new URL("./signal-server.js", import.meta.url)), {
      env: { ...process.env, [SIGNAL_SERVER_ENV]: "1" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      const messages: unknown[] = [];
      const next = (): Promise<unknown> =>
        messages.length > 0
          ? Promise.resolve(messages.shift())
          : (once(child, "message").then(() => messages.shift()) as Promise<unknown>);
      child.on("message", (message) => messages.push(message));
      const { port } = (await next()) as { port: number };

      const client = await RawClient.connect(port);
      client.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
      assert.equal(await next(), "started");
      child.kill("SIGTERM");
      assert.equal(await next(), "signalled");
      await assert.rejects(RawClient.connect(port), /ECONNREFUSED/);

      child.send("release");
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.body.toString(), "finished");
      assert.equal(response.headers.connection, "close");
      await client.untilClosed();
      // Not killed by the signal: the process ended on its own once the server had closed.
      assert.deepEqual(await exited, [0, null]);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
