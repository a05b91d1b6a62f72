import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { type Served, serve } from "../wire/harness.js";
import { clientFrame, closeFrame, RawWebSocket } from "./frames.js";

/**
 * RFC 6455 over real TCP, against an echo route, case by case in the manner of the external
 * conformance suite's sections 1–7 and 9 (it cannot run here: no network). Each case sends
 * exact client frames, in one write or one byte per write, and checks the exact frames back.
 */

const closes: Array<[number, string]> = [];

function echoRoutes(app: Server): void {
  app.ws(
    "/ws",
    {
      message(ws, message, isBinary) {
        ws.send(message, { binary: isBinary });
      },
      close(_ws, code, reason) {
        closes.push([code, reason]);
      },
    },
    { maxMessageBytes: 16 * 1024 * 1024 },
  );
}

let served: Served;
before(async () => {
  served = await serve(echoRoutes);
});
after(() => served.close());

async function open(): Promise<RawWebSocket> {
  return RawWebSocket.open(served.port);
}

/** Sends `bytes` one byte per write (the server must not care how reads fall). */
async function trickle(client: RawWebSocket, bytes: Buffer): Promise<void> {
  for (const byte of bytes) {
    client.send(Buffer.of(byte));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function expectFailure(frames: Buffer, code: number, echoedFirst = 0): Promise<void> {
  const client = await open();
  client.send(frames);
  const close = await client.closed();
  assert.equal(close.code, code);
  assert.equal(close.before.length, echoedFirst);
}

describe("Handshake response (§4.2.2)", () => {
  it("answers 101 with the accept value of the RFC's example key", async () => {
    const client = await open();
    assert.match(client.response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(client.response, /\r\nUpgrade: websocket\r\n/);
    assert.match(client.response, /\r\nConnection: Upgrade\r\n/);
    assert.match(client.response, /\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/);
    assert.doesNotMatch(client.response, /Sec-WebSocket-Extensions/);
    client.raw.destroy();
  });
});

describe("Framing (sections 1 and 2: echo, ping/pong)", { timeout: 30_000 }, () => {
  for (const size of [0, 125, 126, 127, 128, 65535, 65536, 1 << 20]) {
    it(`echoes text and binary of ${size} bytes`, async () => {
      const client = await open();
      const text = "*".repeat(size);
      client.send(clientFrame(1, text));
      client.send(clientFrame(2, Buffer.alloc(size, 0xfe)));
      const [first, second] = await client.frames(2);
      assert.deepEqual([first!.opcode, first!.fin, first!.payload.toString()], [1, true, text]);
      assert.deepEqual(
        [second!.opcode, second!.payload.equals(Buffer.alloc(size, 0xfe))],
        [2, true],
      );
      client.raw.destroy();
    });
  }

  it("echoes a message sent one byte per write", async () => {
    const client = await open();
    await trickle(client, clientFrame(1, "byte by byte"));
    const [reply] = await client.frames(1);
    assert.equal(reply!.payload.toString(), "byte by byte");
    client.raw.destroy();
  });

  it("answers pings with pongs carrying the same payload (2.1–2.4)", async () => {
    const client = await open();
    client.send(clientFrame(9, ""));
    client.send(clientFrame(9, "Hello, world!"));
    client.send(clientFrame(9, Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff])));
    client.send(clientFrame(9, Buffer.alloc(125, 0xfe)));
    const pongs = await client.frames(4);
    assert.deepEqual(
      pongs.map((frame) => [frame.opcode, frame.payload.toString("hex")]),
      [
        [10, ""],
        [10, Buffer.from("Hello, world!").toString("hex")],
        [10, "00fffefdfcfb00ff"],
        [10, Buffer.alloc(125, 0xfe).toString("hex")],
      ],
    );
    client.raw.destroy();
  });

  it("fails a 126-byte ping with 1002 (2.5)", () =>
    expectFailure(clientFrame(9, Buffer.alloc(126)), 1002));

  it("ignores unsolicited pongs (2.8, 2.9)", async () => {
    const client = await open();
    client.send(Buffer.concat([clientFrame(10, "unsolicited"), clientFrame(1, "after")]));
    const [reply] = await client.frames(1);
    assert.deepEqual([reply!.opcode, reply!.payload.toString()], [1, "after"]);
    client.raw.destroy();
  });

  it("answers 10 pings sent in one write with 10 pongs in order (2.10, 2.11)", async () => {
    const client = await open();
    client.send(
      Buffer.concat(Array.from({ length: 10 }, (_, index) => clientFrame(9, `p${index}`))),
    );
    const pongs = await client.frames(10);
    assert.deepEqual(
      pongs.map((frame) => frame.payload.toString()),
      Array.from({ length: 10 }, (_, i) => `p${i}`),
    );
    client.raw.destroy();
  });
});

describe("Reserved bits and opcodes (sections 3 and 4)", () => {
  for (const rsv of [1, 2, 3, 4, 5, 6, 7]) {
    it(`fails RSV=${rsv} with 1002, after echoing the message before it`, () =>
      expectFailure(
        Buffer.concat([clientFrame(1, "ok"), clientFrame(1, "bad", { rsv })]),
        1002,
        1,
      ));
  }
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    it(`fails reserved opcode ${opcode} with 1002`, () =>
      expectFailure(clientFrame(opcode, "x"), 1002));
  }
  it("fails an unmasked client frame with 1002 (§5.1)", () =>
    expectFailure(clientFrame(1, "x", { mask: false }), 1002));
});

