import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { InjectOptions } from "../../src/app/inject.js";
import {
  type CsrfOptions,
  csrfPlugin,
  Server,
  type ServerOptions,
  sessionPlugin,
} from "../../src/index.js";
import { trustOriginsFor } from "../../src/session/csrf-guard.js";
import { ConfigError } from "../../src/wire/options.js";
import { KEY_A, sessionApp } from "./helpers.js";

// The CSRF guard's origin check in detail: which host and port the server takes as its own
// (Host, X-Forwarded-Host, Forwarded, IPv6, case), the precedence of Sec-Fetch-Site, opaque
// origins, and the start-up messages of its options. Found unpinned by mutation testing
// (docs/mutation/app.md). Every request here is exempt from the token check, so 200 means the
// origin check let it through and 403 that it refused it as cross-site.

const CROSS_SITE = /Cross-site request refused/;

function originApp(options: Omit<ServerOptions, "session" | "csrf"> = {}): Server {
  const { app } = sessionApp({}, { csrf: { exempt: () => true }, ...options });
  app.post("/transfer", () => "done");
  return app;
}

async function status(
  app: Server,
  headers: Record<string, string>,
  init: Partial<InjectOptions> = {},
): Promise<number> {
  const response = await app.inject({
    method: "POST",
    url: "/transfer",
    ...init,
    headers: { accept: "text/plain", ...headers },
  });
  if (response.status === 403) assert.match(response.text(), CROSS_SITE);
  return response.status;
}

describe("CSRF guard: the server's own origin", () => {
  test("the Host header's port is part of it, whatever the case of the name", async () => {
    const app = originApp();
    const host = { host: "Shop.Example:8080" };
    assert.equal(await status(app, { ...host, origin: "http://shop.example:8080" }), 200);
    assert.equal(await status(app, { ...host, referer: "http://SHOP.example:8080/form" }), 200);
    assert.equal(await status(app, { ...host, origin: "http://shop.example" }), 403);
    assert.equal(await status(app, { ...host, origin: "http://shop.example:8081" }), 403);
  });

  test("a one-letter host name keeps its port", async () => {
    const app = originApp();
    assert.equal(await status(app, { host: "a:8080", origin: "http://a:8080" }), 200);
    assert.equal(await status(app, { host: "a:8080", origin: "http://a" }), 403);
  });

  test("a bracketed IPv6 host, with and without a port", async () => {
    const app = originApp();
    assert.equal(await status(app, { host: "[::1]:8080", origin: "http://[::1]:8080" }), 200);
    assert.equal(await status(app, { host: "[::1]:8080", origin: "http://[::1]" }), 403);
    assert.equal(await status(app, { host: "[::1]", origin: "http://[::1]" }), 200);
    assert.equal(await status(app, { host: "[::1]", origin: "http://[::1]:8080" }), 403);
  });

  test("without trustProxy, forwarding headers from the client do not change it", async () => {
    const app = originApp();
    const forged = { host: "shop.example", "x-forwarded-host": "evil.example:8443" };
    assert.equal(await status(app, { ...forged, origin: "http://evil.example:8443" }), 403);
    assert.equal(await status(app, { ...forged, origin: "http://shop.example" }), 200);
    const forwarded = { host: "shop.example", forwarded: "host=evil.example" };
    assert.equal(await status(app, { ...forwarded, origin: "http://evil.example" }), 403);
  });

  test("without trustProxy, a forwarded host naming the same host cannot change the port", async () => {
    const app = originApp();
    const host = { host: "shop.example:8080" };
    const forgeries: Array<Record<string, string>> = [
      { "x-forwarded-host": "shop.example:9999" },
      { forwarded: "host=shop.example:9999" },
    ];
    for (const forged of forgeries) {
      const headers = { ...host, ...forged };
      assert.equal(await status(app, { ...headers, origin: "http://shop.example:9999" }), 403);
      assert.equal(await status(app, { ...headers, origin: "http://shop.example:8080" }), 200);
    }
  });

  test("behind a trusted proxy, the port comes from X-Forwarded-Host", async () => {
    const app = originApp({ trustProxy: 1 });
    const proxied = {
      host: "internal:3000",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "evil.example:1, SHOP.example:8443",
    };
    assert.equal(await status(app, { ...proxied, origin: "https://shop.example:8443" }), 200);
    assert.equal(await status(app, { ...proxied, origin: "https://shop.example" }), 403);
    assert.equal(await status(app, { ...proxied, origin: "https://evil.example:1" }), 403);
    assert.equal(await status(app, { ...proxied, origin: "http://internal:3000" }), 403);
  });

  test("behind a trusted proxy writing Forwarded, the port comes from its host=", async () => {
    const app = originApp({ trustProxy: { proxies: 1, header: "forwarded" } });
    const cases: Array<[forwarded: string, origin: string]> = [
      ["host=shop.example:8443;proto=https", "https://shop.example:8443"],
      ['for=192.0.2.1;host="shop.example:8443";proto=https', "https://shop.example:8443"],
      ["for=192.0.2.1, host=shop.example:8443;proto=https", "https://shop.example:8443"],
      ["proto=https;host=[2001:db8::1]:8443", "https://[2001:db8::1]:8443"],
    ];
    for (const [forwarded, origin] of cases) {
      const headers = { host: "internal:3000", forwarded };
      assert.equal(await status(app, { ...headers, origin }), 200, forwarded);
      const portless = origin.replace(/:8443$/, "");
      assert.equal(await status(app, { ...headers, origin: portless }), 403, forwarded);
    }
  });

  test("an HTTP/1.0 request in absolute form needs no Host header", async () => {
    const app = originApp();
    const [response] = await app.inject(
      "POST http://shop.example/transfer HTTP/1.0\r\norigin: http://shop.example\r\n" +
        "content-length: 0\r\n\r\n",
    );
    assert.equal(response?.status, 200);
  });

  test("with no host at all, even Origin: null is not taken as the server's own", async () => {
    const app = originApp();
    const request = (origin: string) =>
      app.inject(
        `POST /transfer HTTP/1.0\r\norigin: ${origin}\r\naccept: text/plain\r\n` +
          "content-length: 0\r\n\r\n",
      );
    for (const origin of ["null", "http://localhost"]) {
      const [response] = await request(origin);
      assert.equal(response?.status, 403, origin);
      assert.match(response!.body.toString(), CROSS_SITE);
    }
  });
});

