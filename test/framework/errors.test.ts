import assert from "node:assert/strict";
import { HttpError } from "../../src/wire/http-error.js";
import { type ClientResponse, matrix, newApp } from "./matrix.js";

const SECRET = "db password is hunter2";
const ACCEPTS = ["text/html", "application/json", "text/plain"] as const;

function failingApp(development: boolean) {
  const app = newApp({ development });
  app.get("/crash", () => {
    throw new Error(SECRET);
  });
  app.get("/async-crash", async () => {
    await Promise.resolve();
    throw new TypeError(SECRET);
  });
  app.get("/internal-http-error", () => {
    throw new HttpError(503, SECRET);
  });
  app.get("/teapot", () => {
    throw new HttpError(422, "Email is not valid", {
      headers: { "x-field": "email" },
      details: { field: "email", rule: "format" },
    });
  });
  app.get("/ok", () => "still fine");
  return app;
}

function assertNoLeak(response: ClientResponse, label: string): void {
  assert.ok(!response.text.includes("hunter2"), `${label}: internal message leaked`);
  assert.ok(!/\bat .+:\d+:\d+/.test(response.text), `${label}: stack trace leaked`);
  assert.ok(!response.text.includes("errors.test"), `${label}: file path leaked`);
}

matrix("error handling", (check) => {
  check("HttpError sets status, message, headers and details", async (serve) => {
    const client = await serve(failingApp(false));
    const json = await client.get("/teapot", { headers: { accept: "application/json" } });
    assert.equal(json.status, 422);
    assert.equal(json.headers.get("x-field"), "email");
    assert.deepEqual(json.json(), {
      status: 422,
      error: "Unprocessable Content",
      message: "Email is not valid",
      details: { field: "email", rule: "format" },
    });
  });

  check("error bodies follow Accept: HTML, JSON or text", async (serve) => {
    const client = await serve(failingApp(false));
    const htmlPage = await client.get("/teapot", { headers: { accept: "text/html" } });
    assert.equal(htmlPage.headers.get("content-type"), "text/html; charset=utf-8");
    assert.match(htmlPage.text, /<h1>422 Unprocessable Content<\/h1><p>Email is not valid<\/p>/);
    const json = await client.get("/teapot", {
      headers: { accept: "text/html;q=0.5, application/json" },
    });
    assert.equal(json.headers.get("content-type"), "application/json; charset=utf-8");
    const text = await client.get("/teapot", { headers: { accept: "text/plain" } });
    assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.match(text.text, /^422 Unprocessable Content: Email is not valid\n/);
    const fallback = await client.get("/teapot", { headers: { accept: "image/png" } });
    assert.equal(fallback.headers.get("content-type"), "text/plain; charset=utf-8");
  });

  check("error responses say Vary: Accept, merged with a Vary set earlier", async (serve) => {
    const app = failingApp(false);
    app.get("/varied", (_request, response) => {
      response.headers.set("vary", "Origin");
      throw new HttpError(409, "Conflict");
    });
    const client = await serve(app);
    for (const url of ["/teapot", "/crash", "/missing"]) {
      const response = await client.get(url, { headers: { accept: "application/json" } });
      assert.equal(response.headers.get("vary"), "Accept", url);
    }
    const varied = await client.get("/varied");
    assert.equal(varied.status, 409);
    assert.equal(varied.headers.get("vary"), "Origin, Accept");
  });

  check("production never shows internal messages or stacks", async (serve) => {
    const client = await serve(failingApp(false));
    for (const url of ["/crash", "/async-crash", "/internal-http-error"]) {
      for (const accept of ACCEPTS) {
        const response = await client.get(url, { headers: { accept } });
        assert.equal(response.status, url === "/internal-http-error" ? 503 : 500, url);
        assertNoLeak(response, `${url} as ${accept}`);
      }
    }
    const json = await client.get("/crash", { headers: { accept: "application/json" } });
    assert.deepEqual(json.json(), {
      status: 500,
      error: "Internal Server Error",
      message: "Internal Server Error",
    });
  });

  check("development shows the stack of 500s in every format", async (serve) => {
    const client = await serve(failingApp(true));
    for (const accept of ACCEPTS) {
      const response = await client.get("/crash", { headers: { accept } });
      assert.equal(response.status, 500);
      assert.ok(response.text.includes(`Error: ${SECRET}`), accept);
      assert.match(response.text, /\bat .+errors\.test\.js:\d+:\d+/, accept);
    }
    const json = await client.get("/async-crash", { headers: { accept: "application/json" } });
    assert.match(json.json<{ stack: string }>().stack, /^TypeError: db password is hunter2\n/);
    const client4xx = await client.get("/teapot", { headers: { accept: "text/plain" } });
    assert.ok(!/\bat .+:\d+:\d+/.test(client4xx.text), "4xx responses never carry stacks");
  });

  check("a throwing handler leaves the connection usable", async (serve) => {
    const client = await serve(failingApp(false));
    const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
    const responses = await client.raw(
      request("/crash") + request("/async-crash") + request("/teapot") + request("/ok"),
    );
    assert.deepEqual(
      responses.map((response) => response.status),
      [500, 500, 422, 200],
    );
    assert.equal(responses[3]?.text, "still fine");
    for (const response of responses) assert.equal(response.headers.get("connection"), null);
  });

  check("headers describing the failed body are dropped, others kept", async (serve) => {
    const app = newApp();
    app.get("/", (_request, response) => {
      response.headers.set("content-type", "image/png");
      response.headers.set("etag", '"v1"');
      response.headers.set("x-kept", "yes");
      throw new HttpError(409, "Conflict here");
    });
    const client = await serve(app);
    const response = await client.get("/", { headers: { accept: "text/plain" } });
    assert.equal(response.status, 409);
    assert.equal(response.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(response.headers.get("etag"), null);
    assert.equal(response.headers.get("x-kept"), "yes");
  });
});
