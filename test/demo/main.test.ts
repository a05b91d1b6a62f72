import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { DEV_KEY_FILE, loadSessionKeys } from "../../examples/demo/dev-key.js";
import { generateKey } from "../../src/session/keys.js";

const MAIN = fileURLToPath(new URL("../../examples/demo/main.js", import.meta.url));

function startMain(env: Record<string, string>): {
  child: ChildProcess;
  output: () => string;
  line: (pattern: RegExp) => Promise<RegExpExecArray>;
} {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    text += chunk.toString();
    for (const wake of waiters.splice(0)) wake();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  child.on("exit", () => {
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    child,
    output: () => text,
    async line(pattern) {
      // Bounded: a line that never comes fails this test instead of hanging the file.
      const deadline = Date.now() + 15_000;
      for (;;) {
        const match = pattern.exec(text);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`main.js exited early:\n${text}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`main.js never printed ${pattern}:\n${text}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

describe("demo: main.js", () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slow-serv-main-"));
  });
  after(() => rm(dataDir, { recursive: true, force: true }));

  it("listens, logs each request, and closes gracefully on SIGTERM", async () => {
    const main = startMain({
      SESSION_KEY: generateKey(),
      NODE_ENV: "production",
      PORT: "0",
      DATA_DIR: dataDir,
    });
    try {
      const [, url] = await main.line(/slow-serv demo listening on (http:\/\/127\.0\.0\.1:\d+)/);
      assert.ok(main.output().includes("Session key from SESSION_KEY"));
      const response = await fetch(`${url}/`);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
      await main.line(/"message":"request","method":"GET","path":"\/","status":200/);
      const exited = once(main.child, "exit");
      main.child.kill("SIGTERM");
      const [code] = await exited;
      assert.equal(code, 0, main.output());
      assert.ok(main.output().includes("Received SIGTERM: closing gracefully"));
    } finally {
      if (main.child.exitCode === null && main.child.signalCode === null) {
        main.child.kill("SIGKILL");
      }
    }
  });

  it("refuses to start in production without SESSION_KEY, saying how to fix it", async () => {
    const main = startMain({ NODE_ENV: "production", PORT: "0", DATA_DIR: dataDir });
    const [code] = await once(main.child, "exit");
    assert.notEqual(code, 0);
    assert.match(main.output(), /SESSION_KEY is not set\. Generate one with `npm run keygen`/);
    assert.doesNotMatch(main.output(), /\n\s+at /, "a message, not a stack trace");
  });

  it("explains a port already in use instead of printing a stack trace", async () => {
    const { createServer } = await import("node:net");
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = blocker.address() as { port: number };
      const main = startMain({ SESSION_KEY: generateKey(), PORT: String(port), DATA_DIR: dataDir });
      const [code] = await once(main.child, "exit");
      assert.notEqual(code, 0);
      assert.match(main.output(), new RegExp(`Cannot start the demo: Port ${port} .* in use`));
      assert.match(main.output(), /choose another port/);
      assert.doesNotMatch(main.output(), /\n\s+at /, "a message, not a stack trace");
    } finally {
      blocker.close();
    }
  });

  it("names a PORT that is not a number instead of passing NaN on", async () => {
    const main = startMain({ SESSION_KEY: generateKey(), PORT: "abc", DATA_DIR: dataDir });
    const [code] = await once(main.child, "exit");
    assert.notEqual(code, 0);
    assert.match(main.output(), /Cannot start the demo: PORT="abc" is not a port number/);
    assert.doesNotMatch(main.output(), /NaN|\n\s+at /);
  });

  it("refuses a short SESSION_KEY at start-up", async () => {
    const main = startMain({ SESSION_KEY: "hunter2", PORT: "0", DATA_DIR: dataDir });
    const [code] = await once(main.child, "exit");
    assert.notEqual(code, 0);
    assert.match(main.output(), /Cannot start the demo: .*keygen/);
    assert.doesNotMatch(main.output(), /\n\s+at /, "a message, not a stack trace");
  });
});

describe("demo: development session key", () => {
  it("is generated once into a private file and reused after that", async () => {
    const keyDir = await mkdtemp(join(tmpdir(), "slow-serv-key-"));
    try {
      const first = loadSessionKeys({ env: {}, development: true, keyDir });
      assert.match(first.source, /generated now/);
      assert.match(first.keys[0]!, /^base64url:[A-Za-z0-9_-]{43}$/);
      const path = join(keyDir, DEV_KEY_FILE);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      const second = loadSessionKeys({ env: {}, development: true, keyDir });
      assert.deepEqual(second.keys, first.keys);
      assert.doesNotMatch(second.source, /generated now/);
      assert.equal((await readFile(path, "utf8")).trim(), first.keys[0]);
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });

  it("prefers SESSION_KEY, split for rotation, and never writes a file then", async () => {
    const keyDir = await mkdtemp(join(tmpdir(), "slow-serv-key-"));
    try {
      const [a, b] = [generateKey(), generateKey()];
      const loaded = loadSessionKeys({
        env: { SESSION_KEY: ` ${a} , ${b} ` },
        development: true,
        keyDir,
      });
      assert.deepEqual(loaded.keys, [a, b]);
      assert.equal(loaded.source, "SESSION_KEY");
      await assert.rejects(stat(join(keyDir, DEV_KEY_FILE)), { code: "ENOENT" });
    } finally {
      await rm(keyDir, { recursive: true, force: true });
    }
  });
});
