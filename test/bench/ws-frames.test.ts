// The WebSocket load generator counts exactly the messages the server sent, however the bytes are
// split across reads, and answers pings; a miscount would make every WebSocket figure wrong.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameCounter, frameBatches, serverTextFrame, textFrame } from "../../bench/ws-frames.js";

function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const length =
    payload.length < 126
      ? Buffer.from([payload.length])
      : payload.length < 65536
        ? Buffer.from([126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([127]), bigLength(payload.length)]);
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode]), length, payload]);
}

function bigLength(length: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(length));
  return bytes;
}

function counter() {
  const written: Buffer[] = [];
  let closes = 0;
  const frames = new FrameCounter({ write: (data: Buffer) => written.push(data) }, () => {
    closes++;
  });
  return { frames, written, closes: () => closes };
}

test("client frames are masked text frames with a zero key, batched into one buffer", () => {
  assert.deepEqual([...textFrame(Buffer.from("hi"))], [0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
  const batches = frameBatches(textFrame(Buffer.from("hi")));
  assert.equal(batches(3).length, 24);
  assert.equal(batches(3), batches(3), "cached");
  assert.throws(() => textFrame(Buffer.alloc(126)), /up to 125/);
});

test("every split of a stream of frames yields the same count", () => {
  const stream = Buffer.concat([
    serverFrame(0x1, Buffer.from("one")),
    serverFrame(0x9, Buffer.alloc(0)),
    serverFrame(0x2, Buffer.alloc(300, 1)),
    serverFrame(0x1, Buffer.from("frag"), false),
    serverFrame(0x0, Buffer.from("ment")),
    serverFrame(0xa, Buffer.alloc(0)),
    serverFrame(0x1, Buffer.alloc(70_000, 2)),
  ]);
  for (let split = 0; split <= stream.length; split += split < 40 ? 1 : 997) {
    const { frames, written } = counter();
    const total =
      frames.receive(stream.subarray(0, split)) + frames.receive(stream.subarray(split));
    assert.equal(total, 4, `split at ${split}`);
    assert.equal(written.length, 1, "one pong for the ping");
  }
  const { frames } = counter();
  let total = 0;
  for (const byte of stream) total += frames.receive(Buffer.from([byte]));
  assert.equal(total, 4, "byte by byte");
});

test("a close frame is reported, not counted as a message", () => {
  const { frames, closes } = counter();
  assert.equal(frames.receive(serverFrame(0x8, Buffer.from([0x03, 0xe8]))), 0);
  assert.equal(closes(), 1);
});

test("with an expected reply, a read of whole replies is counted and anything else is not", () => {
  const reply = serverTextFrame(Buffer.from("xxxx"));
  assert.deepEqual([...reply], [0x81, 4, 0x78, 0x78, 0x78, 0x78]);
  const make = () => new FrameCounter({ write: () => {} }, () => {}, reply);
  const three = Buffer.concat([reply, reply, reply]);
  const frames = make();
  assert.equal(frames.receive(three), 3);
  // Same length as three replies, one byte of the second payload wrong: two messages, one error.
  const wrong = Buffer.from(three);
  wrong[reply.length + 3] = 0x79;
  assert.equal(frames.receive(wrong), 2);
  assert.equal(frames.unexpected, 1);
  // A binary frame with the same payload is not the reply either.
  assert.equal(frames.receive(serverFrame(0x2, Buffer.from("xxxx"))), 0);
  assert.equal(frames.unexpected, 2);
  // Split anywhere, the replies are still counted, with a ping answered between them.
  const stream = Buffer.concat([reply, serverFrame(0x9, Buffer.alloc(0)), reply, reply]);
  for (let split = 0; split <= stream.length; split++) {
    const split1 = make();
    const count =
      split1.receive(stream.subarray(0, split)) + split1.receive(stream.subarray(split));
    assert.equal(count, 3, `split at ${split}`);
    assert.equal(split1.unexpected, 0);
  }
});

test("what a read leaves incomplete is copied: the read buffer may be reused", () => {
  const reply = serverTextFrame(Buffer.from("abcdef"));
  const frames = new FrameCounter({ write: () => {} }, () => {}, reply);
  const shared = Buffer.alloc(64);
  reply.copy(shared, 0, 0, 4);
  assert.equal(frames.receive(shared.subarray(0, 4)), 0);
  // The next read overwrites the shared buffer before delivering the rest of the frame.
  shared.fill(0);
  reply.copy(shared, 0, 4);
  assert.equal(frames.receive(shared.subarray(0, reply.length - 4)), 1);
  assert.equal(frames.unexpected, 0);
});
