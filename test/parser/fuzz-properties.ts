import assert from "node:assert/strict";
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import fc from "fast-check";
import type { ParserLimits } from "../../src/wire/parser.js";
import {
  cutPoints,
  httpNoise,
  mutatedPipeline,
  randomLimits,
  splitAt,
  validPipeline,
} from "./generate.js";
import { assertWellFormed, type ParseRun, parsePieces, splits } from "./harness.js";

/**
 * Properties over generated input. Whatever the bytes, the parser must not throw, must follow the
 * event grammar, and must say the same thing however the bytes are split. Valid input must come
 * back exactly as it was encoded. Each property runs in a worker (see fuzz.test.ts) so that a
 * parser stuck in a loop is caught by a deadline instead of hanging the test run.
 */

function parseChecked(pieces: readonly Buffer[], limits: Partial<ParserLimits>): ParseRun {
  const run = parsePieces(pieces, limits);
  assertWellFormed(run);
  const { parser } = run;
  const states = [parser.done, parser.idle, parser.inHead].filter(Boolean);
  assert.ok(states.length <= 1, "done, idle and inHead are exclusive");
  const bodyCalls = run.recorder.bodies.reduce((count, pieces) => count + pieces.length, 0);
  const inputBytes = pieces.reduce((total, piece) => total + piece.length, 0);
  assert.ok(bodyCalls <= inputBytes, "more body calls than input bytes");
  assert.ok(run.events.length <= inputBytes + 1, "more events than input bytes");
  return run;
}

/** Whole, byte by byte and at random cuts: every way must give the same events. */
function assertSplitInvariant(bytes: Buffer, cuts: number[], limits: Partial<ParserLimits>): void {
  const whole = parseChecked([bytes], limits);
  const byByte = parseChecked([...splits(bytes)][1]!.pieces, limits);
  assert.deepEqual(byByte.events, whole.events, "byte by byte differs from whole");
  const cut = parseChecked(splitAt(bytes, cuts), limits);
  assert.deepEqual(cut.events, whole.events, `split at ${cuts} differs from whole`);
}

export const PROPERTIES: Record<string, () => void> = {
  "random bytes": () =>
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        cutPoints,
        randomLimits,
        (bytes, cuts, limits) => assertSplitInvariant(Buffer.from(bytes), cuts, limits),
      ),
      { numRuns: 400 },
    ),
  "HTTP-flavoured noise": () =>
    fc.assert(
      fc.property(httpNoise, cutPoints, randomLimits, (bytes, cuts, limits) =>
        assertSplitInvariant(bytes, cuts, limits),
      ),
      { numRuns: 600 },
    ),
  "mutated valid requests": () =>
    fc.assert(
      fc.property(mutatedPipeline, cutPoints, randomLimits, (bytes, cuts, limits) =>
        assertSplitInvariant(bytes, cuts, limits),
      ),
      { numRuns: 400 },
    ),
  "valid requests parse to exactly what was encoded, however they are split": () =>
    fc.assert(
      fc.property(validPipeline, cutPoints, (pipeline, cuts) => {
        for (const pieces of [[pipeline.bytes], splitAt(pipeline.bytes, cuts)]) {
          const run = parseChecked(pieces, {});
          assert.deepEqual(run.events, pipeline.expect);
          const received = run.recorder.bodies.map((parts) => Buffer.concat(parts));
          assert.equal(received.length, pipeline.bodies.length);
          received.forEach((bytes, index) => {
            assert.ok(bytes.equals(pipeline.bodies[index]!), `body ${index} differs`);
          });
        }
      }),
      { numRuns: 400 },
    ),
  "valid requests parse identically byte by byte": () =>
    fc.assert(
      fc.property(validPipeline, (pipeline) => {
        const run = parseChecked([...splits(pipeline.bytes)][1]!.pieces, {});
        assert.deepEqual(run.events, pipeline.expect);
      }),
      { numRuns: 150 },
    ),
};

if (!isMainThread && parentPort !== null) {
  const name = workerData as string;
  try {
    PROPERTIES[name]!();
    parentPort.postMessage({ ok: true });
  } catch (failure) {
    parentPort.postMessage({ ok: false, message: String((failure as Error).message ?? failure) });
  }
}
