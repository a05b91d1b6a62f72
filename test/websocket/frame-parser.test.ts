import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FrameParser, type FrameSink } from "../../src/wire/websocket/frame-parser.js";
import { encodeFrame } from "../../src/wire/websocket/frame-writer.js";
import { clientFrame } from "./frames.js";

/**
 * RFC 6455 §5.2 framing, table-driven: each case is the raw bytes of client frames and the events
 * they must give. Every case runs whole, split at every offset, and one byte at a time: the parser
 * must give the same events for every split.
 */

type Event = string;

class Recorder implements FrameSink {
  events: Event[] = [];
  #payload: Buffer[] = [];
  onDataFrame(opcode: number, fin: boolean, compressed: boolean, length: number): undefined {
    this.events.push(`data op=${opcode} fin=${fin} rsv1=${compressed} len=${length}`);
    this.#payload = [];
    return undefined;
  }
  onDataPayload(bytes: Buffer): void {
    this.#payload.push(Buffer.from(bytes));
  }
  onDataFrameEnd(fin: boolean): void {
    this.events.push(`end fin=${fin} payload=${Buffer.concat(this.#payload).toString("hex")}`);
  }
  onControlFrame(opcode: number, payload: Buffer): void {
    this.events.push(`control op=${opcode} payload=${payload.toString("hex")}`);
  }
  onFrameError(code: number): void {
    this.events.push(`error ${code}`);
  }
}

function run(input: Buffer, splits: number[], allowCompression = false): Event[] {
  const sink = new Recorder();
  const parser = new FrameParser(sink, allowCompression);
  let start = 0;
  for (const end of [...splits, input.length]) {
    parser.execute(input.subarray(start, end));
    start = end;
  }
  return sink.events;
}

function everySplit(
  name: string,
  input: Buffer,
  expected: Event[],
  allowCompression = false,
): void {
  assert.deepEqual(run(input, [], allowCompression), expected, `${name}: whole`);
  // Every split of the header; for long payloads a sample of splits inside it.
  const step = input.length <= 4096 ? 1 : 997;
  for (let split = 1; split < input.length; split += split < 16 ? 1 : step) {
    assert.deepEqual(run(input, [split], allowCompression), expected, `${name}: split at ${split}`);
  }
  // Byte by byte (bounded for the 64-bit-length case, which the splits above already cover).
  if (input.length <= 4096) {
    const bytes = Array.from({ length: input.length - 1 }, (_, index) => index + 1);
    assert.deepEqual(run(input, bytes, allowCompression), expected, `${name}: byte by byte`);
  }
}

const hex = (text: string | Buffer): string => Buffer.from(text).toString("hex");
const big = Buffer.alloc(70_000, 0x61);

const valid: Array<[string, Buffer, Event[], boolean?]> = [
  [
    "empty text",
    clientFrame(1, ""),
    ["data op=1 fin=true rsv1=false len=0", "end fin=true payload="],
  ],
  [
    "short text",
    clientFrame(1, "Hello"),
    ["data op=1 fin=true rsv1=false len=5", `end fin=true payload=${hex("Hello")}`],
  ],
  [
    "125-byte binary",
    clientFrame(2, Buffer.alloc(125, 7)),
    ["data op=2 fin=true rsv1=false len=125", `end fin=true payload=${hex(Buffer.alloc(125, 7))}`],
  ],
  [
    "126 bytes, 16-bit length",
    clientFrame(2, Buffer.alloc(126, 1)),
    ["data op=2 fin=true rsv1=false len=126", `end fin=true payload=${hex(Buffer.alloc(126, 1))}`],
  ],
  [
    "65535 bytes, 16-bit length",
    clientFrame(2, Buffer.alloc(65535, 2)),
    [
      "data op=2 fin=true rsv1=false len=65535",
      `end fin=true payload=${hex(Buffer.alloc(65535, 2))}`,
    ],
  ],
  [
    "70000 bytes, 64-bit length",
    clientFrame(1, big),
    ["data op=1 fin=true rsv1=false len=70000", `end fin=true payload=${hex(big)}`],
  ],
  [
    "fragments with a ping between",
    Buffer.concat([
      clientFrame(1, "Hel", { fin: false }),
      clientFrame(9, "p"),
      clientFrame(0, "lo"),
    ]),
    [
      "data op=1 fin=false rsv1=false len=3",
      `end fin=false payload=${hex("Hel")}`,
      `control op=9 payload=${hex("p")}`,
      "data op=0 fin=true rsv1=false len=2",
      `end fin=true payload=${hex("lo")}`,
    ],
  ],
  ["empty ping", clientFrame(9), ["control op=9 payload="]],
  [
    "125-byte pong",
    clientFrame(10, Buffer.alloc(125, 3)),
    [`control op=10 payload=${hex(Buffer.alloc(125, 3))}`],
  ],
  [
    "close with code",
    clientFrame(8, Buffer.from([0x03, 0xe8, 0x6f, 0x6b])),
    ["control op=8 payload=03e86f6b"],
  ],
  [
    "RSV1 with compression negotiated",
    clientFrame(1, "x", { rsv: 4 }),
    ["data op=1 fin=true rsv1=true len=1", `end fin=true payload=${hex("x")}`],
    true,
  ],
];

