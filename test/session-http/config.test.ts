import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, test } from "node:test";
import {
  csrfPlugin,
  developmentKey,
  generateKey,
  Server,
  type ServerOptions,
  sessionPlugin,
} from "../../src/index.js";
import { Browser, KEY_A } from "./helpers.js";

const KEYGEN = /npx slow-serv keygen/;

describe("start-up errors", () => {
  const cases: Array<[string, ServerOptions, RegExp[]]> = [
    ["a short key", { session: { keys: [`hex:${"ab12".repeat(8)}`] } }, [/16 bytes/, KEYGEN]],
    [
      "a passphrase",
      { session: { keys: ["correct horse battery staple"] } },
      [/passphrase/, KEYGEN],
    ],
    ["a duplicate key", { session: { keys: [KEY_A, KEY_A] } }, [/same secret/, KEYGEN]],
    ["no keys", { session: { keys: [] } }, [/non-empty array/, KEYGEN]],
    [
      "a text key in base64url",
      { session: { keys: [`base64url:${Buffer.from("x".repeat(40)).toString("base64url")}`] } },
      [KEYGEN],
    ],
    [
      "maxChunks beyond what maxHeaderBytes can carry",
      { session: { keys: [KEY_A], maxChunks: 5 } },
      [/limits\.maxHeaderBytes/, /at least 24576/, /session\.maxChunks/],
    ],
    [
      "a lowered maxHeaderBytes",
      { session: { keys: [KEY_A] }, limits: { maxHeaderBytes: 8192 } },
      [/Raise `limits\.maxHeaderBytes` to at least 12288/],
    ],
    ["csrf without sessions", { csrf: true }, [/needs sessions/, KEYGEN]],
    ["an unknown session option", { session: { keys: [KEY_A], secret: "x" } as never }, [/secret/]],
    [
      "an unknown csrf option",
      { session: { keys: [KEY_A] }, csrf: { headerName: "x" } as never },
      [/Unknown csrf option `headerName`/],
    ],
    [
      "a csrf header that is not a header name",
      { session: { keys: [KEY_A] }, csrf: { header: "x token" } },
      [/header name/],
    ],
    [
      "a trusted origin with a path",
      { session: { keys: [KEY_A] }, csrf: { trustedOrigins: ["https://a.example/app"] } },
      [/no path/],
    ],
    [
      "a wildcard trusted origin",
      { session: { keys: [KEY_A] }, csrf: { trustedOrigins: ["https://*.example.com"] } },
      [/wildcard/],
    ],
  ];
  for (const [name, options, patterns] of cases) {
    test(name, () => {
      assert.throws(
        () => new Server(options),
        (error: Error) => patterns.every((pattern) => pattern.test(error.message)),
      );
    });
  }

  test("raising maxHeaderBytes makes room for more chunks", () => {
    assert.ok(
      new Server({
        session: { keys: [KEY_A], maxChunks: 5 },
        limits: { maxHeaderBytes: 24576 },
      }),
    );
  });

  test("the CSRF plugin added by hand needs the session plugin first", () => {
    assert.throws(() => new Server().use(csrfPlugin()), /pass `session: \{ keys/);
    const app = new Server({ logger: false })
      .use(sessionPlugin({ keys: [KEY_A] }))
      .use(csrfPlugin({}));
    assert.ok(app);
  });

  test("a generated key is accepted", () => {
    assert.ok(new Server({ session: { keys: [generateKey(), KEY_A] } }));
  });
});

describe("lazy sessions", () => {
  test("a route that never touches the session does not open the cookie", async () => {
    let invalid = 0;
    const app = new Server({
      logger: false,
      session: { keys: [KEY_A], onInvalid: () => invalid++ },
    });
    app.get("/static", () => "static");
    app.get("/touch", (request) => String(request.session.isNew));
    const response = await app.inject({ url: "/static", headers: { cookie: "session=junk" } });
    assert.deepEqual(response.headers.getSetCookie(), []);
    assert.equal(invalid, 0);
    await app.inject({ url: "/touch", headers: { cookie: "session=junk" } });
    assert.equal(invalid, 1);
  });

  test("the session can be used in before and after hooks of the app", async () => {
    const app = new Server({ logger: false, session: { keys: [KEY_A] } });
    app.before((request) => {
      request.session.visits = Number(request.session.visits ?? 0) + 1;
    });
    app.after((request, response) => {
      response.headers.set("x-visits", String(request.session.visits));
    });
    app.get("/", () => "hi");
    const browser = new Browser(app);
    await browser.request("/");
    const second = await browser.request("/");
    assert.equal(second.headers.get("x-visits"), "2");
  });
});

describe("developmentKey()", () => {
  const dirs: string[] = [];
  const previousEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = previousEnv;
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), "slow-serv-devkey-"));
    dirs.push(dir);
    return dir;
  };

  test("generates a valid key once, private to the user, and reuses it", () => {
    process.env.NODE_ENV = "development";
    const path = join(tempDir(), ".slow-serv-dev-key");
    const first = developmentKey(path);
    assert.match(first, /^base64url:[A-Za-z0-9_-]{43}$/);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(developmentKey(path), first);
    assert.ok(new Server({ session: { keys: [first] } }));
  });

  test("adds the file to a .gitignore next to it, once", () => {
    delete process.env.NODE_ENV;
    const dir = tempDir();
    writeFileSync(join(dir, ".gitignore"), "node_modules/");
    developmentKey(join(dir, ".dev-key"));
    developmentKey(join(dir, ".dev-key"));
    const ignore = readFileSync(join(dir, ".gitignore"), "utf8");
    assert.equal(ignore.split("\n").filter((line) => line === ".dev-key").length, 1);
    assert.ok(ignore.startsWith("node_modules/\n"));
  });

  test("creates a .gitignore when there is none, so `git add .` leaves the key out", () => {
    delete process.env.NODE_ENV;
    const dir = tempDir();
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: "pipe" });
    git("init", "--quiet");
    developmentKey(join(dir, ".slow-serv-dev-key"));
    const ignore = readFileSync(join(dir, ".gitignore"), "utf8");
    assert.equal(ignore, "# slow-serv development session key\n.slow-serv-dev-key\n");
    git("add", ".");
    assert.deepEqual(git("diff", "--cached", "--name-only").trim().split("\n"), [".gitignore"]);
  });

  test("refuses to run in production", () => {
    process.env.NODE_ENV = "production";
    assert.throws(() => developmentKey(join(tempDir(), "k")), /development only.*keygen/s);
  });
});
