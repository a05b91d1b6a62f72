import fc from "fast-check";
import type { ParserLimits } from "../../src/wire/parser.js";
import { body, complete, head, type ParserEvent } from "./harness.js";

/**
 * fast-check arbitraries for the parser fuzz tests: valid pipelines built from a small model (so
 * the expected events are known exactly), HTTP-flavoured noise, mutations, and random limits.
 */

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const PCHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/?%";
const HOST_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-.";
/** Fields the parser interprets; random extra fields must not change the framing or the head. */
const INTERPRETED = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "expect",
]);

const token = (maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength });

const fieldName = token(16).filter((name) => !INTERPRETED.has(name.toLowerCase()));

const valueChar = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    { weight: 1, arbitrary: fc.constantFrom(0x20, 0x09) },
  )
  .map((code) => String.fromCharCode(code));

function trimOws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

const fieldValue = fc.string({ unit: valueChar, maxLength: 24 }).map(trimOws);
const ows = fc.string({ unit: fc.constantFrom(" ", "\t"), maxLength: 2 });
const field = fc.record({ name: fieldName, value: fieldValue, before: ows, after: ows });

const method = fc.oneof(
  fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
  token(10).filter((name) => name !== "CONNECT"),
);
/** A path and query; percent-encoded NUL, CR and LF are refused in the path, so none are made. */
const target = fc
  .string({ unit: fc.constantFrom(...PCHARS), maxLength: 40 })
  .map((path) => `/${path}`)
  .filter((path) => !/%0[0ad]/i.test(path.split("?")[0]!));
const hostValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(...HOST_CHARS), minLength: 1, maxLength: 20 }),
  fc.constantFrom("example.com:8080", "[::1]:80", "127.0.0.1"),
);
const extension = fc.constantFrom("", "", ";a=b", ";x", ' ; q = "v\\"w"', ";n=1;m", "\t;t");

const requestModel = fc.record({
  method,
  target,
  host: hostValue,
  fields: fc.array(field, { maxLength: 6 }),
  hostAt: fc.nat(),
  content: fc.uint8Array({ maxLength: 300 }),
  framing: fc.constantFrom("none", "length", "chunked"),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  extensions: fc.array(extension, { minLength: 8, maxLength: 8 }),
  upperHex: fc.boolean(),
  trailers: fc.array(field, { maxLength: 3 }),
});

type RequestModel = typeof requestModel extends fc.Arbitrary<infer Model> ? Model : never;

export interface GeneratedPipeline {
  bytes: Buffer;
  expect: ParserEvent[];
  /** Each request's body exactly as encoded, to compare byte for byte. */
  bodies: Buffer[];
}

function chunkSizes(length: number, cuts: readonly number[]): number[] {
  const points = [...new Set(cuts.map((cut) => cut % (length + 1)))].sort((a, b) => a - b);
  const sizes: number[] = [];
  let previous = 0;
  for (const point of [...points, length]) {
    if (point > previous) sizes.push(point - previous);
    previous = Math.max(previous, point);
  }
  return sizes;
}

function encode(model: RequestModel, close: boolean): { bytes: Buffer; expect: ParserEvent[] } {
  const content = Buffer.from(model.content);
  const framing =
    content.length === 0 ? model.framing : model.framing === "none" ? "length" : model.framing;
  const lines = model.fields.map((item) => [item.name, item.value, item.before, item.after]);
  lines.splice(model.hostAt % (lines.length + 1), 0, ["Host", model.host, " ", ""]);
  if (framing === "length") lines.push(["Content-Length", String(content.length), " ", ""]);
  if (framing === "chunked") lines.push(["Transfer-Encoding", "chunked", " ", ""]);
  if (close) lines.push(["Connection", "close", "", " "]);
  const headText = [
    `${model.method} ${model.target} HTTP/1.1`,
    ...lines.map(([name, value, before, after]) => `${name}:${before}${value}${after}`),
  ].join("\r\n");
  const pieces: Buffer[] = [Buffer.from(`${headText}\r\n\r\n`, "latin1")];
  let trailers: string[] = [];
  if (framing === "length") pieces.push(content);
  if (framing === "chunked") {
    let offset = 0;
    const sizes = chunkSizes(content.length, model.cuts);
    sizes.forEach((size, index) => {
      const hex = model.upperHex ? size.toString(16).toUpperCase() : size.toString(16);
      const ext = model.extensions[index % model.extensions.length];
      pieces.push(Buffer.from(`${hex}${ext}\r\n`, "latin1"));
      pieces.push(content.subarray(offset, offset + size), Buffer.from("\r\n"));
      offset += size;
    });
    const trailerText = model.trailers
      .map((item) => `${item.name}:${item.before}${item.value}${item.after}\r\n`)
      .join("");
    pieces.push(Buffer.from(`0${model.extensions[7]}\r\n${trailerText}\r\n`, "latin1"));
    trailers = model.trailers.flatMap((item) => [item.name, item.value]);
  }
  const expect: ParserEvent[] = [
    head(
      model.method,
      model.target,
      lines.flatMap(([name, value]) => [name!, value!]),
      {
        contentLength: framing === "length" ? content.length : -1,
        chunked: framing === "chunked",
        keepAlive: !close,
      },
    ),
  ];
  if (content.length > 0) expect.push(body(content.toString("latin1")));
  expect.push(complete(trailers));
  return { bytes: Buffer.concat(pieces), expect };
}

