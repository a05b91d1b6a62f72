import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type RunningDemo, startDemo } from "./harness.js";

interface NoteJson {
  id: string;
  title: string;
  body: string;
  createdAt: string;
  extra?: unknown;
}

interface Problem {
  status: number;
  error: string;
  message: string;
  details?: { issues: unknown[] };
}

describe("demo: notes JSON API", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo();
  });
  after(() => demo.close());

  function call(path: string, init: RequestInit = {}): Promise<globalThis.Response> {
    return fetch(demo.url + path, init);
  }

  function postJson(body: unknown): Promise<globalThis.Response> {
    return call("/api/notes", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  it("creates, reads, lists and deletes a note", async () => {
    const created = await postJson({ title: " Groceries ", body: "milk", extra: "dropped" });
    assert.equal(created.status, 201);
    const note = (await created.json()) as NoteJson;
    assert.match(note.id, /^[0-9a-f]{32}$/);
    assert.equal(note.title, "Groceries");
    assert.equal(note.body, "milk");
    assert.equal(note.extra, undefined);
    assert.equal(created.headers.get("location"), `/api/notes/${note.id}`);

    const read = await call(`/api/notes/${note.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), note);

    const list = await call("/api/notes");
    assert.match(list.headers.get("content-type") ?? "", /^application\/json/);
    assert.ok(
      ((await list.json()) as { notes: NoteJson[] }).notes.some((entry) => entry.id === note.id),
    );

    const removed = await call(`/api/notes/${note.id}`, { method: "DELETE" });
    assert.equal(removed.status, 204);
    const gone = await call(`/api/notes/${note.id}`);
    assert.equal(gone.status, 404);
    // The library's default error shape: the reason phrase, then the message.
    assert.deepEqual(await gone.json(), {
      status: 404,
      error: "Not Found",
      message: `No note with id ${note.id}`,
    });
    const again = await call(`/api/notes/${note.id}`, { method: "DELETE" });
    assert.equal(again.status, 404);
    await again.arrayBuffer();
  });

  const invalid: Array<[string, unknown, Array<{ path: string; message: string }>]> = [
    ["an empty title", { title: "" }, [{ path: "title", message: "title is required" }]],
    ["a missing title", { body: "b" }, [{ path: "title", message: "title is required" }]],
    ["a number title", { title: 5 }, [{ path: "title", message: "title must be text" }]],
    [
      "a too long title and body",
      { title: "t".repeat(101), body: "b".repeat(2001) },
      [
        { path: "title", message: "title must be at most 100 characters (got 101)" },
        { path: "body", message: "body must be at most 2000 characters (got 2001)" },
      ],
    ],
    ["an array", [], [{ path: "", message: "Expected an object" }]],
    ["null", null, [{ path: "", message: "Expected an object" }]],
  ];

  for (const [label, body, issues] of invalid) {
    it(`answers ${label} with 400 and the issues`, async () => {
      const response = await postJson(body);
      assert.equal(response.status, 400);
      const problem = (await response.json()) as Problem;
      assert.equal(problem.error, "Bad Request");
      assert.equal(problem.message, "Validation failed");
      assert.deepEqual(
        problem.details?.issues,
        issues.map((issue) => ({ part: "body", ...issue })),
      );
    });
  }

  const failures: Array<[string, RequestInit & { path?: string }, number]> = [
    [
      "malformed JSON",
      { method: "POST", headers: { "content-type": "application/json" }, body: "{" },
      400,
    ],
    ["a text body", { method: "POST", headers: { "content-type": "text/plain" }, body: "x" }, 415],
    // A cross-site HTML form can send these without a preflight: the API must not accept them.
    [
      "an urlencoded form body",
      {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "title=From+a+form",
      },
      415,
    ],
    [
      "a multipart form body",
      {
        method: "POST",
        headers: { "content-type": "multipart/form-data; boundary=b" },
        body: '--b\r\ncontent-disposition: form-data; name="title"\r\n\r\nFrom a form\r\n--b--\r\n',
      },
      415,
    ],
    [
      "an oversized body",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "x", body: "y".repeat(20_000) }),
      },
      413,
    ],
    ["PUT on a note", { method: "PUT", path: "/api/notes/abc", body: "{}" }, 405],
    ["an unknown API path", { path: "/api/nothing" }, 404],
    [
      "a cross-site POST",
      {
        method: "POST",
        headers: { "content-type": "application/json", "sec-fetch-site": "cross-site" },
        body: JSON.stringify({ title: "x" }),
      },
      403,
    ],
  ];

  for (const [label, init, status] of failures) {
    it(`answers ${label} with ${status} as JSON, even for a browser`, async () => {
      const response = await call(init.path ?? "/api/notes", {
        ...init,
        headers: { accept: "text/html", ...init.headers },
      });
      assert.equal(response.status, status);
      assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
      const problem = (await response.json()) as Problem;
      assert.equal(problem.status, status);
      assert.equal(typeof problem.error, "string");
      assert.equal(typeof problem.message, "string");
    });
  }

  it("lists the notes on the Notes page, escaped", async () => {
    const created = await postJson({ title: "<b>bold</b>", body: "" });
    const note = (await created.json()) as NoteJson;
    const page = await call("/notes");
    const html = await page.text();
    assert.ok(html.includes("&lt;b&gt;bold&lt;/b&gt;"));
    assert.ok(html.includes(`data-id="${note.id}"`));
  });
});
