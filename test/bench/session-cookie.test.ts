import assert from "node:assert/strict";
import { test } from "node:test";
import {
  countWithSession,
  createSessionSealer,
  readCookie,
  SESSION_COOKIE,
} from "../../bench/peers/session-cookie.js";

const secret = Buffer.alloc(32, 7);

test("a sealed value opens to the same data, and two seals of it differ (fresh nonce)", () => {
  const sealer = createSessionSealer(secret);
  const first = sealer.seal({ count: 3 });
  assert.notEqual(first, sealer.seal({ count: 3 }));
  assert.deepEqual({ ...sealer.open(first) }, { count: 3 });
});

test("any changed character, truncation or other key fails closed", () => {
  const sealer = createSessionSealer(secret);
  const token = sealer.seal({ count: 1 });
  for (let index = 0; index < token.length; index++) {
    const replacement = token[index] === "A" ? "B" : "A";
    const tampered = token.slice(0, index) + replacement + token.slice(index + 1);
    assert.equal(sealer.open(tampered), undefined, `changed character ${index}`);
  }
  for (let length = 0; length < token.length; length++) {
    assert.equal(sealer.open(token.slice(0, length)), undefined, `truncated to ${length}`);
  }
  assert.equal(createSessionSealer(Buffer.alloc(32, 8)).open(token), undefined);
  assert.throws(() => createSessionSealer(Buffer.alloc(16)), /at least 32 bytes/);
});

test("the counter starts at 1, increments through the cookie, and resets on garbage", () => {
  const sealer = createSessionSealer(secret);
  const first = countWithSession(sealer, undefined);
  assert.equal(first.body, "count 1");
  const cookie = first.headers["set-cookie"]!.split(";")[0]!;
  assert.match(first.headers["set-cookie"]!, /; Path=\/; HttpOnly; SameSite=Lax$/);
  assert.equal(countWithSession(sealer, `other=1; ${cookie}`).body, "count 2");
  assert.equal(countWithSession(sealer, `${SESSION_COOKIE}=garbage`).body, "count 1");
});

test("cookie lookup matches whole names only", () => {
  assert.equal(readCookie("a=1; bench_session=xyz; b=2", SESSION_COOKIE), "xyz");
  assert.equal(readCookie("xbench_session=1", SESSION_COOKIE), undefined);
  assert.equal(readCookie(undefined, SESSION_COOKIE), undefined);
});
