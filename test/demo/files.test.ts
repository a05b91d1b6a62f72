import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Client, type RunningDemo, startDemo, storedFiles } from "./harness.js";

const LIMIT = 64 * 1024;

/** The upload form's CSRF token, from its first field; the form posts to plain /files. */
async function formToken(client: Client): Promise<string> {
  const { html } = await client.page("/files");
  const form =
    /<form method="post" action="\/files" enctype="multipart\/form-data"[^>]*>\s*<input type="hidden" name="_csrf" value="([^"]+)">/.exec(
      html,
    );
  assert.ok(form, "upload form with the token as its first field");
  return form[1]!;
}

function filesForm(files: Array<{ name: string; bytes: Uint8Array }>, token?: string): FormData {
  const form = new FormData();
  if (token !== undefined) form.append("_csrf", token);
  form.append("note", "a plain field that the handler skips");
  for (const file of files) form.append("file", new Blob([file.bytes]), file.name);
  return form;
}

/** Uploads as the browser does: the form's fields in document order, the token first. */
async function upload(
  client: Client,
  files: Array<{ name: string; bytes: Uint8Array }>,
): Promise<globalThis.Response> {
  const token = await formToken(client);
  return client.fetch("/files", { method: "POST", body: filesForm(files, token) });
}

function downloadLinks(html: string): Array<{ href: string; name: string }> {
  return [...html.matchAll(/<a href="(\/files\/[0-9a-f]{32})" download>([^<]*)<\/a>/g)].map(
    (match) => ({ href: match[1]!, name: match[2]! }),
  );
}

