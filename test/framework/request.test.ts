import assert from "node:assert/strict";
import type { ProxyTrust } from "../../src/app/proxy.js";
import { matrix, newApp } from "./matrix.js";

function addressApp(trustProxy?: ProxyTrust) {
  const app = newApp(trustProxy === undefined ? {} : { trustProxy });
  app.get("/who", (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    secure: request.secure,
    host: request.host,
  }));
  return app;
}

matrix("request helpers", (check) => {
  check("query keeps repeated keys in order and decodes", async (serve) => {
    const app = newApp({ maxQueryKeys: 5 });
    app.get("/search", (request) => ({ ...request.query }));
    const client = await serve(app);
    const response = await client.get("/search?tag=a&q=caf%C3%A9+au+lait&tag=b&empty=&tag=c");
    assert.deepEqual(response.json(), {
      tag: ["a", "b", "c"],
      q: "café au lait",
      empty: "",
    });
    const tooMany = await client.get("/search?a=1&b=2&c=3&d=4&e=5&f=6", {
      headers: { accept: "text/plain" },
    });
    assert.equal(tooMany.status, 400);
    assert.equal(tooMany.text, "400 Bad Request: Too many query parameters (limit 5)\n");
  });

  check("cookies survive garbage in the Cookie header", async (serve) => {
    const app = newApp();
    app.get("/cookies", (request) => ({ ...request.cookies }));
    const client = await serve(app);
    const response = await client.get("/cookies", {
      headers: { cookie: 'a=1; garbage; =nameless; b="quoted"; c=%20x; a=second;;  d = spaced ' },
    });
    assert.deepEqual(response.json(), { a: "1", b: "quoted", c: "%20x", d: "spaced" });
    const none = await client.get("/cookies");
    assert.deepEqual(none.json(), {});
  });

  check("without trustProxy forwarding headers are ignored", async (serve) => {
    const client = await serve(addressApp());
    const response = await client.get("/who", {
      headers: {
        host: "app.example:8080",
        "x-forwarded-for": "203.0.113.9",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "evil.example",
        forwarded: "for=198.51.100.1;proto=https;host=evil.example",
      },
    });
    assert.deepEqual(response.json(), {
      ip: "127.0.0.1",
      protocol: "http",
      secure: false,
      host: "app.example",
    });
  });

  check("trustProxy: true believes the leftmost X-Forwarded-For entry", async (serve) => {
    const client = await serve(addressApp(true));
    const response = await client.get("/who", {
      headers: {
        host: "internal:3000",
        "x-forwarded-for": "203.0.113.9, 10.0.0.2",
        "x-forwarded-proto": "https",
        "x-forwarded-host": "shop.example",
      },
    });
    assert.deepEqual(response.json(), {
      ip: "203.0.113.9",
      protocol: "https",
      secure: true,
      host: "shop.example",
    });
  });

  check("trustProxy: 1 takes the address the one trusted proxy saw", async (serve) => {
    const client = await serve(addressApp(1));
    const response = await client.get("/who", {
      headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.9" },
    });
    assert.equal(response.json<{ ip: string }>().ip, "203.0.113.9");
  });

  check(
    "trustProxy: 1 takes proto and host from the trusted hop, not the client's",
    async (serve) => {
      const client = await serve(addressApp(1));
      const response = await client.get("/who", {
        headers: {
          "x-forwarded-for": "6.6.6.6, 203.0.113.9",
          "x-forwarded-proto": "https, http",
          "x-forwarded-host": "evil.example, shop.example",
        },
      });
      assert.deepEqual(response.json(), {
        ip: "203.0.113.9",
        protocol: "http",
        secure: false,
        host: "shop.example",
      });
    },
  );

  check("header: forwarded reads RFC 7239 Forwarded only, IPv6 included", async (serve) => {
    const client = await serve(addressApp({ proxies: true, header: "forwarded" }));
    const response = await client.get("/who", {
      headers: {
        forwarded: 'for="[2001:db8::17]:4711";Proto=HTTPS;host=api.example, for=10.0.0.2',
        "x-forwarded-for": "192.0.2.1",
      },
    });
    assert.deepEqual(response.json(), {
      ip: "2001:db8::17",
      protocol: "https",
      secure: true,
      host: "api.example",
    });
  });

  check("request id comes from a valid X-Request-Id or is generated", async (serve) => {
    const app = newApp();
    app.get("/id", (request) => request.id);
    const client = await serve(app);
    const given = await client.get("/id", { headers: { "x-request-id": "abc-123.def:9" } });
    assert.equal(given.text, "abc-123.def:9");
    const generated = [
      await client.get("/id", { headers: { "x-request-id": "has spaces & <tags>" } }),
      await client.get("/id"),
    ].map((response) => response.text);
    for (const id of generated) assert.match(id, /^[0-9a-f]{8}-[0-9a-z]+$/);
    assert.notEqual(generated[0], generated[1]);
  });

  check("the request id goes back to the client whenever it was used", async (serve) => {
    const app = newApp();
    app.get("/quiet", () => "no id used");
    app.get("/used", (request) => request.id);
    const client = await serve(app);
    assert.equal((await client.get("/quiet")).headers.get("x-request-id"), null);
    const used = await client.get("/used", { headers: { "x-request-id": "trace-42" } });
    assert.equal(used.headers.get("x-request-id"), "trace-42");
  });

  check("a custom request id header is read, and false ignores the header", async (serve) => {
    const custom = newApp({ requestIdHeader: "x-trace" });
    custom.get("/id", (request) => request.id);
    const off = newApp({ requestIdHeader: false });
    off.get("/id", (request) => request.id);
    const [customClient, offClient] = [await serve(custom), await serve(off)];
    assert.equal((await customClient.get("/id", { headers: { "x-trace": "t1" } })).text, "t1");
    const ignored = await offClient.get("/id", { headers: { "x-request-id": "client-chosen" } });
    assert.notEqual(ignored.text, "client-chosen");
  });
});
