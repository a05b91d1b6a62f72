import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type BodyHost, RequestBody } from "../../src/wire/body.js";
import { HttpError } from "../../src/wire/http-error.js";

/**
 * RequestBody on its own, with a recording host: limits (413 with its message), flow control
 * (pause above the high-water mark, resume at half of it), 100-continue's trigger, and what each
 * way of reading gives after completion, failure and discard. bodies.test.ts and
 * chunk-limit.test.ts drive the same class over TCP.
 */

class Host implements BodyHost {
  calls: string[] = [];
  bodyWanted(body: RequestBody): void {
    this.calls.push(`wanted ${body.received}`);
  }
  pauseBody(): void {
    this.calls.push("pause");
  }
  resumeBody(): void {
    this.calls.push("resume");
  }
}

const bytes = (text: string): Buffer => Buffer.from(text);
const TOO_LARGE = (limit: number): { name: string; status: number; message: string } => ({
  name: "HttpError",
  status: 413,
  message: `Request body larger than the limit of ${limit} bytes`,
});

async function drain(body: RequestBody): Promise<string[]> {
  const chunks: string[] = [];
  for await (const chunk of body) chunks.push(chunk.toString());
  return chunks;
}

describe("RequestBody limits", () => {
  it("accepts a body of exactly the limit and refuses one byte more once reading", async () => {
    const host = new Host();
    const exact = new RequestBody(host, 4, 4, 100);
    exact.push(bytes("ab"));
    exact.push(bytes("cd"));
    exact.end([]);
    assert.equal(await exact.text(), "abcd");
    const over = new RequestBody(host, -1, 4, 100);
    const reading = over.bytes();
    over.push(bytes("abcd"));
    over.push(bytes("e"));
    await assert.rejects(reading, TOO_LARGE(4));
    assert.equal(over.failed, true);
    assert.equal(over.received, 5);
  });

  it("checks what arrived before reading started only when it starts, against the limit then", async () => {
    const host = new Host();
    const body = new RequestBody(host, -1, 2, 100);
    body.push(bytes("abcdef"));
    assert.equal(body.failed, false, "the limit may still be raised");
    body.limit = 10;
    body.end([]);
    assert.equal(await body.text(), "abcdef");
    const early = new RequestBody(host, 6, 2, 100);
    early.push(bytes("abcdef"));
    await assert.rejects(early.bytes(), TOO_LARGE(2));
    assert.deepEqual(host.calls, ["wanted 6"], "no 100 Continue for a body that cannot fit");
  });

  it("refuses a declared length over the limit when reading starts", async () => {
    const host = new Host();
    const body = new RequestBody(host, 11, 10, 100);
    await assert.rejects(drain(body), TOO_LARGE(10));
    assert.deepEqual(host.calls, []);
    const fits = new RequestBody(host, 10, 10, 100);
    fits.end([]);
    assert.deepEqual(await drain(fits), []);
    assert.deepEqual(host.calls, ["wanted 0"]);
  });

  it("limit: readable, settable to 0 before reading, never after, never negative", async () => {
    const body = new RequestBody(new Host(), -1, 5, 100);
    assert.equal(body.limit, 5);
    body.limit = 0;
    assert.equal(body.limit, 0);
    for (const bad of [-1, Number.NaN]) {
      assert.throws(
        () => {
          body.limit = bad;
        },
        { name: "RangeError", message: "The body limit must be a number ≥ 0" },
      );
    }
    assert.equal(body.started, false);
    body.end([]);
    await body.bytes();
    assert.equal(body.started, true);
    assert.throws(
      () => {
        body.limit = 10;
      },
      { message: "The body limit cannot change once reading has started" },
    );
  });
});

