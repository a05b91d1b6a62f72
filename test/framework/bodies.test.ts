import assert from "node:assert/strict";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { matrix, newApp } from "./matrix.js";

const TEXT = { accept: "text/plain" };

function multipartBody(
  boundary: string,
  parts: Array<{ name: string; filename?: string; type?: string; data: string | Buffer }>,
): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += "\r\n";
    if (part.type !== undefined) head += `Content-Type: ${part.type}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.data), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const BOUNDARY = "----slowserv7MA4YWxkTrZu0gW";
const MULTIPART = { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...TEXT };

matrix("request bodies", (check) => {
  check("json() parses JSON, 415 for another type, 400 with the parse error", async (serve) => {
    const app = newApp();
    app.post("/json", async (request) => ({ received: await request.json() }));
    const client = await serve(app);
    const ok = await client.request("POST", "/json", {
      headers: { "content-type": "application/vnd.api+json; charset=utf-8" },
      body: '{"a":[1,2,{"b":null}]}',
    });
    assert.deepEqual(ok.json(), { received: { a: [1, 2, { b: null }] } });

    const wrongType = await client.request("POST", "/json", {
      headers: { "content-type": "text/plain", ...TEXT },
      body: "{}",
    });
    assert.equal(wrongType.status, 415);
    assert.match(wrongType.text, /Expected a JSON body \(Content-Type: application\/json\)/);

    const malformed = await client.request("POST", "/json", {
      headers: { "content-type": "application/json", accept: "application/json" },
      body: '{"a":',
    });
    assert.equal(malformed.status, 400);
    const { message } = malformed.json<{ message: string }>();
    assert.match(message, /^Malformed JSON body: .+/);

    const latin1 = await client.request("POST", "/json", {
      headers: { "content-type": "application/json", ...TEXT },
      body: Buffer.from('{"name":"caf\xe9"}', "latin1"),
    });
    assert.equal(latin1.status, 400);
    assert.equal(latin1.text, "400 Bad Request: Malformed JSON body: not valid UTF-8\n");
  });

  check("bodies over limits.maxBodyBytes or a route's bodyLimit are 413", async (serve) => {
    const app = newApp({ limits: { maxBodyBytes: 100 } });
    app.post("/default", async (request) => `${(await request.bytes()).length}`);
    app.post("/small", async (request) => `${(await request.text()).length}`, { bodyLimit: 10 });
    app.post("/large", async (request) => `${(await request.bytes()).length}`, {
      bodyLimit: 1000,
    });
    const client = await serve(app);
    const post = (url: string, size: number) =>
      client.request("POST", url, { headers: TEXT, body: "x".repeat(size) });
    assert.equal((await post("/default", 100)).text, "100");
    const over = await post("/default", 101);
    assert.equal(over.status, 413);
    assert.match(over.text, /^413 Content Too Large/);
    assert.equal((await post("/small", 10)).text, "10");
    assert.equal((await post("/small", 11)).status, 413);
    assert.equal((await post("/large", 1000)).text, "1000");
    assert.equal((await post("/large", 1001)).status, 413);
  });

  check("text() decodes UTF-8 and bytes() returns the exact bytes", async (serve) => {
    const app = newApp();
    app.post("/text", async (request) => `${[...(await request.text())].length} chars`);
    app.post("/bytes", async (request) => await request.bytes());
    app.post("/twice", async (request) => `${await request.text()}|${await request.text()}`);
    const client = await serve(app);
    const text = await client.request("POST", "/text", { body: "héllo €" });
    assert.equal(text.text, "7 chars");
    const binary = Buffer.from(Array.from({ length: 256 }, (_, index) => index));
    const echoed = await client.request("POST", "/bytes", { body: binary });
    assert.deepEqual(echoed.body, binary);
    assert.equal(echoed.headers.get("content-type"), "application/octet-stream");
    const twice = await client.request("POST", "/twice", { body: "once" });
    assert.equal(twice.text, "once|once");
  });

  check("form() reads urlencoded fields", async (serve) => {
    const app = newApp({ maxFormFields: 3 });
    app.post("/form", async (request) => ({ ...(await request.form()).fields }));
    const client = await serve(app);
    const response = await client.request("POST", "/form", {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "name=Ada+Lovelace&lang=en&lang=fr",
    });
    assert.deepEqual(response.json(), { name: "Ada Lovelace", lang: ["en", "fr"] });
    const tooMany = await client.request("POST", "/form", {
      headers: { "content-type": "application/x-www-form-urlencoded", ...TEXT },
      body: "a=1&b=2&c=3&d=4",
    });
    assert.equal(tooMany.status, 413);
    const wrong = await client.request("POST", "/form", {
      headers: { "content-type": "application/json", ...TEXT },
      body: "{}",
    });
    assert.equal(wrong.status, 415);
  });

  check("form() reads multipart fields and files, 413 past multipart limits", async (serve) => {
    const app = newApp({ multipart: { maxFileBytes: 16, maxFiles: 1 } });
    app.post("/upload", async (request) => {
      const form = await request.form();
      return {
        fields: { ...form.fields },
        files: form.files.map((file) => ({
          name: file.name,
          filename: file.filename,
          type: file.contentType,
          text: file.bytes.toString("utf8"),
        })),
      };
    });
    const client = await serve(app);
    const body = multipartBody(BOUNDARY, [
      { name: "title", data: "Notes" },
      { name: "doc", filename: "C:\\Users\\me\\notes.txt", type: "text/plain", data: "hello" },
    ]);
    const response = await client.request("POST", "/upload", { headers: MULTIPART, body });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), {
      fields: { title: "Notes" },
      files: [{ name: "doc", filename: "notes.txt", type: "text/plain", text: "hello" }],
    });

    const bigFile = multipartBody(BOUNDARY, [{ name: "doc", filename: "a", data: "x".repeat(17) }]);
    const tooBig = await client.request("POST", "/upload", { headers: MULTIPART, body: bigFile });
    assert.equal(tooBig.status, 413);
    assert.match(tooBig.text, /maxFileBytes/);

    const twoFiles = multipartBody(BOUNDARY, [
      { name: "a", filename: "a", data: "1" },
      { name: "b", filename: "b", data: "2" },
    ]);
    const tooMany = await client.request("POST", "/upload", { headers: MULTIPART, body: twoFiles });
    assert.equal(tooMany.status, 413);
    assert.match(tooMany.text, /maxFiles/);
  });

  check("multipart() streams a file part to disk without buffering it", async (serve) => {
    const directory = await mkdtemp(join(tmpdir(), "slow-serv-upload-"));
    try {
      const app = newApp({ limits: { maxBodyBytes: 4 * 1024 * 1024 } });
      app.post("/stream", async (request) => {
        const saved: Array<{ name: string; bytes?: number; value?: string }> = [];
        for await (const part of request.multipart()) {
          if (part.isFile) {
            const path = join(directory, `${saved.length}.bin`);
            await pipeline(part, createWriteStream(path));
            saved.push({ name: part.name, bytes: (await readFile(path)).length });
          } else {
            saved.push({ name: part.name, value: await part.text() });
          }
        }
        return saved;
      });
      const client = await serve(app);
      const file = Buffer.alloc(3 * 1024 * 1024, 0xab);
      file.write(`--${BOUNDARY}`, 1000); // a boundary-like run without CRLF before it is data
      const body = multipartBody(BOUNDARY, [
        { name: "note", data: "big one" },
        { name: "blob", filename: "blob.bin", type: "application/octet-stream", data: file },
      ]);
      const response = await client.request("POST", "/stream", { headers: MULTIPART, body });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json(), [
        { name: "note", value: "big one" },
        { name: "blob", bytes: file.length },
      ]);
      assert.deepEqual(await readFile(join(directory, "1.bin")), file);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  check("each multipart limit answers 413 with a message naming it", async (serve) => {
    const app = newApp({
      multipart: { maxFields: 2, maxParts: 3, maxFieldBytes: 8, maxPartHeaderBytes: 100 },
    });
    app.post("/form", async (request) => Object.keys((await request.form()).fields).length);
    const total = newApp({ multipart: { maxTotalBytes: 200 } });
    total.post("/form", async (request) => Object.keys((await request.form()).fields).length);
    const [client, totalClient] = [await serve(app), await serve(total)];
    const post = (target: typeof client, parts: Parameters<typeof multipartBody>[1]) =>
      target.request("POST", "/form", { headers: MULTIPART, body: multipartBody(BOUNDARY, parts) });

    const fine = await post(client, [
      { name: "a", data: "1" },
      { name: "b", data: "2" },
    ]);
    assert.equal(fine.text, "2");
    const cases: Array<[typeof client, Parameters<typeof multipartBody>[1], RegExp]> = [
      [client, ["a", "b", "c"].map((name) => ({ name, data: "1" })), /maxFields/],
      [
        client,
        [
          { name: "a", data: "1" },
          { name: "f", filename: "f", data: "1" },
          { name: "g", filename: "g", data: "1" },
          { name: "h", filename: "h", data: "1" },
        ],
        /maxParts/,
      ],
      [client, [{ name: "a", data: "123456789" }], /maxFieldBytes/],
      [client, [{ name: "a".repeat(100), data: "1" }], /maxPartHeaderBytes/],
      [totalClient, [{ name: "a", data: "x".repeat(200) }], /maxTotalBytes/],
    ];
    for (const [target, parts, limit] of cases) {
      const response = await post(target, parts);
      assert.equal(response.status, 413, String(limit));
      assert.match(response.text, /^413 Content Too Large: /, String(limit));
      assert.match(response.text, limit);
    }
  });

  check("malformed multipart is a 400 with a clear message", async (serve) => {
    const app = newApp();
    app.post("/form", async (request) => Object.keys((await request.form()).fields).length);
    const client = await serve(app);
    const head = `--${BOUNDARY}\r\n`;
    const cases: Array<[string, RegExp]> = [
      [
        `${head}Content-Disposition: form-data; name="a"\r\n\r\nv\r\n`,
        /ended before its closing boundary/,
      ],
      [`${head}X-Other: 1\r\n\r\nv\r\n--${BOUNDARY}--\r\n`, /no Content-Disposition/],
      [`${head}Content-Disposition: form-data\r\n\r\nv\r\n--${BOUNDARY}--\r\n`, /no name/],
      ["not multipart at all", /Multipart/i],
    ];
    for (const [body, message] of cases) {
      const response = await client.request("POST", "/form", { headers: MULTIPART, body });
      assert.equal(response.status, 400, body);
      assert.match(response.text, /^400 Bad Request: /);
      assert.match(response.text, message, body);
    }
  });

  check("broken Content-Type parameters are 400, other types 415", async (serve) => {
    const app = newApp();
    app.post("/form", async (request) => Object.keys((await request.form()).fields).length);
    app.post("/json", async (request) => JSON.stringify(await request.json()));
    app.post("/stream", async (request) => {
      for await (const part of request.multipart()) await part.skip();
      return "ok";
    });
    const client = await serve(app);
    const post = (url: string, type: string) =>
      client.request("POST", url, { headers: { "content-type": type, ...TEXT }, body: "x" });
    const cases: Array<[string, string, number, RegExp]> = [
      ["/form", "multipart/form-data", 400, /no boundary parameter/],
      ["/form", "multipart/form-data; boundary=", 400, /Malformed Content-Type header/],
      ["/form", 'multipart/form-data; boundary="abc', 400, /Malformed Content-Type header/],
      ["/form", "multipart/form-data; boundary=a; boundary=b", 400, /Malformed Content-Type/],
      [
        "/form",
        `multipart/form-data; boundary=${"b".repeat(71)}`,
        400,
        /Invalid multipart boundary/,
      ],
      ["/stream", "multipart/form-data; boundary=", 400, /Malformed Content-Type header/],
      ["/json", "application/json; charset=", 400, /Malformed Content-Type header/],
      ["/form", "application/x-www-form-urlencoded; charset", 400, /Malformed Content-Type/],
      ["/form", "text/plain; charset=", 415, /Expected a form body/],
      ["/form", "application/json", 415, /Expected a form body/],
      ["/stream", "application/x-www-form-urlencoded", 415, /Expected a multipart/],
      ["/json", "text/json", 415, /Expected a JSON body/],
      ["/json", "garbage", 415, /Expected a JSON body/],
    ];
    for (const [url, type, status, message] of cases) {
      const response = await post(url, type);
      assert.equal(response.status, status, `${url} ${type}`);
      assert.match(response.text, message, `${url} ${type}`);
    }
  });
});
