import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { jsonTooDeep } from "../../src/app/body/json-depth.js";
import { ConfigError } from "../../src/wire/options.js";
import { KEY_A } from "../session/helpers.js";
import { matrix, newApp } from "./matrix.js";

/**
 * Issue 13 item 4: 10 KB of nested brackets parsed, then gave a 500 when echoed or stored in the
 * session. Nesting beyond `maxJsonDepth` (default 64) is now a 400 before parsing.
 */

const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);

describe("jsonTooDeep", () => {
  test("counts arrays and objects, not brackets inside strings", () => {
    assert.equal(jsonTooDeep(nested(64), 64), false);
    assert.equal(jsonTooDeep(nested(65), 64), true);
    assert.equal(jsonTooDeep(`${'{"a":'.repeat(65)}1${"}".repeat(65)}`, 64), true);
    assert.equal(jsonTooDeep(`${'{"a":'.repeat(64)}1${"}".repeat(64)}`, 64), false);
    assert.equal(jsonTooDeep(JSON.stringify({ s: "[".repeat(500) }), 64), false);
    assert.equal(jsonTooDeep(JSON.stringify({ s: `\\"${"[".repeat(500)}` }), 64), false);
    assert.equal(jsonTooDeep(`[${"[],".repeat(500)}[]]`, 2), false);
  });

  test("arrays and objects count together: 33 of each, alternating, are 66 levels", () => {
    const alternating = `${'[{"a":'.repeat(33)}1${"}]".repeat(33)}`;
    assert.equal(JSON.parse(alternating).length, 1, "valid JSON");
    assert.equal(jsonTooDeep(alternating, 64), true);
    assert.equal(jsonTooDeep(alternating, 66), false);
    assert.equal(jsonTooDeep(alternating, 65), true);
  });

  test("a limit above 1000 or below 1 is a ConfigError", () => {
    assert.throws(() => newApp({ maxJsonDepth: 0 }), ConfigError);
    assert.throws(() => newApp({ maxJsonDepth: 5000 }), /maxJsonDepth/);
  });
});

matrix("JSON nesting limit", (check) => {
  check("deep JSON is a 400; what fits is echoed and stored in the session", async (serve) => {
    const app = newApp({ session: { keys: [KEY_A] } });
    app.post("/echo", (request) => request.json());
    app.post("/store", async (request) => {
      request.session.value = (await request.json()) as never;
      return { stored: JSON.stringify(request.session.value).length };
    });
    const client = await serve(app);
    const send = (path: string, body: string) =>
      client.request("POST", path, { headers: { "content-type": "application/json" }, body });

    for (const path of ["/echo", "/store"]) {
      const objects = `${'{"a":'.repeat(65)}1${"}".repeat(65)}`;
      for (const body of [nested(5000), nested(65), objects]) {
        const refused = await send(path, body);
        assert.equal(refused.status, 400, `${path} ${body.length}`);
        assert.match(refused.text, /deeper than 64 levels/);
      }
      const fits = await send(path, nested(64));
      assert.equal(fits.status, 200, path);
    }
    assert.deepEqual((await send("/echo", nested(64))).json(), JSON.parse(nested(64)));

    const raised = newApp({ maxJsonDepth: 200 });
    raised.post("/echo", (request) => request.json());
    const raisedClient = await serve(raised);
    const deep = await raisedClient.request("POST", "/echo", {
      headers: { "content-type": "application/json" },
      body: nested(200),
    });
    assert.equal(deep.status, 200);
  });
});