describe("RequestBody.announce (chunk sizes)", () => {
  it("before reading: never refuses, but reading then fails on the announced total", async () => {
    const body = new RequestBody(new Host(), -1, 10, 100);
    assert.equal(body.announce(6), undefined);
    body.push(bytes("abcdef"));
    assert.equal(body.announce(5), undefined);
    await assert.rejects(body.bytes(), TOO_LARGE(10));
  });

  it("while reading: refuses the first announcement past the limit, and fails the body", async () => {
    const body = new RequestBody(new Host(), -1, 10, 100);
    const reading = body.bytes();
    assert.equal(body.announce(4), undefined);
    body.push(bytes("abcd"));
    assert.equal(body.announce(6), undefined, "4 + 6 is exactly the limit");
    body.push(bytes("efghij"));
    const refusal = body.announce(1);
    assert.ok(refusal instanceof HttpError);
    assert.deepEqual(
      [refusal.status, refusal.message, refusal.close],
      [413, TOO_LARGE(10).message, true],
    );
    await assert.rejects(reading, TOO_LARGE(10));
    assert.equal(body.announce(1), undefined, "a failed body refuses nothing more");
  });

  it("announcing less than already declared keeps the declared length", async () => {
    const body = new RequestBody(new Host(), 8, 10, 100);
    assert.equal(body.announce(1), undefined);
    body.limit = 7;
    await assert.rejects(body.bytes(), TOO_LARGE(7));
  });
});

describe("RequestBody flow control", () => {
  it("pauses once above the high-water mark and resumes when the reader is at half of it", async () => {
    const host = new Host();
    const body = new RequestBody(host, -1, 1000, 4);
    body.push(bytes("abcd"));
    assert.deepEqual(host.calls, [], "at the mark, not above it");
    body.push(bytes("e"));
    body.push(bytes("f"));
    assert.deepEqual(host.calls, ["pause"]);
    const iterator = body[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.toString(), "abcd");
    assert.deepEqual(host.calls, ["pause", "wanted 6", "resume"], "2 left: half of 4");
    body.push(bytes("ghijk"));
    assert.deepEqual(host.calls, ["pause", "wanted 6", "resume", "pause"]);
    assert.equal((await iterator.next()).value?.toString(), "e");
    assert.deepEqual(host.calls.length, 4, "6 left is more than half");
    assert.equal((await iterator.next()).value?.toString(), "f");
    assert.equal(host.calls.length, 4, "5 left");
    assert.equal((await iterator.next()).value?.toString(), "ghijk");
    assert.equal(host.calls.at(-1), "resume");
    body.end(["x-trailer", "1"]);
    assert.equal((await iterator.next()).done, true);
    assert.deepEqual(body.trailers, ["x-trailer", "1"]);
    assert.equal(body.complete, true);
  });

  it("bytes() never pauses, and resumes a paused socket", async () => {
    const host = new Host();
    const body = new RequestBody(host, -1, 1000, 2);
    body.push(bytes("abc"));
    assert.deepEqual(host.calls, ["pause"]);
    const whole = body.bytes();
    assert.deepEqual(host.calls, ["pause", "wanted 3", "resume"]);
    body.push(bytes("defgh"));
    body.end([]);
    assert.equal((await whole).toString(), "abcdefgh");
    assert.deepEqual(host.calls, ["pause", "wanted 3", "resume"]);
  });

  it("a failure or a discard resumes a paused socket", () => {
    for (const finish of [
      (body: RequestBody) => body.abort(new Error("gone")),
      (body: RequestBody) => body.discard(),
    ]) {
      const host = new Host();
      const body = new RequestBody(host, -1, 1000, 1);
      body.push(bytes("ab"));
      finish(body);
      assert.deepEqual(host.calls, ["pause", "resume"]);
    }
  });
});