describe("Fragmentation (section 5)", () => {
  it("reassembles fragments with pings between them, answering the pings at once (5.6–5.9)", async () => {
    const client = await open();
    await trickle(
      client,
      Buffer.concat([
        clientFrame(1, "frag", { fin: false }),
        clientFrame(9, "ping"),
        clientFrame(0, "men", { fin: false }),
        clientFrame(0, ""),
        clientFrame(0, "t", { fin: true }),
      ]).subarray(0, 0),
    );
    client.send(
      Buffer.concat([
        clientFrame(1, "frag", { fin: false }),
        clientFrame(9, "ping"),
        clientFrame(0, "men", { fin: false }),
        clientFrame(0, "", { fin: false }),
        clientFrame(0, "t"),
      ]),
    );
    const [pong, message] = await client.frames(2);
    assert.deepEqual([pong!.opcode, pong!.payload.toString()], [10, "ping"]);
    assert.deepEqual([message!.opcode, message!.payload.toString()], [1, "fragment"]);
    client.raw.destroy();
  });

  it("reassembles a binary message of 100 one-byte fragments sent byte by byte", async () => {
    const client = await open();
    const frames = Array.from({ length: 100 }, (_, index) =>
      clientFrame(index === 0 ? 2 : 0, Buffer.of(index), { fin: index === 99 }),
    );
    await trickle(client, Buffer.concat(frames));
    const [message] = await client.frames(1);
    assert.deepEqual(
      [...message!.payload],
      Array.from({ length: 100 }, (_, index) => index),
    );
    client.raw.destroy();
  });

  it("fails a continuation without a message with 1002 (5.9–5.14)", () =>
    expectFailure(clientFrame(0, "x"), 1002));
  it("fails a new message inside a fragmented one with 1002 (5.18)", () =>
    expectFailure(Buffer.concat([clientFrame(1, "a", { fin: false }), clientFrame(1, "b")]), 1002));
  it("fails a fragmented ping with 1002 (5.3)", () =>
    expectFailure(clientFrame(9, "x", { fin: false }), 1002));
});

