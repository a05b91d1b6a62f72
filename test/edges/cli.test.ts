import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { gunzipSync } from "node:zlib";
import { main } from "../../src/edges/cli.js";
import { type ParsedResponse, RawClient } from "../wire/client.js";

test("keygen prints a base64url key of 32 random bytes, different each time", async () => {
  const keys: string[] = [];
  for (let run = 0; run < 2; run++) {
    let output = "";
    assert.equal(await main(["keygen"], (text) => (output += text)), 0);
    const match = /^base64url:([A-Za-z0-9_-]{43})\n$/.exec(output);
    assert.ok(match, output);
    assert.equal(Buffer.from(match[1]!, "base64url").length, 32);
    keys.push(output);
  }
  assert.notEqual(keys[0], keys[1]);
});

test("an unknown command exits 2 with the usage", async () => {
  let output = "";
  assert.equal(await main(["serve-everything"], (text) => (output += text)), 2);
  assert.match(output, /Unknown command 'serve-everything'/);
  assert.match(output, /slow-serv keygen/);
});

test("the compiled CLI runs as a program", async () => {
  const cli = fileURLToPath(new URL("../../src/edges/cli.js", import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, [cli, "keygen"]);
  assert.match(stdout, /^base64url:[A-Za-z0-9_-]{43}\n$/);
});

/** `slow-serv serve` in a child process on a fresh temporary folder; both cleaned up after `fn`. */
async function withServe(
  extraArgs: readonly string[],
  fn: (served: {
    url: string;
    port: number;
    untilOutput: (text: string) => Promise<string>;
  }) => Promise<void>,
): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "slow-serv-cli-"));
  const cli = fileURLToPath(new URL("../../src/edges/cli.js", import.meta.url));
  let output = "";
  let server: ChildProcess | undefined;
  try {
    await writeFile(join(dir, "hello.txt"), "hello from disk");
    await writeFile(join(dir, "big.txt"), "compress me, please. ".repeat(200));
    server = spawn(process.execPath, [cli, "serve", dir, "--port", "0", ...extraArgs], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const child = server;
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout!.setEncoding("utf8").on("data", (text: string) => {
        output += text;
        const match = /on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once("exit", () => reject(new Error(`serve exited early: ${output}`)));
    });
    /** Resolves with the first output line containing `text`, as soon as it is printed. */
    const untilOutput = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${text} in: ${output}`)), 10_000);
        const check = (): void => {
          const line = output.split("\n").find((candidate) => candidate.includes(text));
          if (line === undefined) return;
          clearTimeout(timer);
          child.stdout!.off("data", check);
          resolve(line);
        };
        child.stdout!.on("data", check);
        child.once("exit", () => reject(new Error(`serve exited before printing ${text}`)));
        check();
      });
    await fn({ url, port: Number(new URL(url).port), untilOutput });
  } finally {
    if (server !== undefined && server.exitCode === null && server.signalCode === null) {
      const exited = once(server, "exit");
      server.kill("SIGTERM");
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  }
}

async function rawGet(port: number, target: string, host = "127.0.0.1"): Promise<ParsedResponse> {
  const client = await RawClient.connect(port, { host });
  try {
    client.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    return await client.response();
  } finally {
    client.destroy();
  }
}

test("serve answers files from a folder, and never from outside it", async () => {
  await withServe([], async ({ url, port }) => {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+/, "127.0.0.1 by default");
    const response = await fetch(`${url}/hello.txt`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "hello from disk");
    // Raw targets: fetch() would remove the dot segments before sending them.
    for (const target of ["/../etc/passwd", "/%2e%2e/etc/passwd", "/..%2fetc%2fpasswd"]) {
      const escaped = await rawGet(port, target);
      assert.ok(escaped.status === 400 || escaped.status === 404, `${target}: ${escaped.status}`);
      assert.ok(!escaped.body.toString().includes("root:"), target);
    }
  });
});

test("serve --host listens on the interface given", async () => {
  await withServe(["--host", "127.0.0.2"], async ({ url, port }) => {
    assert.match(url, /^http:\/\/127\.0\.0\.2:\d+/);
    assert.equal((await rawGet(port, "/hello.txt", "127.0.0.2")).status, 200);
    await assert.rejects(RawClient.connect(port, { host: "127.0.0.1" }), /ECONNREFUSED/);
  });
});

test("serve compresses and writes the access log", async () => {
  await withServe([], async ({ port, untilOutput }) => {
    const client = await RawClient.connect(port);
    try {
      client.write(
        "GET /big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nX-Request-Id: cli-1\r\n\r\n",
      );
      const response = await client.response();
      assert.equal(response.headers["content-encoding"], "gzip");
      assert.equal(gunzipSync(response.body).toString(), "compress me, please. ".repeat(200));
    } finally {
      client.destroy();
    }
    const entry = JSON.parse(await untilOutput('"requestId":"cli-1"')) as Record<string, unknown>;
    assert.equal(entry.message, "request");
    assert.equal(entry.path, "/big.txt");
    assert.equal(entry.status, 200);
  });
});

test("serve rejects bad arguments with the usage", async () => {
  let usage = "";
  assert.equal(await main(["serve", "--port", "99999"], (text) => (usage += text)), 2);
  assert.match(usage, /--port must be a number from 0 to 65535/);
});
