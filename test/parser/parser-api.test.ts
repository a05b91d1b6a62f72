import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestHead } from "../../src/wire/head.js";
import { DEFAULT_PARSER_LIMITS, type ParserSink, RequestParser } from "../../src/wire/parser.js";
import { get, parsePieces, post, Recorder, splits } from "./harness.js";

/** The parser's own surface: state getters, stop(), defaults, and zero-copy bodies. */

describe("RequestParser state", () => {
  it("idle, inHead and done follow the request", () => {
    const parser = new RequestParser(new Recorder());
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [true, false, false]);
    parser.execute(Buffer.from("\r\n"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [false, true, false]);
    parser.execute(Buffer.from("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [false, true, false]);
    parser.execute(Buffer.from("\r\nx"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [false, false, false]);
    parser.execute(Buffer.from("y"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [true, false, false]);
    parser.execute(Buffer.from("BAD\r\n\r\n"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [false, false, true]);
  });

  it("stop() inside onHead delivers no body and no completion", () => {
    const events: string[] = [];
    const sink: ParserSink = {
      onHead: () => {
        events.push("head");
        parser.stop();
      },
      onBody: () => events.push("body"),
      onComplete: () => events.push("complete"),
      onError: () => events.push("error"),
    };
    const parser = new RequestParser(sink);
    parser.execute(Buffer.from(post(["Content-Length: 3"], `abc${get()}`)));
    assert.deepEqual(events, ["head"]);
    assert.equal(parser.done, true);
  });

  it("stop() inside onBody ends the request mid-body", () => {
    const events: string[] = [];
    const parser = new RequestParser({
      onHead: () => events.push("head"),
      onBody: () => {
        events.push("body");
        parser.stop();
      },
      onComplete: () => events.push("complete"),
      onError: () => events.push("error"),
    });
    parser.execute(
      Buffer.from(post(["Transfer-Encoding: chunked"], "1\r\na\r\n1\r\nb\r\n0\r\n\r\n")),
    );
    assert.deepEqual(events, ["head", "body"]);
  });

  it("bodies are views of the input, not copies", () => {
    const input = Buffer.from(post(["Content-Length: 5"], "hello"));
    const views: Buffer[] = [];
    const parser = new RequestParser({
      onHead: (_head: RequestHead) => {},
      onBody: (bytes) => views.push(bytes),
      onComplete: () => {},
      onError: (failure) => assert.fail(failure),
    });
    parser.execute(input);
    assert.equal(views.length, 1);
    assert.equal(views[0]!.buffer, input.buffer);
    assert.equal(views[0]!.byteOffset, input.byteOffset + input.length - 5);
  });

  it("a head kept after later reads still reads its own bytes", () => {
    const heads: RequestHead[] = [];
    const parser = new RequestParser({
      onHead: (head) => heads.push(head),
      onBody: () => {},
      onComplete: () => {},
      onError: (failure) => assert.fail(failure),
    });
    // Split heads are assembled in an internal buffer; the next head must not overwrite it.
    for (const value of ["first", "second"]) {
      parser.execute(Buffer.from(`GET /${value} HTTP/1.1\r\nHost: a\r\nX-V: `));
      parser.execute(Buffer.from(`${value}\r\n\r\n`));
    }
    assert.deepEqual(
      heads.map((head) => [head.target, head.headers.get("x-v")]),
      [
        ["/first", "first"],
        ["/second", "second"],
      ],
    );
  });

  it("trailers never reach the head's fields, even after completion", () => {
    let kept: RequestHead | undefined;
    let trailers: readonly string[] = [];
    const parser = new RequestParser({
      onHead: (head) => {
        kept = head;
      },
      onBody: () => {},
      onComplete: (received) => {
        trailers = received;
      },
      onError: (failure) => assert.fail(failure),
    });
    parser.execute(
      Buffer.from(post(["Transfer-Encoding: chunked"], "0\r\nX-T: 1\r\nHost: b\r\n\r\n")),
    );
    assert.deepEqual(trailers, ["X-T", "1", "Host", "b"]);
    assert.deepEqual(kept!.headers.raw, ["Host", "a", "Transfer-Encoding", "chunked"]);
    assert.equal(kept!.headers.get("x-t"), undefined);
    assert.equal(kept!.headers.get("host"), "a");
  });

  it("announces each chunk size once, before its data, whatever the split", () => {
    const content = `3\r\nabc\r\n1a;x=y\r\n${"z".repeat(26)}\r\n0\r\n\r\n`;
    const input = Buffer.from(post(["Transfer-Encoding: chunked"], content), "latin1");
    for (const { label, pieces } of splits(input)) {
      // [size, body bytes delivered before the size]: the last chunk (0) is not announced.
      assert.deepEqual(
        parsePieces(pieces).recorder.chunkSizes,
        [
          [3, 0],
          [26, 3],
        ],
        label,
      );
    }
  });

  it("stop() inside onChunkSize delivers none of the chunk", () => {
    const events: string[] = [];
    const parser = new RequestParser({
      onHead: () => events.push("head"),
      onBody: () => events.push("body"),
      onComplete: () => events.push("complete"),
      onError: () => events.push("error"),
      onChunkSize: () => {
        events.push("size");
        parser.stop();
        return undefined;
      },
    });
    parser.execute(Buffer.from(post(["Transfer-Encoding: chunked"], `3\r\nabc\r\n0\r\n\r\n`)));
    assert.deepEqual(events, ["head", "size"]);
    assert.equal(parser.done, true);
  });

  it("has frozen, documented defaults", () => {
    assert.ok(Object.isFrozen(DEFAULT_PARSER_LIMITS));
    assert.deepEqual(
      { ...DEFAULT_PARSER_LIMITS },
      {
        maxRequestLineBytes: 8192,
        maxHeaderBytes: 16384,
        maxHeaderCount: 100,
        maxChunkExtensionBytes: 1024,
        maxTrailerBytes: 8192,
        allowBareLf: false,
      },
    );
    assert.equal(new RequestParser(new Recorder()).limits, DEFAULT_PARSER_LIMITS);
  });
});
