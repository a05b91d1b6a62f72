import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCliOptions } from "../../bench/cli-options.js";

test("defaults: every scenario, available peers, 3 rounds of 5 s after 3 s warm-up", () => {
  const options = parseCliOptions([]);
  assert.deepEqual(
    options.scenarios,
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
  );
  assert.equal(options.peers, undefined);
  assert.deepEqual([options.rounds, options.durationS, options.warmupS], [3, 5, 3]);
});

test("--quick shortens everything, and explicit flags still win", () => {
  const quick = parseCliOptions(["--quick"]);
  assert.deepEqual([quick.rounds, quick.durationS, quick.warmupS], [1, 2, 1]);
  const mixed = parseCliOptions(["--quick", "--rounds", "2", "--duration=4"]);
  assert.deepEqual([mixed.rounds, mixed.durationS, mixed.warmupS], [2, 4, 1]);
});

test("lists are parsed, trimmed and de-duplicated", () => {
  const options = parseCliOptions(["--scenarios", "1, 4,4,10", "--peers", "node-http,fastify"]);
  assert.deepEqual(options.scenarios, [1, 4, 10]);
  assert.deepEqual(options.peers, ["node-http", "fastify"]);
});

test("mistakes fail with a message that says what to type instead", () => {
  const cases: [string[], RegExp][] = [
    [["--scenarios", "21"], /no scenario "21"; choose from 1,2/],
    [["--peers", "koa"], /unknown peer "koa"; choose from slow-serv/],
    [["--rounds", "0"], /--rounds needs a positive integer/],
    [["--duration", "1.5"], /--duration needs a positive integer/],
    [["--rounds"], /--rounds needs a positive integer, got undefined/],
    [["--scenarios", ","], /comma-separated list/],
    [["--fast"], /unknown option --fast/],
  ];
  for (const [argv, message] of cases) assert.throws(() => parseCliOptions(argv), message);
});