describe("demo: file uploads and downloads", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo({ maxUploadBytes: LIMIT, maxUploadFiles: 3 });
  });
  after(() => demo.close());

  it("streams an upload to disk and lists it with a download link", async () => {
    const client = demo.client();
    const bytes = randomBytes(50_000);
    const response = await upload(client, [{ name: "report.bin", bytes }]);
    assert.equal(response.status, 303, await response.text());
    const { html } = await client.page("/files");
    assert.ok(html.includes("Uploaded report.bin."));
    const link = downloadLinks(html).find((entry) => entry.name === "report.bin");
    assert.ok(link, "listed");

    const download = await client.fetch(link.href);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get("content-type"), "application/octet-stream");
    assert.equal(download.headers.get("x-content-type-options"), "nosniff");
    assert.match(
      download.headers.get("content-disposition") ?? "",
      /^attachment; filename="report.bin"/,
    );
    assert.equal(download.headers.get("accept-ranges"), "bytes");
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), bytes);

    const range = await client.fetch(link.href, { headers: { range: "bytes=100-199" } });
    assert.equal(range.status, 206);
    assert.equal(range.headers.get("content-range"), `bytes 100-199/${bytes.length}`);
    assert.deepEqual(Buffer.from(await range.arrayBuffer()), bytes.subarray(100, 200));

    const suffix = await client.fetch(link.href, { headers: { range: "bytes=-10" } });
    assert.equal(suffix.status, 206);
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), bytes.subarray(-10));

    const unsatisfiable = await client.fetch(link.href, {
      headers: { range: `bytes=${bytes.length + 5}-` },
    });
    assert.equal(unsatisfiable.status, 416);
    assert.equal(unsatisfiable.headers.get("content-range"), `bytes */${bytes.length}`);
    assert.match(unsatisfiable.headers.get("content-type") ?? "", /^text\/html/);
    const rangePage = await unsatisfiable.text();
    assert.ok(rangePage.includes("<h1>Range not satisfiable</h1>"), "its own error page");
    assert.ok(rangePage.includes('class="site-header"'));

    const etag = download.headers.get("etag");
    assert.ok(etag);
    const cached = await client.fetch(link.href, { headers: { "if-none-match": etag } });
    assert.equal(cached.status, 304);
    assert.equal((await cached.arrayBuffer()).byteLength, 0);
    const changed = await client.fetch(link.href, { headers: { "if-none-match": '"other"' } });
    assert.equal(changed.status, 200);
    await changed.arrayBuffer();
  });

  it("never uses the client's file name as a path, and escapes it in the list", async () => {
    const client = demo.client();
    const names = ["../../escape.txt", "<img src=x onerror=alert(1)>.txt"];
    const response = await upload(
      client,
      names.map((name) => ({ name, bytes: Buffer.from(name) })),
    );
    assert.equal(response.status, 303);
    const stored = await readdir(join(demo.dataDir, "uploads"));
    for (const file of stored) assert.match(file, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      (await readdir(demo.dataDir)).filter((name) => name.includes("escape")),
      [],
    );
    const { html } = await client.page("/files");
    assert.ok(!html.includes("<img src=x"));
    assert.ok(html.includes("&lt;img src=x onerror=alert(1)&gt;.txt"));
    const escaped = downloadLinks(html).find((entry) => entry.name.startsWith("&lt;img"));
    assert.ok(escaped);
    const download = await client.fetch(escaped.href);
    assert.equal(await download.text(), names[1]);
  });

  it("answers a file over the size limit with a friendly 413 page and keeps nothing", async () => {
    const client = demo.client();
    const before = await readdir(join(demo.dataDir, "uploads"));
    const response = await upload(client, [{ name: "big.bin", bytes: randomBytes(LIMIT + 1) }]);
    assert.equal(response.status, 413);
    const html = await response.text();
    assert.ok(html.includes("That was too large"));
    // In the form's units (64.0 KB here, 5.0 MB by default), not the option's bytes.
    assert.ok(html.includes("Each file may be at most 64.0 KB."), html);
    assert.ok(!html.includes("maxFileBytes"));
    assert.ok(html.includes('class="site-header"'));
    assert.deepEqual(await readdir(join(demo.dataDir, "uploads")), before, "partial file removed");
    const list = await client.page("/files");
    assert.ok(!list.html.includes("big.bin"));
  });

  it("answers a body over the route limit with 413 before reading it", async () => {
    const client = demo.client();
    const response = await upload(client, [
      { name: "a.bin", bytes: randomBytes(LIMIT) },
      { name: "b.bin", bytes: randomBytes(LIMIT) },
      { name: "c.bin", bytes: randomBytes(LIMIT) },
      { name: "d.bin", bytes: randomBytes(LIMIT) },
    ]);
    assert.equal(response.status, 413);
    assert.ok((await response.text()).includes("That was too large"));
  });

  it("answers an upload without a file with a 400 page", async () => {
    const response = await upload(demo.client(), []);
    assert.equal(response.status, 400);
    assert.ok((await response.text()).includes("Choose a file to upload"));
  });

  it("accepts the token in the x-csrf-token header, as for any streamed upload", async () => {
    const client = demo.client();
    const token = await formToken(client);
    const response = await client.fetch("/files", {
      method: "POST",
      headers: { "x-csrf-token": token },
      body: filesForm([{ name: "by-header.txt", bytes: Buffer.from("h") }]),
    });
    assert.equal(response.status, 303, await response.text());
    assert.ok((await client.page("/files")).html.includes("by-header.txt"));
  });

  it("refuses a wrong header token, a token in the URL, and a file before the token", async () => {
    const client = demo.client();
    const token = await formToken(client);
    const before = await readdir(join(demo.dataDir, "uploads"));
    const file = [{ name: "sneaky.txt", bytes: Buffer.from("s") }];
    const wrongHeader = await client.fetch("/files", {
      method: "POST",
      headers: { "x-csrf-token": "nope" },
      body: filesForm(file, token),
    });
    assert.equal(wrongHeader.status, 403);
    await wrongHeader.arrayBuffer();
    const inUrl = await client.fetch(`/files?_csrf=${encodeURIComponent(token)}`, {
      method: "POST",
      body: filesForm(file),
    });
    assert.equal(inUrl.status, 403);
    await inUrl.arrayBuffer();
    const late = new FormData();
    late.append("file", new Blob(["s"]), "sneaky.txt");
    late.append("_csrf", token);
    const fileFirst = await client.fetch("/files", { method: "POST", body: late });
    assert.equal(fileFirst.status, 403);
    await fileFirst.arrayBuffer();
    assert.deepEqual(await readdir(join(demo.dataDir, "uploads")), before, "nothing written");
  });

  it("refuses an upload without the CSRF token", async () => {
    const client = demo.client();
    await client.page("/files");
    const form = new FormData();
    form.append("file", new Blob(["x"]), "x.txt");
    const response = await client.fetch("/files", { method: "POST", body: form });
    assert.equal(response.status, 403);
    await response.arrayBuffer();
  });

  it("answers an unknown download with a 404 page", async () => {
    const response = await demo.client().fetch(`/files/${"0".repeat(32)}`);
    assert.equal(response.status, 404);
    assert.ok((await response.text()).includes("No such file"));
    const odd = await demo.client().fetch("/files/..%2F..%2Fguestbook.json");
    assert.equal(odd.status, 404);
    await odd.arrayBuffer();
  });

  it("keeps the metadata in the data dir", async () => {
    const files = await storedFiles(demo.dataDir);
    assert.ok(files.some((file) => file.originalName === "report.bin"));
  });
});
