// The WebSocket load generator as the bench runs it, in its own process, for a fraction of a
// second: it must count the echoes of an honest server, and count a server that answers something
// else as errors, not as messages.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { withServer } from "../wire/harness.js";

const clientScript = fileURLToPath(new URL("../../bench/ws-client.js", import.meta.url));

interface Result {
  messages: number;
  connections: number;
  failed: number;
  unexpected: number;
}

async function runClient(port: number): Promise<Result> {
  const child = spawn(
    process.execPath,
    [
      clientScript,
      ...["--port", String(port), "--mode", "echo", "--connections", "3"],
      ...["--duration", "0.3", "--warmup", "0.1"],
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      if (line.startsWith("RESULT ")) return JSON.parse(line.slice("RESULT ".length)) as Result;
    }
    throw new Error("ws-client ended without a RESULT line");
  } finally {
    child.kill();
  }
}

test("ws-client counts the echoes of a server that echoes", { timeout: 20_000 }, async () => {
  await withServer(
    (app) => app.ws("/ws/echo", { message: (ws, message) => ws.send(message) }),
    async ({ port }) => {
      const result = await runClient(port);
      assert.equal(result.connections, 3);
      assert.equal(result.failed, 0);
      assert.equal(result.unexpected, 0);
      assert.ok(result.messages > 0, "echoes counted");
    },
  );
});

test("ws-client counts other answers as errors, not messages", { timeout: 20_000 }, async () => {
  await withServer(
    // Same length as the 16-byte message, other bytes.
    (app) => app.ws("/ws/echo", { message: (ws) => ws.send("y".repeat(16)) }),
    async ({ port }) => {
      const result = await runClient(port);
      assert.equal(result.messages, 0);
      assert.ok(result.unexpected > 0, "wrong answers counted");
    },
  );
});
