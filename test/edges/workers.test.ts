import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

/** How long any one wait on the cluster may take (forks are slow on a loaded machine). */
const LIMIT_MS = 60_000;
const SCRIPT = fileURLToPath(new URL("./fixtures/cluster-app.js", import.meta.url));

/** The cluster fixture in a child process, with its stderr lines collected as they come. */
class Cluster {
  readonly child: ChildProcess;
  log = "";
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  readonly #waiters = new Set<() => void>();

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    this.exited = once(this.child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.log += text;
      for (const waiter of [...this.#waiters]) waiter();
    });
    this.child.once("exit", () => {
      for (const waiter of [...this.#waiters]) waiter();
    });
  }

  /** All matches of `pattern` in the log once there are at least `count` of them. */
  async lines(pattern: RegExp, count: number): Promise<RegExpMatchArray[]> {
    const matches = (): RegExpMatchArray[] => [...this.log.matchAll(new RegExp(pattern, "gm"))];
    // Bounded, so a failing test still reaches its finally and kills the cluster.
    const deadline = Date.now() + LIMIT_MS;
    while (matches().length < count) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        assert.fail(`exited before ${count}× ${pattern}:\n${this.log}`);
      }
      if (Date.now() >= deadline) assert.fail(`no ${count}× ${pattern} in:\n${this.log}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, deadline - Date.now());
        const waiters = this.#waiters;
        function wake(): void {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        }
        waiters.add(wake);
      });
    }
    return matches();
  }

  /** The primary's exit code and signal; fails (rather than hangs) if it does not exit. */
  async exit(): Promise<[number | null, NodeJS.Signals | null]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`did not exit:\n${this.log}`)), LIMIT_MS);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The port the workers listen on (they report it; node:cluster gives all of them the same). */
  async port(): Promise<number> {
    const [first] = await this.lines(/^listening (\d+) (\d+)$/, 1);
    return Number(first![1]);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}

async function withCluster(
  env: Record<string, string>,
  fn: (cluster: Cluster) => Promise<void>,
): Promise<void> {
  const cluster = new Cluster(env);
  try {
    await fn(cluster);
  } finally {
    cluster.kill();
  }
}

describe("runWorkers", { timeout: 150_000, concurrency: true }, () => {
  test("workers share one port, answer from several processes and shut down gracefully", async () => {
    await withCluster({}, async (cluster) => {
      const started = await cluster.lines(/^listening (\d+) (\d+)$/, 2);
      const port = Number(started[0]![1]);
      assert.equal(Number(started[1]![1]), port, "both workers listen on the same port");
      const workerPids = new Set(started.map((match) => match[2]));
      assert.equal(workerPids.size, 2);
      // Connections are handed out round-robin: fresh connections reach both workers.
      const pids = new Set<string>();
      for (let attempt = 0; attempt < 20 && pids.size < 2; attempt++) {
        const response = await fetch(`http://127.0.0.1:${port}/pid`, {
          headers: { connection: "close" },
        });
        pids.add(await response.text());
      }
      assert.deepEqual(pids, workerPids);
      assert.ok(!pids.has(String(cluster.child.pid)), "the primary must not serve requests");
      cluster.child.kill("SIGTERM");
      const [code] = await cluster.exit();
      assert.equal(code, 0, cluster.log);
      assert.match(cluster.log, /started 2 workers/);
      assert.match(cluster.log, /SIGTERM: shutting down workers gracefully/);
      assert.equal(cluster.log.match(/^exit 0 null$/gm)?.length, 2, cluster.log);
    });
  });

  test("a crashed worker is replaced (respawn defaults to true)", async () => {
    await withCluster({}, async (cluster) => {
      const port = await cluster.port();
      await cluster.lines(/^listening /, 2);
      await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);
      await cluster.lines(/^exit 4 null$/, 1);
      const started = await cluster.lines(/^listening /, 3);
      assert.equal(started.length, 3, cluster.log);
      assert.match(cluster.log, /worker \d+ exited \(code 4\)/);
    });
  });

  test("respawn: false leaves a crashed worker dead; the last one gone, the primary exits 1", async () => {
    await withCluster(
      { WORKER_OPTIONS: JSON.stringify({ workers: 1, respawn: false }) },
      async (cluster) => {
        const port = await cluster.port();
        await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);
        const [code] = await cluster.exit();
        assert.equal(code, 1, cluster.log);
        assert.equal(cluster.log.match(/^listening /gm)?.length, 1, cluster.log);
        assert.match(cluster.log, /too many worker crashes; giving up/);
      },
    );
  });

  /** Crashes the serving worker through GET /crash and waits for its replacement, `times` times. */
  async function crashServingWorker(cluster: Cluster, times: number): Promise<void> {
    for (let crash = 1; crash <= times; crash++) {
      // The replacement may listen on another port (the fixture asks for port 0).
      const started = await cluster.lines(/^listening (\d+) (\d+)$/, crash);
      const port = Number(started[crash - 1]![1]);
      await fetch(`http://127.0.0.1:${port}/crash`).catch(() => undefined);
      await cluster.lines(/^exit 4 null$/, crash);
    }
  }

  test("maxCrashes: that many crashes are restarted, one more and the primary gives up", async () => {
    for (const [maxCrashes, survives] of [
      [2, true],
      [1, false],
    ] as const) {
      const env = { WORKER_OPTIONS: JSON.stringify({ workers: 1, maxCrashes }) };
      await withCluster(env, async (cluster) => {
        await crashServingWorker(cluster, 2);
        if (survives) {
          // Two crashes, each restarted: the third worker serves.
          await cluster.lines(/^listening /, 3);
          cluster.child.kill("SIGTERM");
          assert.equal((await cluster.exit())[0], 0, cluster.log);
        } else {
          const [code] = await cluster.exit();
          assert.equal(code, 1, cluster.log);
          assert.equal(cluster.log.match(/^listening /gm)?.length, 2, cluster.log);
          assert.match(cluster.log, /too many worker crashes; giving up/);
        }
      });
    }
  });

  test("crashWindowMs: crashes older than the window no longer count", async () => {
    // The give-up case of the maxCrashes test (two crashes, maxCrashes 1, the default one-minute
    // window) again with a window of 1 ms: the first crash has left it by the time of the second
    // (a restart takes far longer), so both are restarted and the third worker serves.
    const env = { WORKER_OPTIONS: JSON.stringify({ workers: 1, maxCrashes: 1, crashWindowMs: 1 }) };
    await withCluster(env, async (cluster) => {
      await crashServingWorker(cluster, 2);
      await cluster.lines(/^listening /, 3);
      assert.doesNotMatch(cluster.log, /giving up/);
    });
  });

  test("shutdownTimeout: a worker whose close() never finishes is killed after it", async () => {
    const env = {
      WORKER_OPTIONS: JSON.stringify({ workers: 1, shutdownTimeout: 200 }),
      HANG_ON_CLOSE: "1",
    };
    // 10 s after SIGTERM is fifty times the 200 ms asked for; the default would wait 15 s.
    await withCluster(env, async (cluster) => {
      await cluster.port();
      cluster.child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), 10_000);
      });
      const exit = await Promise.race([cluster.exited, late]);
      clearTimeout(timer);
      assert.notEqual(exit, "late", `not killed 10 s after SIGTERM:\n${cluster.log}`);
      assert.equal((exit as [number | null, unknown])[0], 0, cluster.log);
      assert.match(cluster.log, /^exit null SIGKILL$/m);
    });
  });
});
