import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { sendFile, serveStatic } from "../../src/app/static.js";
import { rawRequest, startApp } from "./http-client.js";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
const LARGE = 50 * 1024 * 1024;

describe("sendFile and large files over TCP", () => {
  let base: string;
  let large: Buffer;
  let server: Awaited<ReturnType<typeof startApp>>;

  before(async () => {
    base = await mkdtemp(join(tmpdir(), "slow-serv-sendfile-"));
    large = randomBytes(LARGE);
    await writeFile(join(base, "large.bin"), large);
    await writeFile(join(base, "report.csv"), "a,b\n1,2\n");
    server = await startApp((app) => {
      app.get("/files/*path", serveStatic(base));
      app.get("/download", (request, response) =>
        sendFile(request, response, join(base, "report.csv"), { download: "résumé.csv" }),
      );
      app.get("/attach", (request, response) =>
        sendFile(request, response, join(base, "report.csv"), { download: true }),
      );
      app.get("/typed", (request, response) =>
        sendFile(request, response, join(base, "report.csv"), {
          contentType: "text/plain; charset=utf-8",
          cacheControl: "private, max-age=10",
        }),
      );
      app.get("/missing", (request, response) =>
        sendFile(request, response, join(base, "nope.txt")),
      );
      app.get("/directory", (request, response) => sendFile(request, response, base));
    });
  });
  after(async () => {
    await server.close();
    await rm(base, { recursive: true, force: true });
  });

  it("streams a 50 MB file with its exact bytes and Content-Length", async () => {
    const response = await fetch(`${server.url}/files/large.bin`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-length"), String(LARGE));
    assert.equal(response.headers.get("transfer-encoding"), null);
    const body = new Uint8Array(await response.arrayBuffer());
    assert.equal(body.byteLength, LARGE);
    assert.equal(sha256(body), sha256(large));
  });

  it("serves a range from the middle of the large file", async () => {
    const start = 20_000_000;
    const end = 30_000_123;
    const response = await fetch(`${server.url}/files/large.bin`, {
      headers: { range: `bytes=${start}-${end}` },
    });
    assert.equal(response.status, 206);
    assert.equal(response.headers.get("content-range"), `bytes ${start}-${end}/${LARGE}`);
    const body = new Uint8Array(await response.arrayBuffer());
    assert.equal(sha256(body), sha256(large.subarray(start, end + 1)));
  });

  it("sends a download with an RFC 8187 file name", async () => {
    const response = await rawRequest(server.port, { target: "/download" });
    assert.equal(response.status, 200);
    assert.equal(
      response.headers["content-disposition"],
      "attachment; filename=\"r_sum_.csv\"; filename*=UTF-8''r%C3%A9sum%C3%A9.csv",
    );
    assert.equal(response.headers["content-type"], "text/csv; charset=utf-8");
    assert.equal(response.body.toString(), "a,b\n1,2\n");
  });

  it("names the download after the file with download: true", async () => {
    const response = await rawRequest(server.port, { target: "/attach" });
    assert.equal(response.headers["content-disposition"], 'attachment; filename="report.csv"');
  });

  it("uses the given Content-Type and Cache-Control", async () => {
    const response = await rawRequest(server.port, { target: "/typed" });
    assert.equal(response.headers["content-type"], "text/plain; charset=utf-8");
    assert.equal(response.headers["cache-control"], "private, max-age=10");
    assert.equal(response.headers["content-disposition"], undefined);
  });

  it("answers conditionals and ranges like serveStatic", async () => {
    const first = await rawRequest(server.port, { target: "/download" });
    const cached = await rawRequest(server.port, {
      target: "/download",
      headers: { "if-none-match": first.headers.etag! },
    });
    assert.equal(cached.status, 304);
    const partial = await rawRequest(server.port, {
      target: "/download",
      headers: { range: "bytes=-4" },
    });
    assert.equal(partial.status, 206);
    assert.equal(partial.body.toString(), "1,2\n");
  });

  it("a missing file or a directory is a 404", async () => {
    assert.equal((await rawRequest(server.port, { target: "/missing" })).status, 404);
    assert.equal((await rawRequest(server.port, { target: "/directory" })).status, 404);
  });
});