describe("RequestBody reading", () => {
  it("bytes() returns a single chunk as it is and joins several", async () => {
    const one = bytes("only");
    const single = new RequestBody(new Host(), -1, 100, 100);
    single.push(one);
    single.end([]);
    assert.equal(await single.bytes(), one);
    const several = new RequestBody(new Host(), -1, 100, 100);
    several.push(bytes("a"));
    several.push(bytes("é"));
    several.end([]);
    assert.equal(await several.text(), "aé");
    assert.equal(several.received, 3);
  });

  it("waits for data and the end, and reads each chunk once, in order", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    const chunks = drain(body);
    body.push(bytes("1"));
    await Promise.resolve();
    body.push(bytes("2"));
    setImmediate(() => {
      body.push(bytes("3"));
      body.end([]);
    });
    assert.deepEqual(await chunks, ["1", "2", "3"]);
  });

  it("can be read only once", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    body.end([]);
    await body.bytes();
    const again = {
      message: "The request body was already read: read it once and keep the result",
    };
    await assert.rejects(body.bytes(), again);
    await assert.rejects(drain(body), again);
  });

  it("rejects readers with the abort's error, and ignores what comes after it", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    const failure = new Error("connection reset");
    const reading = body.bytes();
    body.push(bytes("a"));
    body.abort(failure);
    body.push(bytes("b"));
    body.end([]);
    body.abort(new Error("second"));
    await assert.rejects(reading, failure);
    assert.equal(body.failed, true);
    assert.equal(body.complete, false);
    assert.equal(body.received, 1);
  });

  it("a completed body ignores abort, discard and more bytes", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    body.push(bytes("done"));
    body.end(["a", "b"]);
    body.abort(new Error("late"));
    body.discard();
    body.push(bytes("x"));
    body.end([]);
    assert.deepEqual(body.trailers, ["a", "b"]);
    assert.equal(body.discarding, false);
    assert.equal(await body.text(), "done");
  });

  it("a discarded body drops its bytes and tells readers why", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    body.push(bytes("a"));
    const reading = drain(body);
    await Promise.resolve();
    body.discard();
    body.push(bytes("b"));
    const why = {
      message: "The response was already sent; the request body is no longer available",
    };
    await assert.rejects(reading, why);
    assert.equal(body.discarding, true);
    assert.equal(body.failed, false);
    assert.equal(body.received, 1);
    const late = new RequestBody(new Host(), -1, 100, 100);
    late.discard();
    await assert.rejects(late.bytes(), why);
  });
});

describe("RequestBody wakes a waiting reader", { timeout: 5000 }, () => {
  /** Lets a reader reach its wait for more input. */
  const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it("for each chunk as it arrives, before the end", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    const iterator = body[Symbol.asyncIterator]();
    const first = iterator.next();
    await settle();
    body.push(bytes("a"));
    assert.equal((await first).value?.toString(), "a");
  });

  it("at the end, at an abort and at a discard", async () => {
    const ended = new RequestBody(new Host(), -1, 100, 100);
    const whole = ended.bytes();
    await settle();
    ended.end(["t", "1"]);
    assert.equal((await whole).length, 0);
    const failure = new Error("reset");
    const aborted = new RequestBody(new Host(), -1, 100, 100);
    const reading = aborted.bytes();
    await settle();
    aborted.abort(failure);
    await assert.rejects(reading, failure);
    const discarded = new RequestBody(new Host(), -1, 100, 100);
    const next = discarded[Symbol.asyncIterator]().next();
    await settle();
    discarded.discard();
    await assert.rejects(next, { message: /no longer available/ });
  });
});

describe("RequestBody after the end of a read", () => {
  it("has no trailers before its end", () => {
    assert.deepEqual(new RequestBody(new Host(), -1, 100, 100).trailers, []);
  });

  it("a body read to its end by iteration cannot be read again", async () => {
    const body = new RequestBody(new Host(), -1, 100, 100);
    body.push(bytes("x"));
    body.end([]);
    assert.deepEqual(await drain(body), ["x"]);
    await assert.rejects(body.bytes(), { message: /already read/ });
  });

  it("a failed read fails again with the same error, not as already read", async () => {
    const body = new RequestBody(new Host(), 11, 10, 100);
    await assert.rejects(body.bytes(), TOO_LARGE(10));
    await assert.rejects(body.bytes(), TOO_LARGE(10));
    await assert.rejects(drain(body), TOO_LARGE(10));
  });

  it("yields nothing buffered after an abort or a discard", async () => {
    const failure = new Error("reset");
    const aborted = new RequestBody(new Host(), -1, 100, 100);
    aborted.push(bytes("kept?"));
    aborted.abort(failure);
    await assert.rejects(aborted[Symbol.asyncIterator]().next(), failure);
    const discarded = new RequestBody(new Host(), -1, 100, 100);
    discarded.push(bytes("kept?"));
    discarded.discard();
    await assert.rejects(discarded[Symbol.asyncIterator]().next(), {
      message: /no longer available/,
    });
  });
});
