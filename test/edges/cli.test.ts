import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { main } from "../../src/edges/cli.js";

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

test("serve answers files from a folder and rejects bad arguments", async () => {
  const { mkdtemp, writeFile } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = await mkdtemp(join(tmpdir(), "slow-serv-cli-"));
  await writeFile(join(dir, "hello.txt"), "hello from disk");
  let output = "";
  const child = await import("node:child_process");
  const cli = fileURLToPath(new URL("../../src/edges/cli.js", import.meta.url));
  const server = child.spawn(process.execPath, [cli, "serve", dir, "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.setEncoding("utf8").on("data", (text: string) => {
        output += text;
        const match = /on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      server.once("exit", () => reject(new Error(`serve exited early: ${output}`)));
    });
    const response = await fetch(`${url}/hello.txt`);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), "hello from disk");
    assert.equal((await fetch(`${url}/../etc/passwd`)).status, 404);
  } finally {
    server.kill("SIGTERM");
  }
  let usage = "";
  assert.equal(await main(["serve", "--port", "99999"], (text) => (usage += text)), 2);
  assert.match(usage, /--port must be a number from 0 to 65535/);
});
