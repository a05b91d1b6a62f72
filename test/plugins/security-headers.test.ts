import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import {
  ConfigError,
  HttpError,
  type SecurityHeadersOptions,
  Server,
  securityHeadersPlugin,
} from "../../src/index.js";
import { KEY_A } from "../session/helpers.js";
import { RawClient } from "../wire/client.js";
import { overTcp } from "./helpers.js";

const FIELDS = [
  "x-content-type-options",
  "content-security-policy",
  "x-frame-options",
  "referrer-policy",
  "cross-origin-opener-policy",
  "cross-origin-resource-policy",
  "strict-transport-security",
];

function fieldsOf(response: { headers: { get(name: string): string | null | undefined } }) {
  const found: Record<string, string> = {};
  for (const name of FIELDS) {
    const value = response.headers.get(name);
    if (value !== null && value !== undefined) found[name] = value;
  }
  return found;
}

function appWith(options?: SecurityHeadersOptions, serverOptions = {}): Server {
  const app = new Server({ logger: false, ...serverOptions });
  app.use(securityHeadersPlugin(options));
  app.get("/", () => "home");
  app.get("/embeddable", (_request, response) => {
    response.headers.set("x-frame-options", "SAMEORIGIN");
    response.headers.set("content-security-policy", "frame-ancestors 'self'");
    return "widget";
  });
  app.get("/fail", () => {
    throw new HttpError(400, "Bad input");
  });
  return app;
}

const DEFAULTS = {
  "x-content-type-options": "nosniff",
  "content-security-policy": "frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "strict-origin-when-cross-origin",
  "cross-origin-opener-policy": "same-origin",
};

describe("security headers plugin", () => {
  test("the defaults on plain HTTP: no HSTS there", async () => {
    await overTcp(appWith(), async (client) => {
      assert.deepEqual(fieldsOf(await client.request("GET", "/")), DEFAULTS);
      assert.deepEqual(fieldsOf(await client.request("GET", "/fail")), DEFAULTS, "errors too");
      assert.deepEqual(fieldsOf(await client.request("GET", "/nowhere")), DEFAULTS, "and 404s");
    });
  });

  test("HSTS over TLS, and behind a trusted proxy that terminated TLS", async () => {
    const tls = {
      key: readFileSync(new URL("../../../test/fixtures/tls/key.pem", import.meta.url)),
      cert: readFileSync(new URL("../../../test/fixtures/tls/cert.pem", import.meta.url)),
    };
    const app = appWith({ hsts: { maxAge: 600, includeSubDomains: true } });
    const { port } = await app.run({ port: 0, tls });
    try {
      const client = await RawClient.connect(port, { tls: true });
      client.write("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
      const response = await client.response();
      assert.equal(response.status, 200);
      assert.equal(response.headers["strict-transport-security"], "max-age=600; includeSubDomains");
    } finally {
      await app.close();
    }
    await overTcp(appWith({}, { trustProxy: true }), async (client) => {
      const proxied = await client.request("GET", "/", { "x-forwarded-proto": "https" });
      assert.equal(proxied.headers.get("strict-transport-security"), "max-age=31536000");
    });
    await overTcp(appWith(), async (client) => {
      const spoofed = await client.request("GET", "/", { "x-forwarded-proto": "https" });
      assert.equal(spoofed.headers.has("strict-transport-security"), false, "untrusted proxy");
    });
  });

  test("a handler's own value wins; options change or drop each header", async () => {
    const app = appWith({
      noSniff: false,
      frameAncestors: ["https://partner.example"],
      referrerPolicy: "no-referrer",
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: "same-site",
    });
    await overTcp(app, async (client) => {
      assert.deepEqual(fieldsOf(await client.request("GET", "/")), {
        "content-security-policy": "frame-ancestors 'self' https://partner.example",
        "referrer-policy": "no-referrer",
        "cross-origin-resource-policy": "same-site",
      });
    });
    await overTcp(appWith({ frameAncestors: "self" }), async (client) => {
      const own = fieldsOf(await client.request("GET", "/embeddable"));
      assert.equal(own["x-frame-options"], "SAMEORIGIN");
      assert.equal(own["content-security-policy"], "frame-ancestors 'self'");
    });
    await overTcp(appWith({ frameAncestors: false, referrerPolicy: false }), async (client) => {
      const fields = fieldsOf(await client.request("GET", "/"));
      assert.equal(fields["x-frame-options"], undefined);
      assert.equal(fields["content-security-policy"], undefined);
      assert.equal(fields["referrer-policy"], undefined);
    });
  });

  test("a refusal by a plugin installed earlier (CSRF) carries them too", async () => {
    const app = new Server({ logger: false, session: { keys: [KEY_A] }, csrf: true });
    app.use(securityHeadersPlugin());
    app.post("/", () => "changed");
    await overTcp(app, async (client) => {
      const refused = await client.request("POST", "/", { "sec-fetch-site": "cross-site" });
      assert.equal(refused.status, 403);
      assert.deepEqual(fieldsOf(refused), DEFAULTS);
    });
  });

  test("configuration mistakes fail at start-up", () => {
    const cases: Array<[SecurityHeadersOptions, RegExp]> = [
      [{ referrerPolicy: "never" as "origin" }, /`referrerPolicy` must be one of/],
      [{ frameAncestors: "all" as "self" }, /`frameAncestors` must be "none", "self"/],
      [{ frameAncestors: ["partner.example"] }, /origins like/],
      [{ hsts: { maxAge: -5 } }, /`hsts.maxAge` must be a whole number ≥ 0/],
      [{ hsts: { preload: true } }, /`hsts.preload` needs `includeSubDomains: true`/],
      [{ crossOriginOpenerPolicy: "open" as "same-origin" }, /`crossOriginOpenerPolicy`/],
      [
        { nosniff: true } as SecurityHeadersOptions,
        /Unknown securityHeadersPlugin option `nosniff`/,
      ],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => securityHeadersPlugin(options),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          return true;
        },
      );
    }
  });
});
