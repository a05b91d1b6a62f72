// Published frames wait until the end of the event-loop iteration, then each subscriber gets ONE
// write with every frame published to it in that iteration.
//
// Why: on node:net a delivery costs one `socket.write` (a system call, and a wake-up of a client
// that may be asleep), whatever its size. A broadcast to N subscribers of k messages published in
// one iteration (k frames in one read from a publisher, or one from each of k publishers) cost
// k × N writes; held to the iteration's end it costs N. Subscribers of the same topic receive the
// same frames in the same order, so the joined buffer is built once and shared by all of them,
// as one published frame already is.
//
// The socket side (ordering with direct sends, backpressure, closed sockets) is the
// `QueuedWriter`'s business: see `WebSocket.queueEncoded`.

/** A socket holding published frames until the end of the current loop iteration. */
export interface QueuedWriter {
  /** Writes what it holds (if it still holds anything), joined through `joiner`. */
  writeQueued(joiner: FrameJoiner): void;
}

/**
 * Joins a subscriber's frames into one buffer, reusing the last join when the next subscriber
 * holds the same frames (by identity) in the same order: one copy per distinct sequence, not one
 * per subscriber.
 */
export class FrameJoiner {
  #frames: readonly Buffer[] | undefined = undefined;
  #joined: Buffer | undefined = undefined;

  join(frames: readonly Buffer[]): Buffer {
    if (frames.length === 1) return frames[0]!;
    const last = this.#frames;
    if (last !== undefined && last.length === frames.length && sameFrames(last, frames)) {
      return this.#joined!;
    }
    const joined = Buffer.concat(frames);
    this.#frames = frames;
    this.#joined = joined;
    return joined;
  }

  /** Forgets the last join, so no frame outlives its iteration here. */
  reset(): void {
    this.#frames = undefined;
    this.#joined = undefined;
  }
}

function sameFrames(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

let pending: QueuedWriter[] = [];
let spare: QueuedWriter[] = [];
let scheduled = false;
const joiner = new FrameJoiner();

/**
 * Registers `writer`, which now holds frames: its `writeQueued` runs at the end of this loop
 * iteration (in a `setImmediate`), in the order writers were registered. A writer registers once
 * per iteration, when it goes from holding nothing to holding something.
 */
export function queueWriter(writer: QueuedWriter): void {
  pending.push(writer);
  if (!scheduled) {
    scheduled = true;
    setImmediate(writeAllQueued);
  }
}

function writeAllQueued(): void {
  scheduled = false;
  const writers = pending;
  // Two arrays taking turns: no allocation per iteration. Writers registering while these are
  // written go into the other one, for the next turn.
  pending = spare;
  let index = 0;
  try {
    while (index < writers.length) writers[index++]!.writeQueued(joiner);
  } finally {
    // Should a write throw, the writers after it keep their frames for the next turn.
    for (; index < writers.length; index++) queueWriter(writers[index]!);
    writers.length = 0;
    spare = writers;
    joiner.reset();
  }
}
