import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import {
  clockTicksPerSecond,
  coreShare,
  cpuMicrosPerRequest,
  parseCpuTicks,
  parseReapedChildTicks,
  parseRssKb,
  readCpuTicks,
  readReapedChildTicks,
  readRssKb,
} from "../../bench/proc-stats.js";

test("utime + stime are found even when the command name has spaces and parentheses", () => {
  const stat =
    "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 5000 0 0 0 731 269 0 0 20 0 11 0 100 1000 2000";
  assert.equal(parseCpuTicks(stat), 731 + 269);
});

test("a malformed stat line is rejected instead of yielding NaN", () => {
  assert.throws(() => parseCpuTicks("1 (x) S 1"), /unexpected/);
});

test("VmRSS is read in kB", () => {
  assert.equal(parseRssKb("Name:\tnode\nVmPeak:\t 9 kB\nVmRSS:\t   51234 kB\n"), 51234);
  assert.throws(() => parseRssKb("Name:\tnode\n"), /VmRSS/);
});

test("CPU per request converts clock ticks to microseconds", () => {
  const ticks = clockTicksPerSecond();
  // One second of CPU over 100,000 requests is 10 µs each.
  assert.equal(cpuMicrosPerRequest(0, ticks, 100_000), 10);
  assert.ok(Number.isNaN(cpuMicrosPerRequest(0, ticks, 0)));
});

test("this process's own counters are readable and CPU time grows with work", () => {
  const before = readCpuTicks(process.pid);
  // Spin until the counter moves: on a busy machine 60 ms of wall time can be less than one tick
  // of CPU. The deadline only bounds a counter that never moves, which is the failure.
  const deadline = Date.now() + 10_000;
  // At least one round of work: the counter may tick between the first two reads by itself.
  let spin = 0;
  do {
    for (let index = 0; index < 100_000; index++) spin++;
  } while (readCpuTicks(process.pid) === before && Date.now() < deadline);
  assert.ok(spin > 0);
  assert.ok(readCpuTicks(process.pid) > before, "no CPU tick counted after 10 s of spinning");
  assert.ok(readRssKb(process.pid) > 1000);
});

test("cutime + cstime are read from the same line, after a comm with spaces", () => {
  const stat =
    "4242 (node (x) y) S 1 4242 4242 0 -1 4194560 5000 0 0 0 731 269 40 2 20 0 11 0 100 1000 2000";
  assert.equal(parseReapedChildTicks(stat), 42);
  assert.throws(() => parseReapedChildTicks("1 (x) S 1 2 3 4 5 6 7 8 9 10 11 12"), /unexpected/);
});

test("a child's CPU time is counted once it has exited and been waited for", async () => {
  const before = readReapedChildTicks();
  // The child spins for 300 ms of CPU; Node reaps it before 'exit' fires.
  const child = spawn(process.execPath, [
    "-e",
    "const end = process.cpuUsage().user + 300000; while (process.cpuUsage().user < end);",
  ]);
  const [code] = (await once(child, "exit")) as [number];
  assert.equal(code, 0);
  const seconds = (readReapedChildTicks() - before) / clockTicksPerSecond();
  assert.ok(seconds >= 0.25, `reaped child CPU ${seconds} s, expected about 0.3 s or more`);
  assert.equal(coreShare(clockTicksPerSecond(), 2), 0.5);
});
