import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Worker } from "node:worker_threads";
import { PROPERTIES } from "./fuzz-properties.js";

/**
 * Runs each fuzz property in a worker thread with a deadline: a synchronous infinite loop in the
 * parser cannot be interrupted by node:test's timeout, but a worker can be terminated.
 */

const DEADLINE_MS = 12_000;

function runInWorker(name: string): Promise<{ ok: boolean; message?: string }> {
  const worker = new Worker(new URL("./fuzz-properties.js", import.meta.url), { workerData: name });
  return new Promise((resolve, reject) => {
    const watchdog = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`"${name}" did not finish within ${DEADLINE_MS} ms: the parser may hang`));
    }, DEADLINE_MS);
    worker.once("message", (result: { ok: boolean; message?: string }) => {
      clearTimeout(watchdog);
      void worker.terminate();
      resolve(result);
    });
    worker.once("error", (failure) => {
      clearTimeout(watchdog);
      reject(failure);
    });
  });
}

describe("parser fuzz", () => {
  for (const name of Object.keys(PROPERTIES)) {
    it(name, async () => {
      const result = await runInWorker(name);
      assert.ok(result.ok, result.message);
    });
  }
});
