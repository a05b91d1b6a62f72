import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serveStatic } from "../../src/app/static.js";
import { rawRequest, startApp } from "./http-client.js";

/**
 * serveStatic refuses unsafe segments itself, not only through the root check that follows: each
 * request here names a file that exists INSIDE the root once the path is normalised, so only the
 * segment rule stands between it and a 200 (docs/mutation/router-static.md).
 */
describe("serveStatic: segment refusals that the root check would not catch", () => {
  let base: string;
  let server: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "slow-serv-static-gaps-"));
    await mkdir(join(base, "docs"));
    await mkdir(join(base, "c:"));
    await writeFile(join(base, "hello.txt"), "hello");
    await writeFile(join(base, "docs", "guide.md"), "# Guide");
    await writeFile(join(base, "c:", "file.txt"), "drive");
    await writeFile(join(base, "a\\b.txt"), "backslash");
    server = await startApp((app) => {
      app.get("/s/*path", serveStatic(base));
      app.get("/allow/*path", serveStatic(base, { dotfiles: "allow" }));
    });
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  const get = (target: string) => rawRequest(server.port, { target });

  it("serves the plain spellings", async () => {
    assert.equal((await get("/s/hello.txt")).body.toString(), "hello");
    assert.equal((await get("/s/docs/guide.md")).body.toString(), "# Guide");
  });

  const refused: Array<[string, string]> = [
    ["a decoded '..' segment that stays inside the root", "/s/docs/..%2Fhello.txt"],
    ["a decoded '.' segment, even with dotfiles allowed", "/allow/.%2Fhello.txt"],
    ["a decoded '..' segment with dotfiles allowed", "/allow/docs/..%2Fhello.txt"],
    ["an empty segment", "/s/docs%2F%2Fguide.md"],
    ["a drive-letter first segment", "/s/c:/file.txt"],
    ["a backslash", "/s/a%5Cb.txt"],
  ];
  for (const [name, target] of refused) {
    it(`refuses ${name}: ${target} → 404`, async () => {
      const response = await get(target);
      assert.equal(response.status, 404);
      assert.ok(!["hello", "# Guide", "drive", "backslash"].includes(response.body.toString()));
    });
  }
});
