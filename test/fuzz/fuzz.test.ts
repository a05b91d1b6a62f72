import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runFuzz } from "./driver.js";

/**
 * A short run of the wire fuzzer (the full one is `npm run fuzz`, see docs/fuzzing.md). The seed
 * changes every run, so each `npm test` explores new inputs; a failure prints the seed and the
 * inputs, and `npm run fuzz -- --seed N` replays them.
 */

describe("wire fuzz (brief)", { timeout: 60_000 }, () => {
  it("agrees with the strict reference and answers every request exactly once, in order", async () => {
    const lines: string[] = [];
    const report = await runFuzz({ seconds: 3, log: (line) => lines.push(line) });
    assert.ok(report.inputs >= 100, `only ${report.inputs} inputs in ${report.seconds} s`);
    assert.ok(report.tcpInputs > 0, "no input went over TCP");
    assert.deepEqual(
      report.mismatches,
      [],
      `seed ${report.seed}: ${report.mismatches.length} mismatches\n${lines.join("\n")}`,
    );
  });
});
