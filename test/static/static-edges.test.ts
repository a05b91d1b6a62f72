import assert from "node:assert/strict";
import { readlinkSync } from "node:fs";
import {
  type FileHandle,
  mkdir,
  mkdtemp,
  open,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Server } from "../../src/app/server.js";
import { serveStatic } from "../../src/app/static.js";

/**
 * What serveStatic answers at its edges, in memory through `app.inject`: prefix routes asked for
 * a path outside their prefix, the exact bodies of its redirect and error answers, names that
 * are special only on Windows, a missing file under `followSymlinks`, and the file handles it
 * must close when opening a precompressed variant fails (docs/mutation/router-static.md).
 */

interface LogEntry {
  message: string;
  error: unknown;
}

describe("serveStatic edges", () => {
  let root: string;
  let app: Server;
  const errors: LogEntry[] = [];
  const get = (url: string, headers: Record<string, string> = {}, method = "GET") =>
    app.inject({ method, url, headers: { accept: "text/plain", ...headers } });

  before(async () => {
    // The real path: the descriptors' paths below are compared with it.
    root = await realpath(await mkdtemp(join(tmpdir(), "slow-serv-static-edges-")));
    await mkdir(join(root, "docs"));
    await mkdir(join(root, "assets"));
    await writeFile(join(root, "index.html"), "home");
    await writeFile(join(root, "hello.txt"), "hello");
    await writeFile(join(root, "docs", "index.html"), "<h1>docs</h1>");
    await writeFile(join(root, "ab:c.txt"), "colon");
    for (const drive of ["A:", "Z:", "a:", "z:"]) {
      await mkdir(join(root, drive));
      await writeFile(join(root, drive, "file.txt"), "drive");
    }
    await symlink(".", join(root, "here"));
    await mkdir(join(root, "a", "b"), { recursive: true });
    for (const name of ["top.css", join("a", "b", "deep.css")]) {
      await writeFile(join(root, name), "plain css");
      await writeFile(join(root, `${name}.gz`), "gzip css");
    }
    await writeFile(join(root, "assets", "app.js"), "plain js");
    await writeFile(join(root, "assets", "app.js.br"), "br bytes");
    await writeFile(join(root, "assets", "app.js.gz"), "gzip bytes");
    const log = (message: string, fields?: Readonly<Record<string, unknown>>) => {
      errors.push({ message, error: fields?.error });
    };
    app = new Server({ logger: { info: () => {}, warn: () => {}, error: log } });
    app.get("/s/*path", serveStatic(root));
    app.route("/any/*path", serveStatic(root));
    app.get("/follow/*path", serveStatic(root, { followSymlinks: true }));
    app.get("/pre/*path", serveStatic(root, { precompressed: true }));
    app.get("/wrong/*file", serveStatic(root, { param: "nope" }));
    app.get("/hello.txt", serveStatic(root));
    app.get("/unnamed/*", serveStatic(root));
    app.get("/immutable/*path", serveStatic(root, { immutable: true }));
    // Files served from a before hook, for every path under /hooked/ (routed or not).
    const hooked = serveStatic(root, { prefix: "/hooked" });
    app.before(async (request, response) => {
      if (!request.path.startsWith("/hooked/")) return;
      await hooked(request, response);
      response.end();
    });
    app.get("/fs/*path", serveStatic("/"));
    app.get("/bare", serveStatic(root, { prefix: "/bare" }));
    app.get("/bare/docs/index.html", serveStatic(root, { prefix: "/bare" }));
    // A route outside its handler's prefix (a copy-paste mistake): nothing is served for it.
    app.get("/barex", serveStatic(root, { prefix: "/bare" }));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it("a route without parameters or prefix serves its own path", async () => {
    const response = await get("/hello.txt");
    assert.equal(response.status, 200);
    assert.equal(response.text(), "hello");
  });

  it("a root of / itself serves the files below it", async () => {
    // The one root that already ends in the separator: "/" + "/" would contain nothing.
    const response = await get(`/fs${root}/hello.txt`);
    assert.equal(response.status, 200);
    assert.equal(response.text(), "hello");
  });

  it("an unnamed catch-all holds the file path", async () => {
    assert.equal((await get("/unnamed/docs/index.html")).text(), "<h1>docs</h1>");
  });

  it("immutable without maxAge keeps max-age=0", async () => {
    const response = await get("/immutable/hello.txt");
    assert.equal(response.headers.get("cache-control"), "public, max-age=0, immutable");
  });

  it("a symlink to the root itself is a directory inside the root", async () => {
    const response = await get("/s/here");
    assert.equal(response.status, 301);
    assert.equal(response.headers.get("location"), "/s/here/");
    assert.equal((await get("/s/here/hello.txt")).text(), "hello");
  });

  it("from a hook, a path that does not percent-decode is a 400", async () => {
    // No route matches /hooked/…: the hook answers before the router's 404 or 400.
    assert.equal((await get("/hooked/hello.txt")).text(), "hello");
    const malformed = await get("/hooked/%C3.txt");
    assert.equal(malformed.status, 400);
    assert.equal(malformed.text(), "400 Bad Request: Malformed percent-encoding in path\n");
  });

  it("a prefix route serves the path below its prefix", async () => {
    assert.equal((await get("/bare")).text(), "home");
    const nested = await get("/bare/docs/index.html");
    assert.equal(nested.status, 200);
    assert.equal(nested.text(), "<h1>docs</h1>");
  });

  it("a prefix route whose path is not below the prefix is a 404", async () => {
    // "/barex" starts with "/bare" but is not below it; read as "x" after the prefix it would
    // name a file, read as the empty path it would serve the root's index.
    const response = await get("/barex");
    assert.equal(response.status, 404);
    assert.equal(response.text(), "404 Not Found\n");
  });

  it("a missing file under followSymlinks is a 404, not a directory redirect", async () => {
    const response = await get("/follow/missing.txt");
    assert.equal(response.status, 404);
    assert.equal(response.headers.get("location"), null);
    assert.equal((await get("/follow/hello.txt")).text(), "hello");
  });

  it("a colon is an ordinary character in a file name outside Windows", {
    skip: process.platform === "win32",
  }, async () => {
    // Not a drive letter either: that is one letter and a colon at the start of the path.
    const response = await get("/s/ab:c.txt");
    assert.equal(response.status, 200);
    assert.equal(response.text(), "colon");
  });

  it("every drive letter, A to Z in either case, is refused", async () => {
    for (const drive of ["A:", "Z:", "a:", "z:"]) {
      assert.equal((await get(`/s/${drive}/file.txt`)).status, 404, drive);
    }
  });

  it("a precompressed variant is found beside its file at any depth", async () => {
    for (const path of ["top.css", "a/b/deep.css"]) {
      const response = await get(`/pre/${path}`, { "accept-encoding": "gzip" });
      assert.equal(response.headers.get("content-encoding"), "gzip", path);
      assert.equal(response.text(), "gzip css", path);
    }
  });

  it("the directory redirect says where it goes, in its header and its body", async () => {
    const response = await get("/s/docs?lang=en");
    assert.equal(response.status, 301);
    assert.equal(response.headers.get("location"), "/s/docs/?lang=en");
    assert.equal(response.text(), "Redirecting to /s/docs/?lang=en\n");
  });

  it("the 404 and 405 bodies", async () => {
    const missing = await get("/s/missing.txt");
    assert.equal(missing.status, 404);
    assert.equal(missing.text(), "404 Not Found\n");
    const post = await get("/any/hello.txt", {}, "POST");
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
    assert.equal(post.text(), "405 Method Not Allowed: POST is not allowed here\n");
  });

  it("a param the route does not have fails with a message that says how to fix it", async () => {
    errors.length = 0;
    const response = await get("/wrong/hello.txt");
    assert.equal(response.status, 500);
    assert.equal(errors.length, 1);
    const error = errors[0]!.error;
    assert.ok(error instanceof Error);
    assert.equal(
      error.message,
      `serveStatic: the route has no parameter 'nope'; register it as "/prefix/*nope"`,
    );
  });

  describe("a precompressed variant that fails to open", {
    skip: process.platform !== "linux",
  }, () => {
    it("answers 500 and closes every file it opened, the other variant's too", async (t) => {
      // The stat of the .br variant fails as a failing disk would (EIO): openRegularFile closes
      // that handle and rethrows; openVariant must close the .gz handle it did open, and
      // serveFile the original file's.
      const probe = await open(join(root, "hello.txt"));
      const prototype = Object.getPrototypeOf(probe) as FileHandle;
      await probe.close();
      const realStat = prototype.stat;
      // Keyed by handle: a closed descriptor's number is reused by the next open.
      const opened = new Map<FileHandle, string>();
      const closed = new Set<FileHandle>();
      t.mock.method(prototype, "stat", function (this: FileHandle, ...args: unknown[]) {
        const path = readlinkSync(`/proc/self/fd/${this.fd}`);
        opened.set(this, path);
        const realClose = this.close;
        this.close = () => {
          closed.add(this);
          return Reflect.apply(realClose, this, []);
        };
        if (path.endsWith("app.js.br")) {
          return Promise.reject(Object.assign(new Error("EIO: i/o error, fstat"), { code: "EIO" }));
        }
        return Reflect.apply(realStat, this, args);
      });
      errors.length = 0;
      const response = await get("/pre/assets/app.js", { "accept-encoding": "br, gzip" });
      assert.equal(response.status, 500);
      assert.equal((errors[0]?.error as { code?: string } | undefined)?.code, "EIO");
      assert.deepEqual([...opened.values()].map((path) => path.slice(root.length)).sort(), [
        "/assets/app.js",
        "/assets/app.js.br",
        "/assets/app.js.gz",
      ]);
      for (const [handle, path] of opened) assert.ok(closed.has(handle), `${path} was left open`);
    });
  });
});
