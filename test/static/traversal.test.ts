import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { serveStatic } from "../../src/app/static.js";
import { ATTEMPTS } from "./attempts.js";
import { createFixture, type Fixture, SECRET } from "./fixture.js";
import { rawRequest, startApp } from "./http-client.js";

describe("serveStatic: path traversal", () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    fixture = await createFixture();
    server = await startApp((app) => app.get("/static/*path", serveStatic(fixture.root)));
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  for (const [target, status] of ATTEMPTS) {
    it(`${target} → ${status}`, async () => {
      const response = await rawRequest(server.port, { target });
      assert.equal(response.status, status);
      assert.ok(!response.body.toString().includes(SECRET), "leaked a file outside the root");
      assert.ok(!response.body.toString().includes("root:"), "leaked /etc/passwd");
    });
  }

  it("serves a literal file whose name looks encoded, decoding only once", async () => {
    const response = await rawRequest(server.port, { target: "/static/%252e%252e" });
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), "literal percent name");
  });

  it("follows a symlink that stays inside the root", async () => {
    const response = await rawRequest(server.port, { target: "/static/link-in" });
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), "Hello, world!\n");
  });
});

describe("serveStatic: followSymlinks and precompressed siblings", () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    fixture = await createFixture();
    server = await startApp((app) => {
      app.get("/follow/*path", serveStatic(fixture.root, { followSymlinks: true }));
      app.get("/pre/*path", serveStatic(fixture.root, { precompressed: true }));
    });
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  it("serves symlinks out of the root when allowed", async () => {
    const response = await rawRequest(server.port, { target: "/follow/link-out" });
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), SECRET);
  });

  it("still refuses '..' with followSymlinks", async () => {
    // A raw ".." is refused (400) before routing; one that appears only after decoding reaches
    // serveStatic, which refuses it itself (404).
    const response = await rawRequest(server.port, { target: "/follow/../outside/secret.txt" });
    assert.equal(response.status, 400);
    const decoded = await rawRequest(server.port, { target: "/follow/..%2Foutside/secret.txt" });
    assert.equal(decoded.status, 404);
  });

  it("never serves a precompressed sibling that links outside the root", async () => {
    const gzip = await rawRequest(server.port, {
      target: "/pre/assets/sib.js",
      headers: { "accept-encoding": "gzip" },
    });
    assert.equal(gzip.status, 200);
    assert.equal(gzip.headers["content-encoding"], undefined);
    assert.equal(gzip.body.toString(), "sibling js");
    const both = await rawRequest(server.port, {
      target: "/pre/assets/sib.js",
      headers: { "accept-encoding": "gzip;q=1, br;q=0.5" },
    });
    assert.equal(both.headers["content-encoding"], "br");
    assert.equal(both.body.toString(), "sibling br bytes");
  });
});
