import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { InjectedResponse } from "../../src/app/inject.js";
import type { InvalidSessionReason } from "../../src/index.js";
import { Keyring } from "../../src/session/keys.js";
import { seal } from "../../src/session/seal.js";
import { Browser, DAY, KEY_A, KEY_B, parseSetCookie, sessionApp } from "./helpers.js";

/** An app whose sessions report why a cookie was refused, with a counter and a read-only page. */
function appWithReasons(options: Parameters<typeof sessionApp>[0] = {}) {
  const reasons: InvalidSessionReason[] = [];
  const setup = sessionApp({ onInvalid: (reason) => reasons.push(reason), ...options });
  setup.app.get("/count", (request) => {
    const count = Number(request.session.count ?? 0) + 1;
    request.session.count = count;
    return `count ${count}`;
  });
  setup.app.get("/read", (request) => `count ${String(request.session.count ?? 0)}`);
  return { ...setup, reasons };
}

/** A valid cookie set (name → value) holding `data`, made by a server with `keys`. */
async function validCookies(
  data: Record<string, string>,
  keys: string[] = [KEY_A],
  extra: Parameters<typeof sessionApp>[0] = {},
): Promise<Map<string, string>> {
  const { app } = sessionApp({ keys, ...extra }, { limits: { maxHeaderBytes: 32 * 1024 } });
  app.get("/", (request) => {
    Object.assign(request.session, data);
    return "ok";
  });
  const browser = new Browser(app);
  await browser.request("/");
  return browser.cookies;
}

function header(cookies: Map<string, string>): string {
  return [...cookies].map(([name, value]) => `${name}=${value}`).join("; ");
}

/** Everything a client could use to tell two responses apart, minus cookie values and dates. */
function shape(response: InjectedResponse): string {
  const lines = response.rawHeaders
    .reduce<string[]>((out, item, index, all) => {
      if (index % 2 === 0 && !/^(date|x-request-id)$/i.test(item))
        out.push(`${item}: ${all[index + 1]}`);
      return out;
    }, [])
    .map((line) => line.replace(/^(set-cookie: [^=]+=)[^;]*/i, "$1<value>"));
  return `${response.status}\n${lines.join("\n")}\n\n${response.text()}`;
}

