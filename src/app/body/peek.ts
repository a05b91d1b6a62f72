import type { WireRequest } from "../../wire/request.js";

/**
 * A bounded look at the start of a request body that leaves the body whole for its reader.
 *
 * A hook that must decide from the first bytes (the CSRF guard looking for a form token at the
 * front of a multipart upload) reads at most about `maxBytes`; the handler then reads the body
 * from its first byte as if nothing had happened, streaming or whole. Peeks are rare, so what they
 * hold is kept off the request object.
 */

interface Peeked {
  readonly held: Buffer[];
  readonly iterator: AsyncIterator<Buffer>;
  heldBytes: number;
  done: boolean;
  replayed: boolean;
}

const peeks = new WeakMap<WireRequest, Peeked>();

/**
 * The first bytes of the body: at least `maxBytes` of them unless the body is shorter, and at
 * most `maxBytes` plus one received chunk. Peeking again reads further, up to the new bound.
 */
export async function peekBody(request: WireRequest, maxBytes: number): Promise<Buffer> {
  let peeked = peeks.get(request);
  if (peeked === undefined) {
    const stream = request.bodyStream;
    if (stream === undefined) return Buffer.alloc(0);
    peeked = {
      held: [],
      iterator: stream[Symbol.asyncIterator](),
      heldBytes: 0,
      done: false,
      replayed: false,
    };
    peeks.set(request, peeked);
  }
  if (peeked.replayed) throw new Error("The request body was already read: peek before reading");
  while (!peeked.done && peeked.heldBytes < maxBytes) {
    const next = await peeked.iterator.next();
    if (next.done === true) peeked.done = true;
    else {
      peeked.held.push(next.value);
      peeked.heldBytes += next.value.length;
    }
  }
  return Buffer.concat(peeked.held, peeked.heldBytes);
}

/** The body from its first byte as chunks, if it was peeked at; undefined otherwise. */
export function replayedChunks(request: WireRequest): AsyncIterator<Buffer> | undefined {
  const peeked = peeks.get(request);
  if (peeked === undefined) return undefined;
  claim(peeked);
  return replay(peeked);
}

/** The whole body, if it was peeked at; undefined otherwise. */
export function replayedBytes(request: WireRequest): Promise<Buffer> | undefined {
  const peeked = peeks.get(request);
  if (peeked === undefined) return undefined;
  claim(peeked);
  return collect(peeked, request);
}

function claim(peeked: Peeked): void {
  if (peeked.replayed) {
    throw new Error("The request body was already read: read it once and keep the result");
  }
  peeked.replayed = true;
}

async function* replay(peeked: Peeked): AsyncGenerator<Buffer> {
  const held = peeked.held.splice(0);
  for (const chunk of held) yield chunk;
  if (peeked.done) return;
  for (;;) {
    const next = await peeked.iterator.next();
    if (next.done === true) return;
    yield next.value;
  }
}

async function collect(peeked: Peeked, request: WireRequest): Promise<Buffer> {
  const held = peeked.held.splice(0);
  // The rest arrives through the body's own collector, which enforces the body limit.
  const rest = peeked.done ? [] : [await request.bodyStream!.bytes()];
  return Buffer.concat([...held, ...rest]);
}
