import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HttpError } from "../../src/wire/http-error.js";
import { FAILED_HEAD_BYTES, RequestParser } from "../../src/wire/parser.js";

/**
 * The parser's state around a request rather than inside it: bytes held after an upgrade request
 * (takeHeld, resume), what `failedHead` keeps for the log, `stop`, and the idle/inHead/done flags.
 * upgrade-seam.test.ts and protocol-log.test.ts check the same through a server.
 */

function recorder(): { events: string[]; parser: RequestParser } {
  const events: string[] = [];
  const parser = new RequestParser({
    onHead: (head) => events.push(`head ${head.method} ${head.target} upgrade=${head.upgrade}`),
    onBody: (bytes) => events.push(`body ${bytes.toString("latin1")}`),
    onComplete: (trailers) => events.push(`complete ${trailers.join(",")}`),
    onError: (error: HttpError) => events.push(`error ${error.status} ${error.message}`),
  });
  return { events, parser };
}

const latin1 = (text: string): Buffer => Buffer.from(text, "latin1");
const failedHead = (parser: RequestParser): string | undefined =>
  parser.failedHead?.toString("latin1");
const UPGRADE = "GET /u HTTP/1.1\r\nHost: a\r\nConnection: upgrade\r\nUpgrade: x\r\n\r\n";
const NEXT = "GET /next HTTP/1.1\r\nHost: a\r\n\r\n";

describe("bytes after an upgrade request", () => {
  it("are held, unparsed, and handed over by takeHeld(), which ends parsing", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(`${UPGRADE}DA`));
    parser.execute(latin1("TA\x00"));
    assert.deepEqual(events, ["head GET /u upgrade=x", "complete "]);
    assert.equal(parser.held, true);
    assert.equal(parser.idle, false);
    assert.equal(parser.inHead, false);
    assert.equal(parser.done, false);
    assert.equal(parser.takeHeld().toString("latin1"), "DATA\x00");
    assert.equal(parser.held, false);
    assert.equal(parser.done, true);
    parser.execute(latin1(NEXT));
    assert.equal(events.length, 2);
  });

  it("are an empty buffer when nothing followed", () => {
    const { parser } = recorder();
    parser.execute(latin1(UPGRADE));
    assert.equal(parser.held, true);
    assert.equal(parser.takeHeld().length, 0);
  });

  it("come after the upgrade request's body", () => {
    const { events, parser } = recorder();
    const withBody = UPGRADE.replace("\r\n\r\n", "\r\nContent-Length: 2\r\n\r\n");
    parser.execute(latin1(`${withBody}hiHELD`));
    assert.deepEqual(events, ["head GET /u upgrade=x", "body hi", "complete "]);
    assert.equal(parser.takeHeld().toString(), "HELD");
  });

  it("are copies: a reused input buffer does not change them", () => {
    const { parser } = recorder();
    const input = latin1(`${UPGRADE}ABCD`);
    parser.execute(input);
    input.fill(0x5a);
    const more = latin1("EF");
    parser.execute(more);
    more.fill(0x5a);
    assert.equal(parser.takeHeld().toString(), "ABCDEF");
  });

  it("are parsed as the next requests when resume() declines the upgrade", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(`${UPGRADE}${NEXT.slice(0, 10)}`));
    parser.resume();
    assert.equal(parser.held, false);
    assert.deepEqual(events, ["head GET /u upgrade=x", "complete "]);
    assert.equal(parser.inHead, true);
    parser.execute(latin1(NEXT.slice(10)));
    assert.deepEqual(events.slice(2), ["head GET /next upgrade=undefined", "complete "]);
    assert.equal(parser.idle, true);
  });

  it("resume() without held bytes waits for the next request", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(UPGRADE));
    parser.resume();
    assert.equal(parser.idle, true);
    parser.execute(latin1(NEXT));
    assert.equal(events.length, 4);
  });

  it("are dropped by resume() when the upgrade request closes the connection", () => {
    const { events, parser } = recorder();
    const closing = UPGRADE.replace("Connection: upgrade", "Connection: upgrade, close");
    parser.execute(latin1(`${closing}${NEXT}`));
    parser.resume();
    assert.equal(parser.done, true);
    assert.equal(events.length, 2);
  });

  it("resume() does nothing unless bytes are held", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(NEXT.slice(0, 20)));
    parser.resume();
    assert.equal(parser.inHead, true);
    parser.execute(latin1(NEXT.slice(20)));
    assert.deepEqual(events, ["head GET /next upgrade=undefined", "complete "]);
    parser.stop();
    parser.resume();
    assert.equal(parser.done, true);
  });

  it("stop() ends parsing and drops held bytes", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(`${UPGRADE}XY`));
    parser.stop();
    assert.equal(parser.done, true);
    assert.equal(parser.takeHeld().length, 0);
    parser.execute(latin1(NEXT));
    assert.equal(events.length, 2);
  });
});

describe("failedHead", () => {
  it("keeps the failed head of a read that began with another request", () => {
    const { events, parser } = recorder();
    parser.execute(latin1(`${NEXT}BAD\x00 more`));
    assert.deepEqual(events.at(-1), "error 400 Invalid byte in the request head");
    assert.equal(failedHead(parser), "BAD\x00 more");
  });

  it("keeps the first FAILED_HEAD_BYTES bytes of a whole head that failed", () => {
    const { parser } = recorder();
    const target = `/${"a".repeat(100)}`;
    const head = `GET ${target} HTTP/9.9\r\nHost: a\r\n\r\n`;
    parser.execute(latin1(`${NEXT}${head}`));
    assert.equal(FAILED_HEAD_BYTES, 64);
    assert.equal(failedHead(parser), head.slice(0, 64));
    const short = recorder();
    short.parser.execute(latin1("GET / HTTP/1.1\r\n\r\n"));
    assert.equal(failedHead(short.parser), "GET / HTTP/1.1\r\n\r\n");
  });

  it("joins earlier reads and this one, up to FAILED_HEAD_BYTES", () => {
    const { parser } = recorder();
    parser.execute(latin1(`GET /${"b".repeat(50)}`));
    parser.execute(latin1(`${"c".repeat(30)}\x01`));
    assert.equal(failedHead(parser), `GET /${"b".repeat(50)}${"c".repeat(9)}`);
  });

  it("is a copy, and undefined while parsing goes on or after a body error", () => {
    const { parser } = recorder();
    parser.execute(latin1(NEXT));
    assert.equal(failedHead(parser), undefined);
    const input = latin1("\x00GET");
    parser.execute(input);
    input.fill(0x41);
    assert.equal(failedHead(parser), "\x00GET");
    const chunked = recorder();
    chunked.parser.execute(
      latin1("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    );
    assert.equal(chunked.events.at(-1), "error 400 Invalid chunk size");
    assert.equal(failedHead(chunked.parser), undefined);
  });
});

describe("idle and inHead", () => {
  it("count empty lines before a request as the start of a head", () => {
    const { events, parser } = recorder();
    assert.deepEqual([parser.idle, parser.inHead], [true, false]);
    parser.execute(latin1("\r\n"));
    assert.deepEqual([parser.idle, parser.inHead], [false, true]);
    parser.execute(latin1(NEXT));
    assert.deepEqual([parser.idle, parser.inHead], [true, false]);
    assert.equal(events.length, 2);
  });

  it("are both false inside a body", () => {
    const { parser } = recorder();
    parser.execute(latin1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na"));
    assert.deepEqual([parser.idle, parser.inHead, parser.done], [false, false, false]);
  });
});
