import assert from "node:assert/strict";
import type { Request } from "../../src/app/request.js";
import { matrix, newApp } from "./matrix.js";

function routedApp() {
  const app = newApp();
  app.get("/users/me", () => "static me");
  app.get("/users/:id", (request) => `param ${request.params.id}`);
  app.get("/users/*rest", (request) => `catch-all ${request.params.rest}`);
  app.get("/files/:name", (request) => `name=${request.params.name}`);
  app.get("/plain", () => "plain");
  app.post("/plain", () => "posted");
  return app;
}

matrix("router integration", (check) => {
  check("static beats param beats catch-all, with backtracking", async (serve) => {
    const client = await serve(routedApp());
    const cases: Array<[string, string]> = [
      ["/users/me", "static me"],
      ["/users/42", "param 42"],
      ["/users/42/posts/7", "catch-all 42/posts/7"],
      ["/users/me/settings", "catch-all me/settings"],
    ];
    for (const [url, expected] of cases) {
      const response = await client.get(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.text, expected, url);
    }
  });

  check("params are percent-decoded after splitting on '/'", async (serve) => {
    const client = await serve(routedApp());
    const cases: Array<[string, string]> = [
      ["/files/a%20b", "name=a b"],
      ["/files/a%2Fb", "name=a/b"],
      ["/files/%E2%82%AC", "name=€"],
      ["/files/caf%C3%A9.txt", "name=café.txt"],
    ];
    for (const [url, expected] of cases) {
      const response = await client.get(url);
      assert.equal(response.text, expected, url);
    }
  });

  check("malformed percent-escapes are a 400", async (serve) => {
    const client = await serve(routedApp());
    for (const url of ["/files/%zz", "/files/%E2%82", "/files/%C0%AF", "/files/%"]) {
      const response = await client.get(url, { headers: { accept: "text/plain" } });
      assert.equal(response.status, 400, url);
      assert.match(response.text, /Malformed percent-encoding/, url);
    }
  });

  check("trailing slash is strict and unknown paths are 404", async (serve) => {
    const client = await serve(routedApp());
    assert.equal((await client.get("/plain")).status, 200);
    assert.equal((await client.get("/plain/")).status, 404);
    const missing = await client.get("/nowhere", { headers: { accept: "application/json" } });
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.json(), {
      status: 404,
      error: "Not Found",
      message: "No route for /nowhere",
    });
  });

  check("a method the path does not accept is 405 with Allow", async (serve) => {
    const client = await serve(routedApp());
    const response = await client.request("DELETE", "/plain");
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
    const param = await client.request("PUT", "/users/9");
    assert.equal(param.status, 405);
    assert.equal(param.headers.get("allow"), "GET, HEAD, OPTIONS");
  });

  check("HEAD answers GET routes with the GET headers and no body", async (serve) => {
    const client = await serve(routedApp());
    const get = await client.get("/users/42");
    const head = await client.request("HEAD", "/users/42");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers.get("content-length"), get.headers.get("content-length"));
    assert.equal(head.headers.get("content-type"), "text/plain; charset=utf-8");
  });

  check("OPTIONS lists the allowed methods, OPTIONS * lists every method", async (serve) => {
    const client = await serve(routedApp());
    const options = await client.request("OPTIONS", "/plain");
    assert.equal(options.status, 204);
    assert.equal(options.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
    assert.equal(options.body.length, 0);
    const [star] = await client.raw("OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n");
    assert.equal(star?.status, 204);
    assert.equal(star?.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
  });

  check("an explicit OPTIONS route wins over the automatic answer", async (serve) => {
    const app = newApp();
    app.route("/cors", (_request, response) => response.header("x-custom", "yes").end(), {
      methods: ["OPTIONS"],
    });
    const client = await serve(app);
    const response = await client.request("OPTIONS", "/cors");
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("x-custom"), "yes");
  });

  check("groups add prefixes and hooks only to their own routes", async (serve) => {
    const app = newApp();
    const tag = (label: string) => (request: Request) => {
      request.state.trail = `${(request.state.trail as string | undefined) ?? ""}${label}`;
    };
    app.get("/outside", (request) => `outside:${(request.state.trail as string) ?? ""}`);
    app.group(
      "/api",
      (api) => {
        api.get("/items", (request) => `items:${request.state.trail as string}`);
        api.group("/v1", (v1) => {
          v1.before(tag("[v1]"));
          v1.get("/", (request) => `v1 root:${request.state.trail as string}`);
          v1.get("/things/:id", (request) => `thing ${request.params.id}:${request.state.trail}`);
        });
      },
      { before: [tag("[api]")] },
    );
    const client = await serve(app);
    assert.equal((await client.get("/outside")).text, "outside:");
    assert.equal((await client.get("/api/items")).text, "items:[api]");
    assert.equal((await client.get("/api/v1")).text, "v1 root:[api][v1]");
    assert.equal((await client.get("/api/v1/things/3")).text, "thing 3:[api][v1]");
    assert.equal((await client.get("/api/v1/")).status, 404);
    assert.equal((await client.get("/api")).status, 404);
  });
});
