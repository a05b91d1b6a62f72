import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { canonicalPath } from "../../src/app/canonical-path.js";
import { RouteError, Router } from "../../src/app/router.js";
import type { Server } from "../../src/app/server.js";
import { serveStatic } from "../../src/app/static.js";
import { HttpError } from "../../src/wire/http-error.js";
import { type Client, type ClientResponse, matrix, newApp } from "./matrix.js";

/**
 * Issue 13 item 1: hooks, the router, groups and static files see one canonical path, so a
 * before hook that gates "/admin" by `request.path` cannot be walked around by another spelling.
 */

describe("canonicalPath", () => {
  const same: string[] = [
    "/",
    "/admin/secret",
    "/.well-known/security.txt",
    "/a/...",
    "/a/.b",
    "/a//b/",
    "/a;b=c/d",
    "*",
  ];
  for (const path of same) {
    test(`${path} is already canonical (and returned as the same string)`, () => {
      assert.equal(canonicalPath(path), path);
    });
  }

  const rewritten: Array<[string, string]> = [
    ["/%61dmin/secret", "/admin/secret"],
    ["/%41DMIN", "/ADMIN"],
    ["/%7euser/%2D%5f", "/~user/-_"],
    ["/a%3Bb%3a%40%21%24%26%27%28%29%2A%2B%2C%3D", "/a;b:@!$&'()*+,="],
    ["/a%2fb", "/a%2Fb"],
    ["/a%2Fb", "/a%2Fb"],
    ["/a%3fb%23c%25d%5ce", "/a%3Fb%23c%25d%5Ce"],
    ["/caf%c3%a9", "/caf%C3%A9"],
    ["/sp%20ace%00%7f", "/sp%20ace%00%7F"],
    ["/%252e%252e/x", "/%252e%252e/x"],
    ["/%2e%2e%2f", "/..%2F"],
    ["/%2e.x", "/..x"],
  ];
  for (const [path, canonical] of rewritten) {
    test(`${path} → ${canonical}`, () => {
      assert.equal(canonicalPath(path), canonical);
      assert.equal(canonicalPath(canonical), canonical, "canonical form is a fixed point");
    });
  }

  const refused: string[] = [
    "/..",
    "/.",
    "/x/../admin",
    "/x/./admin",
    "/admin/.",
    "/%2e%2e/admin",
    "/%2E/admin",
    "/.%2e/admin",
    "/x/%2e%2E",
    "/%",
    "/%4",
    "/%zz",
    "/a%g0",
    // Characters just below "0" are not hex digits either.
    "/%-1",
    "/%+0",
    "/%.0",
    "/%/0",
    // A dot segment right after an empty one.
    "//%2e",
    "//%2E%2e/x",
  ];
  const DOT = "Dot segment (. or ..) in path: resolve it before sending the request";
  const MALFORMED = "Malformed percent-encoding in path";
  for (const path of refused) {
    test(`${path} is a 400`, () => {
      const message = /%(?![0-9a-fA-F]{2})/.test(path) ? MALFORMED : DOT;
      assert.throws(
        () => canonicalPath(path),
        (error: unknown) =>
          error instanceof HttpError && error.status === 400 && error.message === message,
      );
    });
  }

  test("every spelling of a segment of unreserved characters has the same canonical form", () => {
    const unreserved = fc.constantFrom(
      ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_~",
    );
    const spelled = fc
      .array(fc.tuple(unreserved, fc.nat(2)), { minLength: 1, maxLength: 12 })
      .map((chars) => ({
        plain: chars.map(([c]) => c).join(""),
        encoded: chars
          .map(([c, how]) => {
            const hex = c.charCodeAt(0).toString(16);
            return how === 0 ? c : `%${how === 1 ? hex : hex.toUpperCase()}`;
          })
          .join(""),
      }));
    fc.assert(
      fc.property(spelled, ({ plain, encoded }) => {
        assert.equal(canonicalPath(`/${encoded}/x`), `/${plain}/x`);
      }),
    );
  });
});

test("a route pattern with a dot segment (which no request can reach) fails at registration", () => {
  for (const pattern of ["/a/../b", "/a/.", "/%2e%2e/x", "/x/%2E"]) {
    assert.throws(() => new Router<null>().add(["GET"], pattern, null), RouteError, pattern);
  }
  new Router<null>().add(["GET"], "/.well-known/:file", null);
});

const SECRET = "the admin secret";
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), "slow-serv-canonical-"));
  await mkdir(join(root, "admin"));
  await writeFile(join(root, "admin", "secret.txt"), SECRET);
  await writeFile(join(root, "public.txt"), "public");
});
after(() => rm(root, { recursive: true, force: true }));

/**
 * The gate the docs suggest, plus every way of reaching admin content: a route, a group, a
 * static tree served from a catch-all, and a static route without parameters.
 */
