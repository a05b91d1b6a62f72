import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import test from "node:test";
import { fileURLToPath } from "node:url";

async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

test("workers share one port, answer from several processes and shut down gracefully", async () => {
  const port = await freePort();
  const script = fileURLToPath(new URL("./fixtures/cluster-app.js", import.meta.url));
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: String(port) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    log += text;
  });
  const exited = once(child, "exit");
  try {
    const pids = new Set<string>();
    const deadline = Date.now() + 15_000;
    // Workers start independently; keep asking (fresh connections) until both have answered.
    while (pids.size < 2 && Date.now() < deadline) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/pid`, {
          headers: { connection: "close" },
        });
        pids.add(await response.text());
      } catch {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    assert.equal(
      pids.size,
      2,
      `expected answers from 2 workers, got ${[...pids].join(", ")}\n${log}`,
    );
    assert.ok(![...pids].includes(String(child.pid)), "the primary must not serve requests");
  } finally {
    child.kill("SIGTERM");
  }
  const [code] = await exited;
  assert.equal(code, 0, log);
  assert.match(log, /started 2 workers/);
  assert.match(log, /SIGTERM: shutting down workers gracefully/);
});
