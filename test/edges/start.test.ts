import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseStart } from "../../src/edges/start.js";
import { fixture, runCli, startCli } from "./spawn-cli.js";

const manifest = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../package.json", import.meta.url)), "utf8"),
) as { version: string };

/** The error output must be one line that says what to do: no stack trace. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
  return lines[0]!;
}

describe("slow-serv start", { timeout: 60_000 }, () => {
  it("--version prints the package's version", async () => {
    const { code, stdout } = await runCli(["--version"]);
    assert.equal(code, 0);
    assert.equal(stdout, `${manifest.version}\n`);
  });

  it("runs a module whose default export is a Server and prints the bound address", async () => {
    const running = await startCli(["start", fixture("start-app.js"), "--port", "0"]);
    try {
      assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${running.url}/`);
      assert.equal(await response.text(), "hello from start");
    } finally {
      assert.equal(await running.stop(), 0);
    }
  });

  it("runs a module whose default export is a fetch handler, on slow-serv's engine", async () => {
    const running = await startCli(["start", fixture("start-fetch.js"), "--port", "0"]);
    try {
      const response = await fetch(`${running.url}/anything`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), "fetch /anything");
    } finally {
      assert.equal(await running.stop(), 0);
    }
  });

  it("runs a factory's Server, honours PORT/HOST, and writes text access lines", async () => {
    const running = await startCli(["start", fixture("start-factory.js"), "--access-log", "text"], {
      PORT: "0",
      HOST: "127.0.0.1",
    });
    try {
      assert.equal(await (await fetch(`${running.url}/`)).text(), "made by a factory");
      const deadline = Date.now() + 5_000;
      while (
        !/GET \/ 200 17 B [\d.]+ ms 127\.0\.0\.1 /.test(running.stdout()) &&
        Date.now() < deadline
      ) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.match(running.stdout(), /GET \/ 200 17 B [\d.]+ ms 127\.0\.0\.1 /);
    } finally {
      await running.stop();
    }
  });

  it("every mistake is one line that says what to do, exit code 1", async () => {
    const cases: Array<[string[], RegExp]> = [
      [["start", "nowhere.js"], /Cannot find nowhere\.js: give the path/],
      [
        ["start", fixture("start-nodefault.js")],
        /has no default export: end the module with `export default app`/,
      ],
      [
        ["start", fixture("start-app.js"), "--tls-cert", "/nope.pem", "--tls-key", "/nope.pem"],
        /Cannot read --tls-cert/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 1, stderr);
      assert.match(oneLine(stderr), pattern);
    }
  });

  it("a taken port is one line, with or without workers, and no restart storm", async () => {
    const blocker = createServer().listen(0, "127.0.0.1");
    await once(blocker, "listening");
    const { port } = blocker.address() as { port: number };
    try {
      const single = await runCli(["start", fixture("start-app.js"), "--port", String(port)]);
      assert.equal(single.code, 1);
      assert.match(
        oneLine(single.stderr),
        new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`),
      );
      const workers = await runCli([
        "start",
        fixture("start-app.js"),
        "--port",
        String(port),
        "--workers",
        "2",
      ]);
      assert.equal(workers.code, 1);
      assert.match(oneLine(workers.stderr), /is already in use/);
    } finally {
      blocker.close();
    }
  });

  it("bad arguments exit 2 with the usage", async () => {
    for (const [args, message] of [
      [["start"], /start needs the app module/],
      [["start", "a.js", "--port", "x"], /--port must be a number from 0 to 65535, got 'x'/],
      [["start", "a.js", "--workers", "0"], /--workers must be a whole number/],
      [["start", "a.js", "--tls-cert", "c.pem"], /needs both --tls-cert FILE and --tls-key FILE/],
      [["start", "a.js", "--access-log", "loud"], /--access-log must be text, json or off/],
    ] as Array<[string[], RegExp]>) {
      const { code, stdout } = await runCli(args);
      assert.equal(code, 2);
      assert.match(stdout, message);
    }
    assert.match(
      parseStart(["a.js"], { PORT: "abc" }) as string,
      /PORT must be a number from 0 to 65535, got 'abc'/,
    );
  });
});
