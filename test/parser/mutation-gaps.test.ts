import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RequestHead } from "../../src/wire/head.js";
import type { HttpError } from "../../src/wire/http-error.js";
import { RequestParser } from "../../src/wire/parser.js";

/**
 * Parser behaviour the tables did not pin, found by mutation testing (docs/mutation/parser.md):
 * state flags in the trailer section, a sink that stops on the last body bytes, bytes after the
 * parser is done, a head that outgrows the first pending buffer, and where heads keep their bytes.
 */

function recorder(): { events: string[]; heads: RequestHead[]; parser: RequestParser } {
  const events: string[] = [];
  const heads: RequestHead[] = [];
  const parser = new RequestParser({
    onHead: (head) => {
      heads.push(head);
      events.push(`head ${head.target}`);
    },
    onBody: (bytes) => events.push(`body ${bytes.toString("latin1")}`),
    onComplete: (trailers) => events.push(`complete ${trailers.join(",")}`),
    onError: (error: HttpError) => events.push(`error ${error.status} ${error.message}`),
  });
  return { events, heads, parser };
}

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1");
const CHUNKED = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("parser state the tables do not reach", () => {
  it("is neither idle nor in a head while a request-line has partly arrived", () => {
    const { parser } = recorder();
    parser.execute(latin1("GET / HT"));
    assert.deepEqual([parser.idle, parser.inHead], [false, true]);
  });

  it("is not in a head while a trailer section has partly arrived", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(`${CHUNKED}0\r\nX: y`));
    assert.deepEqual([parser.idle, parser.inHead], [false, false]);
    parser.execute(latin1("\r\n\r\n"));
    assert.deepEqual(events, ["head /", "complete X,y"]);
    assert.deepEqual([parser.idle, parser.inHead], [true, false]);
  });

  it("keeps no bytes that arrive after it is done", () => {
    const { parser } = recorder();
    parser.execute(latin1("\x00"));
    assert.equal(parser.done, true);
    parser.execute(latin1("LATER"));
    assert.equal(parser.takeHeld().length, 0);
  });

  it("completes no message when the sink stops it on the last body bytes", () => {
    const events: string[] = [];
    const parser = new RequestParser({
      onHead: () => events.push("head"),
      onBody: (bytes) => {
        events.push(`body ${bytes.toString("latin1")}`);
        parser.stop();
      },
      onComplete: () => events.push("complete"),
      onError: () => events.push("error"),
    });
    parser.execute(latin1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nabGET"));
    assert.deepEqual(events, ["head", "body ab"]);
    assert.equal(parser.done, true);
  });
});

describe("where a head's bytes live", () => {
  it("a head longer than the first pending buffer, fed byte by byte, keeps every byte", () => {
    const { heads, parser } = recorder();
    const value = "0123456789".repeat(70);
    const text = `GET /long HTTP/1.1\r\nHost: a\r\nX: ${value}\r\n\r\n`;
    const bytes = latin1(text);
    for (let index = 0; index < bytes.length; index++)
      parser.execute(bytes.subarray(index, index + 1));
    assert.equal(heads.length, 1);
    assert.equal(heads[0]?.target, "/long");
    assert.deepEqual(heads[0]?.headers.raw, ["Host", "a", "X", value]);
  });

  it("a head that arrives in one read is parsed in place: its fields are views of that read", () => {
    const { heads, parser } = recorder();
    const input = latin1("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
    parser.execute(input);
    assert.equal(heads[0]?.headers.isViewOf(input), true);
  });
});

describe("failedHead of a head continued from a read that began with another request", () => {
  it("joins the held start and this read's bytes from its beginning", () => {
    const { events, parser } = recorder();
    parser.execute(latin1("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x"));
    parser.execute(latin1("\x00"));
    assert.equal(events.at(-1), "error 400 Invalid byte in the request head");
    assert.equal(parser.failedHead?.toString("latin1"), "GET /x\x00");
  });
});
