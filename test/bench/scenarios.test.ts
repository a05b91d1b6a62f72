import assert from "node:assert/strict";
import { test } from "node:test";
import { ECHO_KEYS, makeEchoBody, SCENARIOS } from "../../bench/scenarios.js";

test("the echo body is exactly 1 KB of JSON with the advertised number of keys", () => {
  const body = makeEchoBody();
  assert.equal(Buffer.byteLength(body), 1024);
  assert.equal(Object.keys(JSON.parse(body)).length, ECHO_KEYS);
  assert.equal(Buffer.byteLength(makeEchoBody(500, 7)), 500);
  assert.throws(() => makeEchoBody(10, 5), /do not fit/);
});

test("scenarios are numbered 1 to 20 and every load scenario expects a 200 with a body", () => {
  assert.deepEqual(
    SCENARIOS.map((scenario) => scenario.id),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  );
  for (const scenario of SCENARIOS) {
    if (scenario.kind !== "load") continue;
    assert.equal(scenario.expect.status, 200);
    assert.ok(scenario.expect.body.length > 0);
  }
});
