import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, constants, openSync } from "node:fs";
import {
  chmod,
  type FileHandle,
  mkdtemp,
  open,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { createServer, type Server as NetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Server } from "../../src/app/server.js";
import { sendFile, serveStatic } from "../../src/app/static.js";

/**
 * sendFile and the file opening that serveStatic shares with it, at their edges, in memory
 * through `app.inject`: names that are not readable regular files (a socket, a FIFO, a symlink
 * loop, a path through a file, a name too long, a file without read permission) are 404s, never
 * 500s or a hang; sendFile's defaults; and a stat that fails after the open closes the handle
 * (docs/mutation/router-static.md).
 */

const POSIX = process.platform !== "win32";

describe("sendFile and serveStatic: names that are not readable regular files", {
  skip: !POSIX,
}, () => {
  let root: string;
  let app: Server;
  let socketServer: NetServer;
  const errors: unknown[] = [];
  const fifo = () => join(root, "pipe");

  before(async () => {
    root = await realpath(await mkdtemp(join(tmpdir(), "slow-serv-send-edges-")));
    await writeFile(join(root, "hello.txt"), "hello");
    await writeFile(join(root, "data.unknownext"), "bytes");
    await symlink("loop", join(root, "loop"));
    execFileSync("mkfifo", [fifo()]);
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(root, "app.sock"), resolve));

    app = new Server({
      logger: {
        info: () => {},
        warn: () => {},
        error: (_message, fields) => errors.push(fields?.error),
      },
    });
    app.get("/s/*path", serveStatic(root));
    app.get("/follow/*path", serveStatic(root, { followSymlinks: true }));
    const files: Record<string, string> = {
      socket: join(root, "app.sock"),
      fifo: fifo(),
      loop: join(root, "loop"),
      "through-a-file": join(root, "hello.txt", "x"),
      "too-long": join(root, "a".repeat(300)),
      unreadable: join(root, "unreadable.txt"),
      unknown: join(root, "data.unknownext"),
    };
    for (const [name, path] of Object.entries(files)) {
      app.get(`/send/${name}`, (request, response) => sendFile(request, response, path));
    }
    // A trusted path with a NUL: open() fails with an error that is not "no such file".
    app.get("/send/invalid", (request, response) => sendFile(request, response, `${root}/a\0b`));
    app.get("/no-cache-control", (request, response) =>
      sendFile(request, response, join(root, "hello.txt"), { cacheControl: false }),
    );
  });
  after(async () => {
    // A reader that (wrongly) blocked in open() on the FIFO is released by a writer.
    try {
      closeSync(openSync(fifo(), constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {}
    await new Promise((resolve) => socketServer.close(resolve));
    await rm(root, { recursive: true, force: true });
  });

  const get = (url: string) => app.inject({ url, headers: { accept: "text/plain" } });

  it("a Unix socket is a 404 (open(2) refuses it with ENXIO)", async () => {
    assert.equal((await get("/s/app.sock")).status, 404);
    assert.equal((await get("/send/socket")).status, 404);
  });

  it("a FIFO is a 404 at once: opening it does not wait for a writer", {
    timeout: 10_000,
  }, async () => {
    assert.equal((await get("/s/pipe")).status, 404);
    assert.equal((await get("/send/fifo")).status, 404);
  });

  it("a symlink loop, a path through a file and a name too long are 404s", async () => {
    for (const name of ["loop", "through-a-file", "too-long"]) {
      assert.equal((await get(`/send/${name}`)).status, 404, name);
    }
    // followSymlinks skips the realpath check, so the open itself meets each error.
    for (const path of ["loop", "hello.txt/x", "a".repeat(300)]) {
      assert.equal((await get(`/follow/${path}`)).status, 404, path);
    }
  });

  it("sendFile's 404 says the file was not found", async () => {
    const response = await get("/send/loop");
    assert.equal(response.status, 404);
    assert.equal(response.text(), "404 Not Found: File not found\n");
  });

  it("an open that fails for another reason is a 500 with that error, not a 404", async () => {
    errors.length = 0;
    const response = await get("/send/invalid");
    assert.equal(response.status, 500);
    assert.equal((errors[0] as { code?: string } | undefined)?.code, "ERR_INVALID_ARG_VALUE");
  });

  it("412 and 416 answer with their reason phrase", async () => {
    const failed = await app.inject({
      url: "/send/unknown",
      headers: { accept: "text/plain", "if-match": '"other"' },
    });
    assert.equal(failed.status, 412);
    assert.equal(failed.text(), "412 Precondition Failed\n");
    const unsatisfiable = await app.inject({
      url: "/send/unknown",
      headers: { accept: "text/plain", range: "bytes=99-" },
    });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers.get("content-range"), "bytes */5");
    assert.equal(unsatisfiable.text(), "416 Range Not Satisfiable\n");
  });

  it("a file without read permission is a 404", {
    skip: process.getuid?.() === 0 ? "root reads every file" : false,
  }, async () => {
    await writeFile(join(root, "unreadable.txt"), "secret");
    await chmod(join(root, "unreadable.txt"), 0o000);
    assert.equal((await get("/send/unreadable")).status, 404);
  });

  it("defaults: the type from the name, else octet-stream; revalidating Cache-Control", async () => {
    const unknown = await get("/send/unknown");
    assert.equal(unknown.status, 200);
    assert.equal(unknown.headers.get("content-type"), "application/octet-stream");
    assert.equal(unknown.headers.get("cache-control"), "public, max-age=0");
    assert.equal(unknown.headers.get("content-disposition"), null);
    assert.equal(unknown.text(), "bytes");
    const bare = await get("/no-cache-control");
    assert.equal(bare.status, 200);
    assert.equal(bare.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(bare.headers.get("cache-control"), null);
  });
});

describe("sendFile: a stat that fails after the open", () => {
  it("answers 500 and closes the handle", async (t) => {
    const root = await mkdtemp(join(tmpdir(), "slow-serv-send-stat-"));
    try {
      await writeFile(join(root, "hello.txt"), "hello");
      const probe = await open(join(root, "hello.txt"));
      const prototype = Object.getPrototypeOf(probe) as FileHandle;
      await probe.close();
      const handles: FileHandle[] = [];
      const closed = new Set<FileHandle>();
      t.mock.method(prototype, "stat", function (this: FileHandle) {
        const realClose = this.close;
        this.close = () => {
          closed.add(this);
          return Reflect.apply(realClose, this, []);
        };
        handles.push(this);
        return Promise.reject(Object.assign(new Error("EIO: i/o error, fstat"), { code: "EIO" }));
      });
      const errors: unknown[] = [];
      const app = new Server({
        logger: {
          info: () => {},
          warn: () => {},
          error: (_message, fields) => errors.push(fields?.error),
        },
      });
      app.get("/file", (request, response) => sendFile(request, response, join(root, "hello.txt")));
      const response = await app.inject({ url: "/file" });
      assert.equal(response.status, 500);
      assert.equal((errors[0] as { code?: string } | undefined)?.code, "EIO");
      assert.equal(handles.length, 1);
      assert.ok(closed.has(handles[0]!), "the handle was left open");
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