describe("CSRF guard: Sec-Fetch-Site comes first", () => {
  test("same-origin and none are believed even when a proxy rewrote the Host", async () => {
    const app = originApp();
    const rewritten = { host: "internal:3000", origin: "https://shop.example" };
    assert.equal(await status(app, rewritten), 403);
    assert.equal(await status(app, { ...rewritten, "sec-fetch-site": "same-origin" }), 200);
    assert.equal(await status(app, { ...rewritten, "sec-fetch-site": "none" }), 200);
    assert.equal(await status(app, { ...rewritten, "sec-fetch-site": "cross-site" }), 403);
    assert.equal(await status(app, { ...rewritten, "sec-fetch-site": "same-site" }), 403);
  });

  test("a cross-site opaque origin is refused even by a trust that allows everything", async () => {
    const app = originApp();
    trustOriginsFor(app, () => true);
    assert.equal(await status(app, { "sec-fetch-site": "cross-site", origin: "null" }), 403);
    assert.equal(await status(app, { "sec-fetch-site": "cross-site", origin: "::" }), 403);
    assert.equal(await status(app, { "sec-fetch-site": "cross-site" }), 403);
    assert.equal(
      await status(app, { "sec-fetch-site": "cross-site", origin: "https://a.example" }),
      200,
    );
    assert.equal(await status(app, { origin: "null" }), 403);
  });
});

describe("CSRF guard: installation", () => {
  test("without the session plugin it fails at start-up and says what to add", () => {
    assert.throws(
      () => new Server({ logger: false }).use(csrfPlugin()),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message ===
          "CSRF protection keeps its secret in the session: pass `session: { keys: [...] }` " +
            "together with `csrf` to new Server() (or app.use(sessionPlugin(...)) first).",
    );
  });

  test("it is one plugin named csrf: installing it twice is a start-up error", () => {
    const app = new Server({ logger: false }).use(sessionPlugin({ keys: [KEY_A] }));
    app.use(csrfPlugin());
    assert.throws(() => app.use(csrfPlugin()), {
      message: "The 'csrf' plugin is already installed on this server",
    });
  });

  test("origins vouched for before the guard is installed still count", async () => {
    const app = new Server({ logger: false }).use(sessionPlugin({ keys: [KEY_A] }));
    trustOriginsFor(app, (origin) => origin === "https://a.example");
    trustOriginsFor(app, (origin) => origin === "https://b.example");
    app.use(csrfPlugin({ exempt: () => true }));
    app.post("/transfer", () => "done");
    for (const origin of ["https://a.example", "https://b.example"]) {
      assert.equal(await status(app, { origin }), 200, origin);
    }
    assert.equal(await status(app, { origin: "https://c.example" }), 403);
  });
});

describe("CSRF guard: option mistakes", () => {
  const cases: Array<[string, unknown, string]> = [
    ["null", null, "`csrf` must be true or an options object such as `{ header, field }`."],
    ["a string", "yes", "`csrf` must be true or an options object such as `{ header, field }`."],
    [
      "an unknown option",
      { token: "x" },
      "Unknown csrf option `token`. Known options: header, field, trustedOrigins, exempt.",
    ],
    [
      "a header that is not a string",
      { header: 42 },
      'csrf `header` must be a header name like "x-csrf-token".',
    ],
    ["an empty header", { header: "" }, 'csrf `header` must be a header name like "x-csrf-token".'],
    [
      "a header with a space",
      { header: "x token" },
      'csrf `header` must be a header name like "x-csrf-token".',
    ],
    [
      "an empty field",
      { field: "" },
      'csrf `field` must be a non-empty form field name like "_csrf".',
    ],
    [
      "a field that is not a string",
      { field: 1 },
      'csrf `field` must be a non-empty form field name like "_csrf".',
    ],
    [
      "exempt that is not a function",
      { exempt: true },
      "csrf `exempt` must be a function (request) => boolean, or left out.",
    ],
    [
      "trustedOrigins as a string",
      { trustedOrigins: "https://a.example" },
      'csrf `trustedOrigins` must be an array like ["https://admin.example.com"].',
    ],
  ];
  for (const [name, options, message] of cases) {
    test(name, () => {
      assert.throws(
        () => csrfPlugin(options as CsrfOptions),
        (error: unknown) => error instanceof ConfigError && error.message === message,
      );
    });
  }

  test("trustedOrigins entries must be origins", () => {
    for (const entry of [
      "https://a.example/path",
      "https://a.example?q",
      "https://a.example#x",
      "https://u:p@a.example",
      "https://u@a.example",
      "file:///x",
      42,
    ]) {
      assert.throws(
        () => csrfPlugin({ trustedOrigins: [entry as string] }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /^csrf `trustedOrigins` entries must be origins/.test(error.message),
        String(entry),
      );
    }
    assert.ok(csrfPlugin({ trustedOrigins: ["https://a.example:8443/"], exempt: undefined }));
  });
});
