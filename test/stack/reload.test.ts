import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { haproxyConfig } from "./configs.js";
import { type Instance, startInstances, stopAll } from "./instances.js";
import {
  freePort,
  listening,
  missing,
  type ProxyProcess,
  removeDir,
  startHaproxy,
  tempDir,
  WRK,
} from "./proxies.js";

/** wrk through haproxy (100 connections) while instances reload, and while a worker dies. */

interface WrkResult {
  requests: number;
  non2xx: number;
  socketErrors: number;
  output: string;
}

function parseWrk(output: string): WrkResult {
  const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? Number.NaN);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = errors === null ? 0 : errors.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return { requests, non2xx, socketErrors, output };
}

/** Runs wrk until `during` has finished, then stops it (SIGINT: wrk prints its summary). */
async function underLoad(url: string, during: () => Promise<void>): Promise<WrkResult> {
  const wrk = spawn(WRK, ["-t2", "-c100", "-d120s", "--timeout", "10s", url], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  wrk.stdout.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const exited = once(wrk, "exit");
  try {
    await during();
  } finally {
    wrk.kill("SIGINT");
    await exited;
  }
  return parseWrk(output);
}

async function until(what: string, condition: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const count = (text: string, pattern: RegExp): number =>
  text.match(new RegExp(pattern, "g"))?.length ?? 0;

const skip = missing("/usr/sbin/haproxy", WRK);

describe("reloads and crashes under load through haproxy", { skip, timeout: 120_000 }, () => {
  it("ten reloads in a row: zero non-2xx, zero socket errors; a SIGKILLed worker costs at most its in-flight requests", async () => {
    const dir = tempDir();
    let instances: Instance[] = [];
    let haproxy: ProxyProcess | undefined;
    try {
      instances = await startInstances(2, [
        "--workers",
        "2",
        "--proxy-protocol",
        "loopback",
        "--health",
      ]);
      const port = await freePort();
      haproxy = startHaproxy(
        dir,
        haproxyConfig(
          port,
          instances.map((instance) => instance.port),
          undefined,
        ),
      );
      await listening(port);
      const url = `http://127.0.0.1:${port}/pid`;

      const reloads = await underLoad(url, async () => {
        for (let reload = 0; reload < 10; reload++) {
          const instance = instances[reload % 2]!;
          const done = count(instance.stderr(), /reload complete/);
          instance.child.kill("SIGHUP");
          await until(
            `reload ${reload + 1}`,
            () => count(instance.stderr(), /reload complete/) > done,
          );
        }
      });
      assert.ok(reloads.requests > 0, reloads.output);
      assert.equal(reloads.non2xx, 0, reloads.output);
      assert.equal(reloads.socketErrors, 0, reloads.output);
      assert.doesNotMatch(instances.map((i) => i.stderr()).join(""), /reload failed/);

      const primary = instances[0]!;
      const workersOf = (): number[] =>
        execFileSync("pgrep", ["-P", String(primary.child.pid)], { encoding: "utf8" })
          .split("\n")
          .filter((line) => line !== "")
          .map(Number);
      const crash = await underLoad(url, async () => {
        const [victim] = workersOf();
        process.kill(victim!, "SIGKILL");
        await until("the crash to be seen", () =>
          primary.stderr().includes(`worker ${victim} exited (SIGKILL)`),
        );
        // Two workers again, the victim not among them (the other one alone would not do).
        await until("the replacement", () => {
          const workers = workersOf();
          return workers.length === 2 && !workers.includes(victim!);
        });
        // Load goes on through the replacement (and the other instance) for a moment.
        const before = count(primary.stderr(), /exited/);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        assert.equal(count(primary.stderr(), /exited/), before);
      });
      // Each of wrk's 100 connections has at most one request in flight.
      assert.ok(crash.non2xx + crash.socketErrors <= 100, crash.output);
      assert.ok(crash.requests > crash.non2xx, crash.output);
    } finally {
      await haproxy?.stop();
      await stopAll(instances);
      removeDir(dir);
    }
  });
});