const invalid: Array<[string, Buffer, number, boolean?]> = [
  ["RSV1 without an extension", clientFrame(1, "x", { rsv: 4 }), 1002],
  ["RSV2", clientFrame(1, "x", { rsv: 2 }), 1002],
  ["RSV3", clientFrame(1, "x", { rsv: 1 }), 1002],
  ["RSV1 on a control frame, even with compression", clientFrame(9, "", { rsv: 4 }), 1002, true],
  ...[3, 4, 5, 6, 7, 11, 12, 13, 14, 15].map((opcode): [string, Buffer, number] => [
    `reserved opcode ${opcode}`,
    clientFrame(opcode, "x"),
    1002,
  ]),
  ["fragmented ping", clientFrame(9, "x", { fin: false }), 1002],
  ["fragmented close", clientFrame(8, "", { fin: false }), 1002],
  ["126-byte ping", clientFrame(9, Buffer.alloc(126)), 1002],
  ["ping with a 16-bit length", clientFrame(9, "x", { lengthBits: 16 }), 1002],
  ["unmasked frame", clientFrame(1, "x", { mask: false }), 1002],
  ["non-minimal 16-bit length", clientFrame(1, "x", { lengthBits: 16 }), 1002],
  ["non-minimal 64-bit length", clientFrame(1, "x", { lengthBits: 64 }), 1002],
  [
    "64-bit length with the top bit set",
    Buffer.from([0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]),
    1002,
  ],
];

describe("FrameParser (RFC 6455 §5.2, any split)", () => {
  for (const [name, input, expected, compression] of valid) {
    it(`parses ${name}`, () => everySplit(name, input, expected, compression));
  }
  for (const [name, input, code, compression] of invalid) {
    it(`fails ${name} with ${code}, and ignores what follows`, () => {
      const withMore = Buffer.concat([input, clientFrame(1, "after")]);
      everySplit(name, withMore, [`error ${code}`], compression);
    });
  }

  it("stops where the sink pauses and resumes from there", () => {
    const input = Buffer.concat([clientFrame(1, "one"), clientFrame(1, "two")]);
    const events: string[] = [];
    const parser: FrameParser = new FrameParser({
      onDataFrame: () => undefined,
      onDataPayload: (bytes) => {
        events.push(bytes.toString());
        parser.pause();
      },
      onDataFrameEnd: () => {},
      onControlFrame: () => {},
      onFrameError: () => {},
    });
    const used = parser.execute(input);
    assert.equal(used, clientFrame(1, "one").length);
    assert.deepEqual(events, ["one"]);
    parser.execute(input.subarray(used));
    assert.deepEqual(events, ["one", "two"]);
  });
});

describe("encodeFrame (server frames)", () => {
  it("writes unmasked frames with the minimal length encoding", () => {
    assert.equal(encodeFrame(1, "Hi").toString("hex"), "81024869");
    assert.equal(encodeFrame(2, Buffer.alloc(126)).subarray(0, 4).toString("hex"), "827e007e");
    assert.equal(
      encodeFrame(2, Buffer.alloc(65536)).subarray(0, 10).toString("hex"),
      "827f0000000000010000",
    );
    assert.equal(encodeFrame(1, "é").toString("hex"), "8102c3a9");
    assert.equal(encodeFrame(1, "x", true).toString("hex"), "c10178");
    assert.equal(encodeFrame(1, "x", false, false).toString("hex"), "010178");
  });
});