describe("bad session cookies over HTTP", () => {
  const tamper = (token: string): string =>
    token.slice(0, 40) + (token[40] === "A" ? "B" : "A") + token.slice(41);

  const cases: Array<{
    name: string;
    reason: InvalidSessionReason;
    cookie: () => Promise<string>;
    clock?: number;
  }> = [
    { name: "garbage characters", reason: "malformed", cookie: async () => "session=%%%!!" },
    {
      name: "random base64url",
      reason: "malformed",
      cookie: async () => `session=${"QUFB".repeat(3)}`,
    },
    {
      name: "one character changed",
      reason: "auth-failed",
      cookie: async () => `session=${tamper((await validCookies({ u: "1" })).get("session")!)}`,
    },
    {
      name: "sealed with a key this server never had",
      reason: "unknown-key",
      cookie: async () => header(await validCookies({ u: "1" }, [KEY_B])),
    },
    {
      name: "sealed under another cookie name",
      reason: "auth-failed",
      cookie: async () =>
        `session=${(await validCookies({ u: "1" }, [KEY_A], { cookieName: "other" })).get("other")}`,
    },
    {
      name: "not a session payload",
      reason: "bad-payload",
      cookie: async () =>
        `session=${seal(new Keyring([KEY_A]), "session", Buffer.from('{"admin":true}'))}`,
    },
    {
      name: "expired (idle timeout)",
      reason: "expired",
      cookie: async () => header(await validCookies({ u: "1" })),
      clock: DAY,
    },
    {
      name: "a chunk over 4096 characters",
      reason: "oversized",
      cookie: async () => `session=${"A".repeat(4100)}`,
    },
  ];

  test("every reason: 200, a fresh session, the cookie deleted, identical responses", async () => {
    const shapes = new Map<string, string>();
    for (const { name, reason, cookie, clock } of cases) {
      const { app, reasons, clock: fake, logs } = appWithReasons();
      const value = await cookie();
      if (clock !== undefined) fake.advance(clock);
      for (const path of ["/read", "/count"]) {
        const response = await app.inject({ url: path, headers: { cookie: value } });
        assert.equal(response.status, 200, name);
        assert.equal(response.text(), path === "/read" ? "count 0" : "count 1", name);
        const lines = response.headers.getSetCookie().map(parseSetCookie);
        const expected = path === "/read" ? [true] : [false];
        assert.deepEqual(
          lines.map((line) => line.deletes),
          expected,
          name,
        );
        assert.equal(lines[0]!.name, "session", name);
        shapes.set(`${path} ${name}`, shape(response));
      }
      assert.deepEqual(reasons, [reason, reason], name);
      assert.deepEqual(logs, [], `${name}: nothing logged`);
    }
    for (const path of ["/read", "/count"]) {
      const distinct = new Set(
        [...shapes].filter(([key]) => key.startsWith(path)).map(([, s]) => s),
      );
      assert.equal(distinct.size, 1, `${path}: responses differ by reason`);
    }
  });

  test("chunk problems: missing, extra and swapped chunks give a fresh session, all deleted", async () => {
    const big = { blob: "x".repeat(4500) };
    const twoChunks = await validCookies(big);
    assert.deepEqual([...twoChunks.keys()], ["session", "session.1"]);
    const other = await validCookies({ blob: "y".repeat(4500) });
    // `reason` only where the chunk layer decides; the others fail in decoding or authentication.
    const chunkCases: Array<{ cookie: string; reason?: InvalidSessionReason; deleted: string[] }> =
      [
        {
          cookie: `session.1=${twoChunks.get("session.1")}`,
          reason: "missing-chunk",
          deleted: ["session.1"],
        },
        { cookie: `session=${twoChunks.get("session")}`, deleted: ["session"] },
        {
          cookie: `${header(twoChunks)}; session.2=AAAA`,
          reason: "too-many-chunks",
          deleted: ["session", "session.1", "session.2"],
        },
        {
          cookie: `session=${twoChunks.get("session")}; session.1=${other.get("session.1")}`,
          deleted: ["session", "session.1"],
        },
        {
          cookie: `session=${twoChunks.get("session.1")}; session.1=${twoChunks.get("session")}`,
          deleted: ["session", "session.1"],
        },
      ];
    for (const { cookie, reason, deleted } of chunkCases) {
      const { app, reasons } = appWithReasons();
      const response = await app.inject({ url: "/read", headers: { cookie } });
      assert.equal(response.status, 200);
      assert.equal(response.text(), "count 0");
      const lines = response.headers.getSetCookie().map(parseSetCookie);
      assert.deepEqual(lines.map((line) => line.name).sort(), deleted, cookie.slice(0, 40));
      assert.ok(lines.every((line) => line.deletes));
      assert.equal(reasons.length, 1);
      if (reason !== undefined) assert.equal(reasons[0], reason);
    }
  });

  test("fuzzed Cookie headers never produce a 500 nor an over-long Set-Cookie", async () => {
    const { app } = appWithReasons();
    const valid = header(await validCookies({ u: "1", blob: "z".repeat(3900) }));
    const pieces = fc.constantFrom(
      "session=",
      "session.1=",
      "session.2=",
      "__Host-session=",
      "; ",
      ";",
      "=",
      '"',
      "%",
      "\t",
      " ",
      valid,
      valid.slice(0, 100),
      "A".repeat(4097),
    );
    const fragment = fc.oneof(pieces, fc.string({ unit: "binary-ascii", maxLength: 40 }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fragment, { maxLength: 12 }),
        fc.boolean(),
        async (parts, write) => {
          const cookie = parts
            .join("")
            .replace(/[^\t\x20-\x7e]/g, "")
            .trim();
          const headers: Record<string, string> = cookie === "" ? {} : { cookie };
          const response = await app.inject({ url: write ? "/count" : "/read", headers });
          // 431 when the fuzz repeats a large cookie past maxHeaderBytes; never a server error.
          assert.ok(
            response.status === 200 || response.status === 431,
            `status ${response.status}`,
          );
          for (const line of response.headers.getSetCookie()) {
            assert.ok(Buffer.byteLength(`Set-Cookie: ${line}`) <= 4096);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("session size limits over HTTP", () => {
  test("every Set-Cookie line stays within 4096 bytes across the chunk boundaries", async () => {
    const { app } = sessionApp({ maxChunks: 2 });
    app.get("/store", (request) => {
      request.session.blob = "b".repeat(Number(request.query.n));
      return "ok";
    });
    let previousChunks = 0;
    let sawTwoChunks = false;
    const lengths: number[] = [];
    for (let n = 0; n <= 6200; n += 25) lengths.push(n);
    for (let index = 0; index < lengths.length; index++) {
      const n = lengths[index]!;
      const response = await app.inject({ url: `/store?n=${n}` });
      if (response.status === 500) break;
      const lines = response.headers.getSetCookie();
      for (const line of lines)
        assert.ok(Buffer.byteLength(`Set-Cookie: ${line}`) <= 4096, `n=${n}`);
      // Where the chunk count changes, check every length in between too.
      if (lines.length !== previousChunks && previousChunks !== 0 && index > 0) {
        for (let m = lengths[index - 1]! + 1; m < n; m++) {
          const inner = await app.inject({ url: `/store?n=${m}` });
          for (const line of inner.headers.getSetCookie()) {
            assert.ok(Buffer.byteLength(`Set-Cookie: ${line}`) <= 4096, `n=${m}`);
          }
        }
      }
      sawTwoChunks ||= lines.length === 2;
      previousChunks = lines.length;
    }
    assert.ok(sawTwoChunks, "the sweep reached two chunks");
  });

  test("too large: 500 with a clear log line, no Set-Cookie, and the old cookie still works", async () => {
    const { app, logs } = sessionApp({ maxChunks: 1 });
    app.get("/set", (request) => {
      request.session.blob = "c".repeat(Number(request.query.n));
      return "saved";
    });
    app.get("/length", (request) => String(String(request.session.blob ?? "").length));
    const browser = new Browser(app);
    assert.equal((await browser.request("/set?n=100")).text(), "saved");
    const old = browser.cookieHeader();
    const tooBig = await browser.request("/set?n=5000");
    assert.equal(tooBig.status, 500);
    assert.deepEqual(tooBig.headers.getSetCookie(), []);
    assert.equal(browser.cookieHeader(), old);
    assert.equal(logs.length, 1);
    assert.match(logs[0]!.message, /^Session not saved: Session too large: .* raise `maxChunks`/);
    assert.equal((await browser.request("/length")).text(), "100");
  });
});
