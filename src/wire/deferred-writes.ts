// Answers for several connections produced in one event-loop iteration go out together at its
// end, after the last read, instead of one by one between the reads.
//
// Why: a write that wakes a sleeping client is expensive (on a VM it ends in an interrupt-enable
// hypercall), and a client waiting on many connections sleeps between answers whenever the server
// is the slower side. Written one by one between reads, every answer wakes it; written together,
// the first wakes it and the rest find it awake. In the benchmark's POST scenario that took the
// server's CPU per request from 30 to 24.5 µs (docs/architecture.md, "How slow-serv gets its
// speed").
//
// The first connection to answer in an iteration still writes at once, so a lone connection never
// waits for a setImmediate (which would cost it about 3 µs per request and add latency).

/** A connection with output held back until the end of the current loop iteration. */
export interface DeferredWriter {
  writeDeferred(): void;
}

let pending: DeferredWriter[] = [];
let scheduled = false;
/**
 * The connection that last wrote at once. Reset when deferred output goes out, so it can outlive
 * its iteration: a different connection answering in a later one is then deferred by that one
 * iteration, which costs it a setImmediate but is never wrong.
 */
let wroteAtOnce: DeferredWriter | undefined;

/**
 * True if `writer` should write now. Otherwise it is queued, and its `writeDeferred()` runs at the
 * end of this loop iteration (in a `setImmediate`), in the order the writers were queued.
 */
export function writeNowOrDefer(writer: DeferredWriter): boolean {
  if (wroteAtOnce === undefined || wroteAtOnce === writer) {
    wroteAtOnce = writer;
    return true;
  }
  pending.push(writer);
  if (!scheduled) {
    scheduled = true;
    setImmediate(writeAllDeferred);
  }
  return false;
}

function writeAllDeferred(): void {
  scheduled = false;
  wroteAtOnce = undefined;
  const writers = pending;
  pending = [];
  for (const writer of writers) writer.writeDeferred();
}
