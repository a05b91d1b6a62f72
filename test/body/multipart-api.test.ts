import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, it } from "node:test";
import {
  collectMultipart,
  DEFAULT_MULTIPART_LIMITS,
  multipartBoundary,
  parseMultipart,
  resolveMultipartLimits,
} from "../../src/app/body/multipart.js";
import { HttpError } from "../../src/wire/http-error.js";
import { chunked, crlf } from "./multipart-helpers.js";

const B = "XyZ";
const field = (name: string, value: string) =>
  crlf(`--${B}`, `Content-Disposition: form-data; name="${name}"`, "", value);
const fileHead = (name: string, filename: string) =>
  crlf(`--${B}`, `Content-Disposition: form-data; name="${name}"; filename="${filename}"`, "");

/** A source that records how many chunks were pulled and whether it was closed. */
function recordingSource(chunks: Buffer[]) {
  const state = { pulled: 0, returned: false };
  const iterable: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      return {
        async next() {
          if (state.pulled >= chunks.length) return { done: true, value: undefined };
          return { done: false, value: chunks[state.pulled++]! };
        },
        async return() {
          state.returned = true;
          return { done: true, value: undefined };
        },
      };
    },
  };
  return { iterable, state };
}

describe("multipartBoundary", () => {
  const accepted: Array<[string, string]> = [
    ["multipart/form-data; boundary=abc", "abc"],
    ['Multipart/Form-Data ; BOUNDARY="a b:c"', "a b:c"],
    [`multipart/form-data; boundary=${"x".repeat(70)}`, "x".repeat(70)],
  ];
  for (const [header, boundary] of accepted) {
    it(`accepts ${header.slice(0, 50)}`, () => assert.equal(multipartBoundary(header), boundary));
  }
  const rejected: Array<[string | undefined, number]> = [
    [undefined, 415],
    ["application/json", 415],
    ["multipart/mixed; boundary=abc", 415],
    ["multipart/form-data", 400],
    ['multipart/form-data; boundary=""', 400],
    [`multipart/form-data; boundary=${"x".repeat(71)}`, 400],
    ['multipart/form-data; boundary="ends in space "', 400],
    ['multipart/form-data; boundary="bad;char"', 400],
    ["multipart/form-data; boundary=a; boundary=b", 415],
  ];
  for (const [header, status] of rejected) {
    it(`rejects ${String(header).slice(0, 50)} with ${status}`, () => {
      assert.throws(
        () => multipartBoundary(header),
        (error) => error instanceof HttpError && error.status === status,
      );
    });
  }
});

describe("multipart limits configuration", () => {
  it("fills in defaults", () => {
    assert.deepEqual(resolveMultipartLimits({ maxFiles: 3 }), {
      ...DEFAULT_MULTIPART_LIMITS,
      maxFiles: 3,
    });
  });
  it("rejects unknown names and bad values with a fix-it message", () => {
    assert.throws(
      () => resolveMultipartLimits({ maxFile: 1 } as never),
      /Unknown multipart limit "maxFile"; known limits: maxParts/,
    );
    assert.throws(
      () => resolveMultipartLimits({ maxParts: -1 }),
      /maxParts must be a non-negative/,
    );
    assert.throws(() => resolveMultipartLimits({ maxFieldBytes: 1.5 }), /maxFieldBytes/);
  });
  it("rejects an invalid boundary passed directly to the parser", async () => {
    await assert.rejects(parseMultipart(chunked(Buffer.alloc(0), []), "a;b").next(), RangeError);
  });
});

