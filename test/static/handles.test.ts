import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { serveStatic } from "../../src/app/static.js";
import { createFixture, type Fixture } from "./fixture.js";
import { type RawRequest, rawRequest, startApp } from "./http-client.js";

const openDescriptors = () => readdirSync("/proc/self/fd").length;
const ROUNDS = 40;

/**
 * Every answer that sends no file bytes must close the file it opened before it returns;
 * a leaked FileHandle is only closed (with a warning) whenever the GC gets to it.
 */
describe("serveStatic closes the files it does not stream", {
  skip: !existsSync("/proc/self/fd"),
}, () => {
  let fixture: Fixture;
  let server: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    fixture = await createFixture();
    server = await startApp((app) => {
      app.get("/s/*path", serveStatic(fixture.root, { precompressed: true }));
      app.get(
        "/throws/*path",
        serveStatic(fixture.root, {
          cacheControl: () => {
            throw new Error("cache policy failed");
          },
        }),
      );
    });
  });
  after(async () => {
    await server.close();
    await fixture.cleanup();
  });

  const cases: Array<[string, RawRequest, number]> = [
    ["304", { target: "/s/hello.txt", headers: { "if-none-match": "*" } }, 304],
    ["412", { target: "/s/hello.txt", headers: { "if-match": '"x"' } }, 412],
    ["416", { target: "/s/digits.txt", headers: { range: "bytes=50-" } }, 416],
    ["HEAD", { target: "/s/hello.txt", method: "HEAD" }, 200],
    ["empty file", { target: "/s/empty.txt" }, 200],
    ["directory redirect", { target: "/s/docs" }, 301],
    [
      "variant 304",
      {
        target: "/s/assets/app.js",
        headers: { "accept-encoding": "br, gzip", "if-none-match": "*" },
      },
      304,
    ],
    ["failing cache policy", { target: "/throws/hello.txt" }, 500],
  ];
  for (const [name, request, status] of cases) {
    it(name, async () => {
      await rawRequest(server.port, request); // warm up lazily created descriptors
      const before = openDescriptors();
      for (let round = 0; round < ROUNDS; round++) {
        assert.equal((await rawRequest(server.port, request)).status, status);
      }
      const grown = openDescriptors() - before;
      assert.ok(grown < ROUNDS / 2, `${grown} descriptors left open after ${ROUNDS} requests`);
    });
  }
});
