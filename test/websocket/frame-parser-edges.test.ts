import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameParser, type FrameSink } from "../../src/wire/websocket/frame-parser.js";
import { clientFrame } from "./frames.js";

/**
 * What the table in frame-parser.test.ts does not pin: the reason of each failure, the flags the
 * sink gets with each payload piece, a sink that refuses a frame, and the length-encoding edges.
 */

class Sink implements FrameSink {
  events: string[] = [];
  refuse: number | undefined = undefined;
  onDataFrame(
    opcode: number,
    fin: boolean,
    compressed: boolean,
    length: number,
  ): number | undefined {
    this.events.push(`data ${opcode} fin=${fin} rsv1=${compressed} len=${length}`);
    return this.refuse;
  }
  onDataPayload(bytes: Buffer, frameDone: boolean): void {
    this.events.push(`payload ${bytes.toString("hex")} done=${frameDone}`);
  }
  onDataFrameEnd(fin: boolean, hadPayload: boolean): void {
    this.events.push(`end fin=${fin} had=${hadPayload}`);
  }
  onControlFrame(opcode: number, payload: Buffer): void {
    this.events.push(`control ${opcode} ${payload.toString("hex")}`);
  }
  onFrameError(code: number, reason: string): void {
    this.events.push(`error ${code} ${reason}`);
  }
}

function parse(input: Buffer, allowCompression = false): { sink: Sink; parser: FrameParser } {
  const sink = new Sink();
  const parser = new FrameParser(sink, allowCompression);
  parser.execute(input);
  return { sink, parser };
}

/** A masked frame header with the given 8-byte extended length (mask key 0). */
function header64(high: number, low: number): Buffer {
  const bytes = Buffer.alloc(14);
  bytes[0] = 0x82;
  bytes[1] = 0xff;
  bytes.writeUInt32BE(high, 2);
  bytes.writeUInt32BE(low, 6);
  return bytes;
}

describe("FrameParser failures: code and reason", () => {
  const failures: Array<[string, Buffer, string, boolean?]> = [
    ["RSV2", clientFrame(1, "x", { rsv: 2 }), "1002 RSV2 and RSV3 must be 0"],
    ["RSV3", clientFrame(1, "x", { rsv: 1 }), "1002 RSV2 and RSV3 must be 0"],
    ["opcode 11", clientFrame(11, "x"), "1002 Reserved opcode"],
    ["opcode 3", clientFrame(3, "x"), "1002 Reserved opcode"],
    ["fragmented ping", clientFrame(9, "", { fin: false }), "1002 Fragmented control frame"],
    ["RSV1 on a pong", clientFrame(10, "", { rsv: 4 }), "1002 RSV1 on a control frame", true],
    [
      "RSV1 not negotiated",
      clientFrame(2, "x", { rsv: 4 }),
      "1002 RSV1 set without a negotiated extension",
    ],
    ["unmasked", clientFrame(1, "x", { mask: false }), "1002 Unmasked client frame"],
    [
      "126-byte close",
      clientFrame(8, Buffer.alloc(126)),
      "1002 Control frame payload over 125 bytes",
    ],
    [
      "16-bit length 125",
      clientFrame(2, Buffer.alloc(125), { lengthBits: 16 }),
      "1002 Non-minimal length encoding",
    ],
    [
      "64-bit length 65535",
      clientFrame(2, Buffer.alloc(65535), { lengthBits: 64 }),
      "1002 Non-minimal length encoding",
    ],
    ["64-bit top bit", header64(0x80000000, 0), "1002 Payload length top bit set"],
    ["64-bit past 2^53", header64(0x200000, 0), "1009 Payload length too large"],
  ];
  for (const [name, input, expected, compression] of failures) {
    it(name, () => {
      const { sink, parser } = parse(Buffer.concat([input, clientFrame(1, "after")]), compression);
      assert.deepEqual(sink.events, [`error ${expected}`]);
      assert.equal(parser.failed, true);
      const more = clientFrame(1, "more");
      assert.equal(parser.execute(more), more.length);
      assert.deepEqual(sink.events, [`error ${expected}`]);
    });
  }
});

