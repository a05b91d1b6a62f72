import assert from "node:assert/strict";
import { describe, test } from "node:test";
import WebSocket from "ws";
import { parseStart } from "../../src/edges/start.js";
import { fixture, type RunningCli, runCli, startCli } from "./spawn-cli.js";

/**
 * WebSockets under worker processes (`slow-serv start --workers 2`): echo on every worker,
 * a SIGHUP reload that closes the old workers' sockets with 1001 only once the new workers are
 * ready while new connections keep succeeding, SIGTERM closing them with 1001, and pub/sub
 * relayed across workers (`--relay-publish`).
 */

/** How long any one wait may take (forks are slow on a loaded machine). */
const LIMIT_MS = 30_000;

/** A `ws` client that queues what it receives; `pid` is the worker that accepted it. */
interface Client {
  readonly socket: WebSocket;
  readonly pid: number;
  /** The next message; rejects with a `ClosedBeforeMessage` if the socket closes first. */
  next(): Promise<string>;
  readonly closed: Promise<{ code: number; reason: string }>;
}

class ClosedBeforeMessage extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`closed (${code} ${reason}) before the message came`);
  }
}

function connect(url: string): Promise<Client> {
  const socket = new WebSocket(url);
  const queue: string[] = [];
  const waiters: Array<{ resolve(message: string): void; reject(error: Error): void }> = [];
  let closedWith: ClosedBeforeMessage | undefined;
  socket.on("message", (data) => {
    const text = String(data);
    const waiter = waiters.shift();
    if (waiter === undefined) queue.push(text);
    else waiter.resolve(text);
  });
  const next = (): Promise<string> => {
    const queued = queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (closedWith !== undefined) return Promise.reject(closedWith);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no message")), LIMIT_MS);
      waiters.push({
        resolve(message) {
          clearTimeout(timer);
          resolve(message);
        },
        reject(error) {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  };
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on("close", (code, reason) => {
      closedWith = new ClosedBeforeMessage(code, String(reason));
      for (const waiter of waiters.splice(0)) waiter.reject(closedWith);
      resolve({ code, reason: String(reason) });
    });
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.once("open", () => {
      next().then((hello) => {
        const pid = Number(/^hello (\d+)$/.exec(hello)?.[1]);
        resolve({ socket, pid, next, closed });
      }, reject);
    });
  });
}

/** Opens clients, a few at a time, until they are spread over at least two workers. */
async function spread(url: string): Promise<Client[]> {
  const clients: Client[] = [];
  for (let batch = 0; batch < 20; batch++) {
    clients.push(...(await Promise.all([1, 2, 3, 4].map(() => connect(url)))));
    if (new Set(clients.map((client) => client.pid)).size >= 2) return clients;
  }
  for (const client of clients) client.socket.terminate();
  assert.fail("80 connections all landed on one worker");
}

async function withWorkers(
  flags: readonly string[],
  body: (running: RunningCli, url: string) => Promise<void>,
): Promise<void> {
  const running = await startCli([
    "start",
    fixture("ws-app.js"),
    "--port",
    "0",
    "--workers",
    "2",
    ...flags,
  ]);
  try {
    await body(running, `${running.url.replace(/^http/, "ws")}/room/lobby`);
  } finally {
    await running.stop("SIGKILL");
  }
}

describe("WebSockets under worker processes", { timeout: 120_000 }, () => {
  test("connections land on more than one worker and echo works on each", async () => {
    await withWorkers([], async (_running, url) => {
      const clients = await spread(url);
      for (const [index, client] of clients.entries()) {
        client.socket.send(`echo ${index}`);
        assert.equal(await client.next(), `${client.pid} echo ${index}`);
      }
      for (const client of clients) client.socket.close(1000);
      for (const client of clients) assert.equal((await client.closed).code, 1000);
    });
  });

  test("SIGHUP: old workers' WebSockets get 1001 only once the new workers are ready; new connections keep working", async () => {
    await withWorkers([], async (running, url) => {
      const old = await spread(url);
      const oldPids = new Set(old.map((client) => client.pid));
      const ready = /new workers [\d, ]+ ready/;
      // Whether the primary had said the new workers were ready when each 1001 arrived. Its log
      // line is written before it tells the old workers to drain, so by the end of the poll
      // phase that delivered the close, the line has been read too (setImmediate runs after it).
      const readyAtClose: boolean[] = [];
      for (const client of old) {
        client.socket.once("close", () =>
          setImmediate(() => readyAtClose.push(ready.test(running.stderr()))),
        );
      }
      running.child.kill("SIGHUP");
      let probes = 0;
      let answered = 0;
      while (!running.stderr().includes("reload complete")) {
        const probe = await connect(url);
        probe.socket.send(`probe ${probes}`);
        try {
          assert.equal(await probe.next(), `${probe.pid} probe ${probes}`);
          answered++;
          probe.socket.close(1000);
          await probe.closed;
        } catch (error) {
          // An old worker shares the listening socket until it drains, so a probe it accepted
          // just before is one of its WebSockets and is closed like them. Nothing else may fail.
          if (!(error instanceof ClosedBeforeMessage)) throw error;
          assert.ok(
            oldPids.has(probe.pid),
            `new worker ${probe.pid} closed a probe: ${error.message}`,
          );
          assert.deepEqual([error.code, error.reason], [1001, "Server shutting down"]);
        }
        probes++;
        assert.ok(probes < 10_000, running.stderr());
      }
      assert.ok(answered > 0);
      for (const client of old) {
        assert.deepEqual(await client.closed, { code: 1001, reason: "Server shutting down" });
      }
      assert.deepEqual(
        readyAtClose,
        old.map(() => true),
        running.stderr(),
      );
      const after = await connect(url);
      assert.ok(!oldPids.has(after.pid), `${after.pid} is an old worker`);
      after.socket.send("after");
      assert.equal(await after.next(), `${after.pid} after`);
      after.socket.terminate();
    });
  });

  test("SIGTERM closes every worker's WebSockets with 1001 and exits 0", async () => {
    await withWorkers([], async (running, url) => {
      const clients = await spread(url);
      const code = running.stop("SIGTERM");
      for (const client of clients) assert.equal((await client.closed).code, 1001);
      assert.equal(await code, 0, running.stderr());
    });
  });

  test("--relay-publish: a publish reaches the room's subscribers on every worker, in order", async () => {
    await withWorkers(["--relay-publish"], async (_running, url) => {
      const clients = await spread(url);
      const [publisher, ...others] = clients as [Client, ...Client[]];
      assert.ok(others.some((client) => client.pid !== publisher.pid));
      const count = 50;
      for (let index = 0; index < count; index++) publisher.socket.send(`say ${index}`);
      for (const client of others) {
        for (let index = 0; index < count; index++) {
          assert.equal(await client.next(), `${publisher.pid}: ${index}`);
        }
      }
      // The publisher itself is excluded, as in one process: its next message is its echo.
      publisher.socket.send("echo");
      assert.equal(await publisher.next(), `${publisher.pid} echo`);
      for (const client of clients) client.socket.terminate();
    });
  });

  test("--relay-publish without --workers is a one-line mistake", async () => {
    assert.match(
      parseStart(["a.js", "--relay-publish"]) as string,
      /--relay-publish relays pub\/sub between workers: add --workers N/,
    );
    const { code, stdout } = await runCli(["start", fixture("ws-app.js"), "--relay-publish"]);
    assert.equal(code, 2);
    assert.match(stdout, /add --workers N/);
  });
});