describe("UTF-8 (section 6)", () => {
  it("echoes valid UTF-8 split inside a character across fragments (6.2)", async () => {
    const client = await open();
    const bytes = Buffer.from("Hello-µ@ßöäüàá-UTF-8!!");
    client.send(
      Buffer.concat([
        clientFrame(1, bytes.subarray(0, 7), { fin: false }),
        clientFrame(0, bytes.subarray(7)),
      ]),
    );
    const [reply] = await client.frames(1);
    assert.equal(reply!.payload.toString(), "Hello-µ@ßöäüàá-UTF-8!!");
    client.raw.destroy();
  });

  it("fails invalid UTF-8 with 1007 as soon as the bad fragment arrives (6.4.1)", async () => {
    const client = await open();
    // κόσμε, then a surrogate: the message is never finished, and need not be.
    client.send(
      clientFrame(
        1,
        Buffer.from([0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5]),
        { fin: false },
      ),
    );
    client.send(clientFrame(0, Buffer.from([0xf4, 0x90, 0x80, 0x80]), { fin: false }));
    const close = await client.closed();
    assert.equal(close.code, 1007);
  });

  it("fails invalid UTF-8 inside one frame as its bad byte arrives, before the frame ends (6.4.3)", async () => {
    const client = await open();
    const frame = clientFrame(
      1,
      Buffer.concat([
        Buffer.from("κόσμε"),
        Buffer.from([0xf4, 0x90, 0x80, 0x80]),
        Buffer.from("edited"),
      ]),
    );
    // Everything up to and including the bad byte, but not the rest of the frame.
    const badByteEnd = frame.length - 6 - 2;
    client.send(frame.subarray(0, badByteEnd));
    const close = await client.closed();
    assert.equal(close.code, 1007);
  });

  it("fails a text message that ends inside a character with 1007", () =>
    expectFailure(clientFrame(1, Buffer.from([0x61, 0xe2, 0x82])), 1007));
});

describe("Closing (section 7)", () => {
  it("echoes the close code, closes TCP first, and reports the code and reason (7.1)", async () => {
    await servedIdle();
    closes.length = 0;
    const client = await open();
    client.send(closeFrame(1000, "bye"));
    const close = await client.closed();
    assert.deepEqual([close.code, close.reason], [1000, ""]);
    await servedIdle();
    assert.deepEqual(closes, [[1000, "bye"]]);
  });

  it("answers an empty Close frame with an empty one and reports 1005 (7.3.1)", async () => {
    await servedIdle();
    closes.length = 0;
    const client = await open();
    client.send(closeFrame());
    const close = await client.closed();
    assert.equal(close.payload.length, 0);
    await servedIdle();
    assert.deepEqual(closes, [[1005, ""]]);
  });

  it("ignores data after the Close frame (7.1.3–7.1.5)", async () => {
    const client = await open();
    client.send(Buffer.concat([closeFrame(1000), clientFrame(1, "ignored"), clientFrame(9, "p")]));
    await client.raw.untilClosed();
    const { frames } = (await import("./frames.js")).readServerFrames(client.raw.received);
    assert.deepEqual(
      frames.map((frame) => frame.opcode),
      [8],
    );
  });

  it("fails a 1-byte Close payload with 1002 (7.3.2)", () =>
    expectFailure(clientFrame(8, Buffer.of(0x03)), 1002));
  it("fails a Close reason that is not UTF-8 with 1007 (7.5.1)", () =>
    expectFailure(closeFrame(1000, Buffer.from([0xce, 0xba, 0xed, 0xa0, 0x80])), 1007));

  for (const code of [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
  ]) {
    it(`accepts close code ${code} and echoes it (7.7)`, async () => {
      const client = await open();
      client.send(closeFrame(code));
      const close = await client.closed();
      assert.equal(close.code, code);
    });
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`fails close code ${code} with 1002 (7.9)`, () => expectFailure(closeFrame(code), 1002));
  }
});

async function servedIdle(): Promise<void> {
  const started = Date.now();
  while (served.app.engine.sessionCount > 0 && Date.now() - started < 2_000) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