describe("parseMultipart streaming behaviour", () => {
  it("pulls from the source only as the consumer reads", async () => {
    const head = Buffer.from(`${fileHead("f", "big.bin")}\r\n`);
    const tail = Buffer.from(`\r\n--${B}--`);
    const chunks = [head, ...Array.from({ length: 10 }, () => Buffer.alloc(1000, 0x61)), tail];
    const { iterable, state } = recordingSource(chunks);
    const parts = parseMultipart(iterable, B);
    const part = (await parts.next()).value!;
    assert.equal(state.pulled, 1);
    const data = part[Symbol.asyncIterator]();
    for (let read = 1; read <= 3; read++) {
      await data.next();
      assert.equal(state.pulled, 1 + read, "one source chunk per part chunk");
    }
    await part.skip();
    assert.equal(state.pulled, chunks.length);
    assert.equal((await parts.next()).done, true);
    assert.equal(state.returned, true, "the source is released at the end");
  });

  it("releases the source when the consumer stops early", async () => {
    const body = Buffer.from(crlf(field("a", "1"), field("b", "2"), `--${B}--`));
    const { iterable, state } = recordingSource([body.subarray(0, 60), body.subarray(60)]);
    for await (const part of parseMultipart(iterable, B)) {
      assert.equal(part.name, "a");
      break;
    }
    assert.equal(state.returned, true);
  });

  it("discards an unread part when the consumer moves on, and refuses late reads", async () => {
    const body = Buffer.from(crlf(field("a", "skipped"), field("b", "read"), `--${B}--`));
    const parts = parseMultipart(chunked(body, [3, 50]), B);
    const first = (await parts.next()).value!;
    const second = (await parts.next()).value!;
    assert.equal(second.name, "b");
    assert.equal(await second.text(), "read");
    await assert.rejects(first.text(), /was read after the next part was requested/);
    assert.equal((await parts.next()).done, true);
  });

  it("lets a part be read only once", async () => {
    const body = Buffer.from(crlf(field("a", "1"), `--${B}--`));
    for await (const part of parseMultipart(chunked(body, []), B)) {
      assert.equal(await part.text(), "1");
      await assert.rejects(part.bytes(), /can only be read once/);
    }
  });

  it("works as a stream.pipeline source", async () => {
    const content = Buffer.alloc(300_000, 0x5a);
    const body = Buffer.concat([
      Buffer.from(`${fileHead("f", "z.bin")}\r\n`),
      content,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]);
    let received = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done();
      },
    });
    const cuts = Array.from({ length: 20 }, (_, index) => (index + 1) * 16_384);
    for await (const part of parseMultipart(chunked(body, cuts), B)) await pipeline(part, sink);
    assert.equal(received, content.length);
  });

  it("keeps failing with the same error once broken", async () => {
    const body = Buffer.from(crlf(field("a", "1234567"), `--${B}--`));
    const parts = parseMultipart(chunked(body, []), B, { maxFieldBytes: 3 });
    const part = (await parts.next()).value!;
    const failure = await part.text().catch((error: unknown) => error);
    assert.ok(failure instanceof HttpError && failure.status === 413);
    await assert.rejects(parts.next(), (error) => error === failure);
  });

  it("rejects a source that yields strings", async () => {
    const source = (async function* () {
      yield "--XyZ--" as unknown as Uint8Array;
    })();
    await assert.rejects(parseMultipart(source, B).next(), /must yield Uint8Array/);
  });
});

describe("collectMultipart", () => {
  it("groups repeated fields and keeps files in order", async () => {
    const body = Buffer.from(
      crlf(
        field("tag", "a"),
        fileHead("doc", "one.txt"),
        "1",
        field("tag", "b"),
        field("__proto__", "safe"),
        fileHead("doc", "two.txt"),
        "2",
        `--${B}--`,
      ),
    );
    const { fields, files } = await collectMultipart(chunked(body, [7, 99]), B);
    assert.deepEqual({ ...fields }, { tag: ["a", "b"], ["__proto__"]: "safe" });
    assert.equal(Object.getPrototypeOf(fields), null);
    assert.deepEqual(
      files.map((file) => [file.name, file.filename, file.contentType, file.bytes.toString()]),
      [
        ["doc", "one.txt", "application/octet-stream", "1"],
        ["doc", "two.txt", "application/octet-stream", "2"],
      ],
    );
  });
});
