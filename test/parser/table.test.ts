import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CASES } from "./cases.js";
import { assertWellFormed, parsePieces, splits, toBuffer } from "./harness.js";

describe("request parser table", () => {
  it("has uniquely named rows", () => {
    const names = CASES.map((row) => row.name);
    assert.deepEqual(
      names.filter((name, index) => names.indexOf(name) !== index),
      [],
    );
    assert.ok(CASES.length >= 150, `only ${CASES.length} rows`);
  });

  for (const row of CASES) {
    it(row.name, () => {
      const input = toBuffer(row.input);
      for (const { label, pieces } of splits(input)) {
        const run = parsePieces(pieces, row.limits, row.bodyLimit);
        assert.deepEqual(run.events, row.expect, `${row.name} (${label})`);
        assertWellFormed(run);
      }
    });
  }
});