describe("FrameParser edges", () => {
  it("accepts a 16-bit length of exactly 126 and a 64-bit length of exactly 65536", () => {
    assert.deepEqual(
      parse(clientFrame(2, Buffer.alloc(126), { lengthBits: 16 })).sink.events.slice(0, 1),
      ["data 2 fin=true rsv1=false len=126"],
    );
    const big = parse(clientFrame(2, Buffer.alloc(65536), { lengthBits: 64 }));
    assert.equal(big.sink.events[0], "data 2 fin=true rsv1=false len=65536");
    assert.equal(big.sink.events.at(-1), "end fin=true had=true");
    assert.equal(big.parser.failed, false);
  });

  it("passes the largest countable 64-bit length to the sink", () => {
    const { sink, parser } = parse(header64(0x1fffff, 0xffffffff));
    assert.deepEqual(sink.events, [`data 2 fin=true rsv1=false len=${2 ** 53 - 1}`]);
    assert.equal(parser.failed, false);
  });

  it("tells the sink when a payload piece ends its frame and whether the frame had a payload", () => {
    const frame = clientFrame(1, "abcd", { fin: false });
    const sink = new Sink();
    const parser = new FrameParser(sink);
    parser.execute(frame.subarray(0, 8));
    parser.execute(frame.subarray(8));
    parser.execute(clientFrame(0, ""));
    assert.deepEqual(sink.events, [
      "data 1 fin=false rsv1=false len=4",
      `payload ${Buffer.from("ab").toString("hex")} done=false`,
      `payload ${Buffer.from("cd").toString("hex")} done=true`,
      "end fin=false had=true",
      "data 0 fin=true rsv1=false len=0",
      "end fin=true had=false",
    ]);
  });

  it("gives control frames their payload whole, even split, and an empty one", () => {
    const ping = clientFrame(9, "ping!");
    const sink = new Sink();
    const parser = new FrameParser(sink);
    for (let index = 0; index < ping.length; index++)
      parser.execute(ping.subarray(index, index + 1));
    parser.execute(clientFrame(10));
    parser.execute(clientFrame(8, Buffer.alloc(125, 0x41)));
    assert.deepEqual(sink.events, [
      `control 9 ${Buffer.from("ping!").toString("hex")}`,
      "control 10 ",
      `control 8 ${"41".repeat(125)}`,
    ]);
  });

  it("refuses RSV1 unless compression is allowed, which it is not by default", () => {
    const sink = new Sink();
    const parser = new FrameParser(sink);
    assert.equal(parser.allowCompression, false);
    parser.execute(clientFrame(1, "x", { rsv: 4 }));
    assert.deepEqual(sink.events, ["error 1002 RSV1 set without a negotiated extension"]);
  });

  it("honours allowCompression switched on after construction", () => {
    const sink = new Sink();
    const parser = new FrameParser(sink);
    parser.allowCompression = true;
    parser.execute(clientFrame(2, "z", { rsv: 4 }));
    assert.deepEqual(sink.events.slice(0, 1), ["data 2 fin=true rsv1=true len=1"]);
  });

  it("stops when the sink refuses a data frame, consuming everything", () => {
    const sink = new Sink();
    sink.refuse = 1009;
    const parser = new FrameParser(sink);
    const input = Buffer.concat([clientFrame(2, "toolarge"), clientFrame(9, "p")]);
    assert.equal(parser.execute(input), Number.MAX_SAFE_INTEGER);
    assert.deepEqual(sink.events, ["data 2 fin=true rsv1=false len=8"]);
    assert.equal(parser.failed, true);
    parser.execute(clientFrame(9, "p"));
    assert.deepEqual(sink.events, ["data 2 fin=true rsv1=false len=8"]);
  });

  it("returns the bytes consumed: all of them unless paused", () => {
    const sink = new Sink();
    const parser = new FrameParser(sink);
    const frame = clientFrame(1, "hey");
    assert.equal(parser.execute(frame.subarray(0, 3)), 3);
    assert.equal(parser.execute(frame.subarray(3)), frame.length - 3);
    assert.equal(parser.failed, false);
    assert.equal(parser.execute(Buffer.alloc(0)), 0);
  });

  it("unmasks with the key's four bytes in turn across pieces", () => {
    const key = [0x01, 0x02, 0x04, 0x08];
    const data = [0x10, 0x20, 0x30, 0x40, 0x50, 0x60];
    const frame = Buffer.from([
      0x82,
      0x86,
      ...key,
      ...data.map((byte, index) => byte ^ key[index % 4]!),
    ]);
    const sink = new Sink();
    const parser = new FrameParser(sink);
    parser.execute(frame.subarray(0, 9));
    parser.execute(frame.subarray(9, 11));
    parser.execute(frame.subarray(11));
    assert.deepEqual(sink.events, [
      "data 2 fin=true rsv1=false len=6",
      "payload 102030 done=false",
      "payload 4050 done=false",
      "payload 60 done=true",
      "end fin=true had=true",
    ]);
  });
});
