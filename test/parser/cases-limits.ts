import {
  body,
  complete,
  error,
  get,
  head,
  type ParserCase,
  post,
  request,
  SIMPLE_GET,
} from "./harness.js";

/** Size and count limits (414/431) and pipelining: several requests, in order, until one fails. */

// "GET / HTTP/1.1\r\n" is 16 bytes; the whole of get() is 27.
const REQUEST_LINE_BYTES = 16;
const SIMPLE_HEAD_BYTES = 27;

export const LIMIT_CASES: ParserCase[] = [
  {
    name: "request-line exactly at maxRequestLineBytes",
    input: get(),
    limits: { maxRequestLineBytes: REQUEST_LINE_BYTES },
    expect: SIMPLE_GET,
  },
  {
    name: "request-line one byte over maxRequestLineBytes",
    input: get(),
    limits: { maxRequestLineBytes: REQUEST_LINE_BYTES - 1 },
    expect: [error(414)],
  },
  {
    name: "request-line over the limit before any LF arrived",
    input: `GET /${"a".repeat(40)}`,
    limits: { maxRequestLineBytes: 32 },
    expect: [error(414)],
  },
  {
    name: "long request-line is 414 even if a bare LF comes later",
    input: `GET /${"a".repeat(40)} HTTP/1.1\nHost: a\n\n`,
    limits: { maxRequestLineBytes: 32 },
    expect: [error(414)],
  },
  {
    name: "bare LF as the byte that reaches the request-line limit is 400",
    input: "GET / HTTP/1.1\nHost: a\r\n\r\n",
    limits: { maxRequestLineBytes: 14 },
    expect: [error(400)],
  },
  {
    name: "long request-line under a smaller maxHeaderBytes is 431",
    input: `GET /${"a".repeat(40)} HTTP/1.1\r\nHost: a\r\n\r\n`,
    limits: { maxRequestLineBytes: 100, maxHeaderBytes: 20 },
    expect: [error(431)],
  },
  {
    name: "header section exactly at maxHeaderBytes",
    input: get(),
    limits: { maxHeaderBytes: SIMPLE_HEAD_BYTES },
    expect: SIMPLE_GET,
  },
  {
    name: "header section one byte over maxHeaderBytes",
    input: get(),
    limits: { maxHeaderBytes: SIMPLE_HEAD_BYTES - 1 },
    expect: [error(431)],
  },
  {
    name: "header section over the limit before it ends",
    input: `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(60)}`,
    limits: { maxHeaderBytes: 40 },
    expect: [error(431)],
  },
  {
    name: "long field line is 431 even if it ends in a bare LF",
    input: `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${"x".repeat(60)}\n\r\n`,
    limits: { maxHeaderBytes: 40 },
    expect: [error(431)],
  },
  {
    name: "body bytes do not count toward maxHeaderBytes",
    input: post(["Content-Length: 40"], "b".repeat(40)),
    limits: { maxHeaderBytes: 48 },
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", "40"], { contentLength: 40 }),
      body("b".repeat(40)),
      complete(),
    ],
  },
  {
    name: "each request gets the full maxHeaderBytes",
    input: get() + get() + get(),
    limits: { maxHeaderBytes: SIMPLE_HEAD_BYTES },
    expect: [...SIMPLE_GET, ...SIMPLE_GET, ...SIMPLE_GET],
  },
  {
    name: "empty lines before a request are bounded by maxHeaderBytes",
    input: `${"\r\n".repeat(20)}${get()}`,
    limits: { maxHeaderBytes: 30 },
    expect: [error(431)],
  },
  {
    name: "field count exactly at maxHeaderCount",
    input: get(["X-A: 1", "X-B: 2"]),
    limits: { maxHeaderCount: 3 },
    expect: [head("GET", "/", ["Host", "a", "X-A", "1", "X-B", "2"]), complete()],
  },
  {
    name: "field count over maxHeaderCount",
    input: get(["X-A: 1", "X-B: 2", "X-C: 3"]),
    limits: { maxHeaderCount: 3 },
    expect: [error(431)],
  },
  {
    name: "field count over the default maxHeaderCount (100)",
    input: get(Array.from({ length: 100 }, (_, index) => `X-${index}: v`)),
    expect: [error(431)],
  },
  {
    name: "pipelined requests are delivered in order",
    input: `${post(["Content-Length: 3"], "one")}${post(["Transfer-Encoding: chunked"], "3\r\ntwo\r\n0\r\n\r\n")}${request(["GET /three HTTP/1.1", "Host: c"])}`,
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", "3"], { contentLength: 3 }),
      body("one"),
      complete(),
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      body("two"),
      complete(),
      head("GET", "/three", ["Host", "c"]),
      complete(),
    ],
  },
  {
    name: "nothing after an error is delivered",
    input: `${get()}GET / HTTP/1.1\r\nHost: a b\r\n\r\n${get()}`,
    expect: [...SIMPLE_GET, error(400)],
  },
  {
    name: "an error in a body stops the pipeline",
    input: `${post(["Transfer-Encoding: chunked"], "2\r\nhi\r\nz\r\n")}${get()}`,
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      body("hi"),
      error(400),
    ],
  },
  {
    name: "a partial second request waits for more bytes",
    input: `${get()}GET /next HT`,
    expect: SIMPLE_GET,
  },
  {
    name: "a partial body waits for more bytes",
    input: post(["Content-Length: 10"], "12345"),
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", "10"], { contentLength: 10 }),
      body("12345"),
    ],
  },
];