/** One to three valid requests; the last may say Connection: close and be followed by junk. */
export const validPipeline: fc.Arbitrary<GeneratedPipeline> = fc
  .record({
    models: fc.array(requestModel, { minLength: 1, maxLength: 3 }),
    close: fc.boolean(),
    junk: fc.uint8Array({ maxLength: 40 }),
  })
  .map(({ models, close, junk }) => {
    const encoded = models.map((model, index) =>
      encode(model, close && index === models.length - 1),
    );
    const pieces = encoded.map((item) => item.bytes);
    if (close) pieces.push(Buffer.from(junk));
    return {
      bytes: Buffer.concat(pieces),
      expect: encoded.flatMap((item) => item.expect),
      bodies: models.map((model) => Buffer.from(model.content)),
    };
  });

const HTTP_FRAGMENTS = [
  "GET ",
  "POST ",
  "/ ",
  "/a?b ",
  "* ",
  "HTTP/1.1",
  "HTTP/1.0",
  "HTTP/2.0",
  "\r\n",
  "\r\n",
  "\n",
  "\r",
  " ",
  "\t",
  ":",
  ";",
  ",",
  "Host: a",
  "Host:",
  "Transfer-Encoding: ",
  "chunked",
  "gzip",
  "Content-Length: ",
  "0",
  "5",
  "a",
  "ffffffffffffffff",
  "hello",
  "Connection: close",
  "Connection: keep-alive",
  "Expect: 100-continue",
  "\x00",
  "\xa0",
  "\x0b",
  '"',
  "=",
  "X-A: v",
];

/** Byte soup with enough HTTP in it to reach the deep states of the parser. */
export const httpNoise: fc.Arbitrary<Buffer> = fc
  .array(fc.constantFrom(...HTTP_FRAGMENTS), { maxLength: 40 })
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

const INTERESTING_BYTES = [0x0d, 0x0a, 0x20, 0x09, 0x3a, 0x3b, 0x2c, 0x30, 0x00, 0xa0, 0x22, 0x7f];

const mutation = fc.record({
  kind: fc.constantFrom("flip", "insert", "delete", "duplicate"),
  at: fc.nat(),
  length: fc.integer({ min: 1, max: 8 }),
  byte: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.integer({ min: 0, max: 255 })),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer Value> ? Value : never;

function mutate(bytes: Buffer, change: Mutation): Buffer {
  const at = change.at % (bytes.length + 1);
  const before = bytes.subarray(0, at);
  switch (change.kind) {
    case "flip": {
      const copy = Buffer.from(bytes);
      if (at < copy.length) copy[at] = change.byte;
      return copy;
    }
    case "insert":
      return Buffer.concat([before, Buffer.from([change.byte]), bytes.subarray(at)]);
    case "delete":
      return Buffer.concat([before, bytes.subarray(at + change.length)]);
    default:
      return Buffer.concat([bytes.subarray(0, at + change.length), bytes.subarray(at)]);
  }
}

/** A valid pipeline with a few byte flips, insertions, deletions and duplications. */
export const mutatedPipeline: fc.Arbitrary<Buffer> = fc
  .tuple(validPipeline, fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([pipeline, changes]) => changes.reduce(mutate, pipeline.bytes));

/** Small limits so the 414/431/extension paths are reached by short inputs; sometimes defaults. */
export const randomLimits: fc.Arbitrary<Partial<ParserLimits>> = fc.oneof(
  fc.constant({}),
  fc.record({
    maxRequestLineBytes: fc.integer({ min: 1, max: 64 }),
    maxHeaderBytes: fc.integer({ min: 1, max: 160 }),
    maxHeaderCount: fc.integer({ min: 0, max: 6 }),
    maxChunkExtensionBytes: fc.integer({ min: 0, max: 16 }),
    maxTrailerBytes: fc.integer({ min: 0, max: 64 }),
    allowBareLf: fc.boolean(),
  }),
);

/** Cut points for splitting an input of any length into up to nine pieces. */
export const cutPoints = fc.array(fc.nat(), { maxLength: 8 });

export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let previous = 0;
  for (const point of [...points, bytes.length]) {
    if (point > previous) pieces.push(bytes.subarray(previous, point));
    previous = Math.max(previous, point);
  }
  return pieces;
}