function gatedApp(seen: string[]): Server {
  const app = newApp();
  app.before((request) => {
    seen.push(request.path);
    const gated = request.path.startsWith("/admin") || request.path.startsWith("/files/admin");
    if (gated && request.headers.get("authorization") !== "Bearer ok") {
      throw new HttpError(401, "Sign in first");
    }
  });
  app.get("/admin/secret", () => SECRET);
  app.group("/admin/area", (group) => {
    group.get("/:page", (request) => `${SECRET} (${request.params.page})`);
  });
  app.get("/files/*path", serveStatic(root));
  app.get("/admin/secret.txt", serveStatic(root));
  app.get("/echo/:name", (request) => ({ name: request.params.name, path: request.path }));
  return app;
}

async function get(client: Client, target: string, headers = ""): Promise<ClientResponse> {
  const responses = await client.raw(
    `GET ${target} HTTP/1.1\r\nhost: localhost\r\n${headers}connection: close\r\n\r\n`,
  );
  assert.equal(responses.length, 1, `one response to ${target}`);
  return responses[0]!;
}

/** Other spellings of the gated paths; each must be refused, never served. */
const BYPASSES: Array<[target: string, status: number]> = [
  ["/%61dmin/secret", 401],
  ["/%61%64%6d%69%6e/secret", 401],
  ["/%41dmin/secret", 404],
  ["/admin/%73ecret", 401],
  ["/admin/area/%70age", 401],
  ["/%61dmin/area/x", 401],
  ["/files/%61dmin/secret.txt", 401],
  ["/files/%61dmin%2fsecret.txt", 401],
  ["/files/%61dmin%2Fsecret.txt", 401],
  ["/%66iles/admin/secret.txt", 401],
  ["/%61dmin/secret.txt", 401],
  ["/x/../admin/secret", 400],
  ["/x/%2e%2e/admin/secret", 400],
  ["/x/%2E%2E/admin/secret", 400],
  ["/x/.%2e/admin/secret", 400],
  ["/%2e%2e/admin/secret", 400],
  ["/./admin/secret", 400],
  ["/%2e/admin/secret", 400],
  ["/files/x/../admin/secret.txt", 400],
  ["/files/x/%2e%2e/admin/secret.txt", 400],
  ["/files/x/%2e%2e%2fadmin/secret.txt", 404],
  ["/files/x%2f..%2fadmin/secret.txt", 404],
  ["/files//admin/secret.txt", 404],
  ["//admin/secret", 404],
  ["/%2fadmin/secret", 404],
  ["/%252561dmin/secret", 404],
  ["/%2561dmin/secret", 404],
  ["/admin;x/secret", 401],
  ["/admin./secret", 401],
  ["/%zzadmin/secret", 400],
  ["http://localhost/%61dmin/secret", 401],
];

matrix("one canonical path for hooks, router, groups and static files", (check) => {
  check("spellings of a gated path never reach its content", async (serve) => {
    const client = await serve(gatedApp([]));
    for (const [target, status] of BYPASSES) {
      const response = await get(client, target);
      assert.equal(response.status, status, target);
      assert.ok(!response.text.includes(SECRET), `${target} leaked the secret`);
    }
  });

  check("the hook sees the canonical path the router matched", async (serve) => {
    const seen: string[] = [];
    const client = await serve(gatedApp(seen));
    const auth = "authorization: Bearer ok\r\n";
    const expected: Array<[target: string, path: string, body: string]> = [
      ["/%61dmin/secret", "/admin/secret", SECRET],
      ["/%61dmin/area/%70age", "/admin/area/page", `${SECRET} (page)`],
      ["/files/%61dmin/secret.txt", "/files/admin/secret.txt", SECRET],
      ["/%61dmin/secret%2etxt", "/admin/secret.txt", SECRET],
      ["/files/public%2Etxt", "/files/public.txt", "public"],
    ];
    for (const [target, path, body] of expected) {
      seen.length = 0;
      const response = await get(client, target, auth);
      assert.equal(response.status, 200, target);
      assert.equal(response.text, body, target);
      assert.deepEqual(seen, [path], target);
    }
  });

  check("params are still decoded; request.path keeps reserved escapes", async (serve) => {
    const client = await serve(gatedApp([]));
    const cases: Array<[target: string, name: string, path: string]> = [
      ["/echo/a%2fb", "a/b", "/echo/a%2Fb"],
      ["/echo/caf%c3%a9", "café", "/echo/caf%C3%A9"],
      ["/echo/a%20b%3Bc", "a b;c", "/echo/a%20b;c"],
      ["/echo/%2561", "%61", "/echo/%2561"],
      ["/echo/%7E%61", "~a", "/echo/~a"],
      ["/echo/..%2F", "../", "/echo/..%2F"],
    ];
    for (const [target, name, path] of cases) {
      const response = await get(client, target);
      assert.equal(response.status, 200, target);
      assert.deepEqual(response.json(), { name, path }, target);
    }
  });

  check("a path refused before routing still runs app hooks and gets a 400", async (serve) => {
    const seen: string[] = [];
    const client = await serve(gatedApp(seen));
    const response = await get(client, "/x/../admin/secret");
    assert.equal(response.status, 400);
    assert.match(response.text, /Dot segment/);
    assert.deepEqual(seen, ["/x/../admin/secret"], "request.path reads as sent, never throws");
  });
});
