import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, runWorkers } from "../../src/index.js";
import { startLoad } from "./load.js";
import { fixture, type RunningCli, startScript } from "./spawn-cli.js";

/** Worker processes on one shared socket: reloads, crashes, hangs, retirement and readiness. */

async function until(what: string, condition: () => boolean | Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function pool(options: object): Promise<RunningCli & { port: number }> {
  const running = await startScript(fixture("pool-app.js"), [], {
    POOL_OPTIONS: JSON.stringify(options),
  });
  return { ...running, port: Number(new URL(running.url).port) };
}

async function text(url: string): Promise<{ status: number; body: string }> {
  const response = await fetch(url, { headers: { connection: "close" } });
  return { status: response.status, body: await response.text() };
}

function count(haystack: string, needle: RegExp): number {
  return haystack.match(new RegExp(needle, "g"))?.length ?? 0;
}

describe("worker pool", { timeout: 90_000 }, () => {
  it("SIGHUP reloads three times under load without one failed request", async () => {
    const running = await pool({ workers: 2 });
    try {
      const load = startLoad(running.port, 8);
      await until("first answers", () => load.result.ok > 20);
      for (let reload = 1; reload <= 3; reload++) {
        running.child.kill("SIGHUP");
        await until(
          `reload ${reload}`,
          () => count(running.stderr(), /reload complete/) === reload,
        );
      }
      const before = load.result.ok;
      await until("answers after the last reload", () => load.result.ok > before + 20);
      const result = await load.stop();
      assert.deepEqual(result.failed, []);
      assert.deepEqual(result.errors, []);
      // Two workers at first, two more per reload: every generation answered.
      assert.ok(result.bodies.size >= 4, `pids: ${[...result.bodies].join(", ")}`);
    } finally {
      assert.equal(await running.stop(), 0, running.stderr());
    }
  });

  it("a crashed worker is restarted; a hung one is replaced by the watchdog", async () => {
    const running = await pool({ workers: 1, watchdog: { interval: 50, timeout: 500 } });
    try {
      const first = (await text(`${running.url}/pid`)).body;
      process.kill(Number(first), "SIGKILL");
      await until("a restarted worker", async () => {
        const answer = await text(`${running.url}/pid`).catch(() => undefined);
        return answer !== undefined && answer.body !== first;
      });
      assert.match(running.stderr(), new RegExp(`worker ${first} exited \\(SIGKILL\\)`));
      const second = (await text(`${running.url}/pid`)).body;
      // The request that hangs the loop is never answered; the watchdog kills its worker.
      await fetch(`${running.url}/block`).catch(() => undefined);
      await until("a replacement for the hung worker", async () => {
        const answer = await text(`${running.url}/pid`).catch(() => undefined);
        return answer !== undefined && answer.body !== second;
      });
      assert.match(
        running.stderr(),
        new RegExp(`worker ${second} did not answer for 500 ms; replacing it`),
      );
    } finally {
      await running.stop();
    }
  });

  it("maxRequests retires a worker once its replacement is ready, without failures", async () => {
    const running = await pool({
      workers: 1,
      maxRequests: 30,
      maxRequestsJitter: 0,
      watchdog: { interval: 20 },
    });
    try {
      const load = startLoad(running.port, 4);
      await until("a retirement", () => /reached maxRequests/.test(running.stderr()));
      await until("answers from the replacement", () => load.result.bodies.size >= 2);
      const result = await load.stop();
      assert.deepEqual([result.failed, result.errors], [[], []]);
    } finally {
      await running.stop();
    }
  });

  it("readiness turns 503 as soon as a drain begins, while requests are still served", async () => {
    const running = await pool({ workers: 1, drainDelay: 60_000, shutdownTimeout: 1_000 });
    try {
      assert.deepEqual(await text(`${running.url}/readyz`), { status: 200, body: "ready" });
      assert.deepEqual(await text(`${running.url}/livez`), { status: 200, body: "ok" });
      running.child.kill("SIGTERM");
      await until(
        "readiness 503",
        async () => (await text(`${running.url}/readyz`)).status === 503,
      );
      assert.equal((await text(`${running.url}/pid`)).status, 200);
      assert.equal((await text(`${running.url}/livez`)).status, 200);
    } finally {
      running.child.kill("SIGKILL");
      await running.stop();
    }
  });

  it("reusePort is refused below Node 22.12 with a message that says why", async () => {
    const major = Number(process.versions.node.split(".")[0]);
    const minor = Number(process.versions.node.split(".")[1]);
    if (major > 22 || (major === 22 && minor >= 12)) return;
    await assert.rejects(
      runWorkers({ reusePort: true, start: () => ({ close: async () => {} }) }),
      (error: Error) =>
        error instanceof ConfigError && /'reusePort' needs Node 22\.12/.test(error.message),
    );
  });
});
