import {
  body,
  complete,
  error,
  get,
  head,
  type ParserCase,
  type ParserEvent,
  post,
  SIMPLE_GET,
} from "./harness.js";

/** The chunked transfer coding (RFC 9112 §7.1): sizes, extensions, data CRLF, trailers. */

const CHUNKED_HEAD = head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], {
  chunked: true,
});

function chunkedPost(content: string): string {
  return post(["Transfer-Encoding: chunked"], content);
}

function decoded(name: string, content: string, text: string, trailers: string[] = []): ParserCase {
  const events: ParserEvent[] = [CHUNKED_HEAD];
  if (text !== "") events.push(body(text));
  events.push(complete(trailers));
  return { name, input: chunkedPost(content), expect: events };
}

/** A body that fails after `delivered` was handed on (the bytes before the fault are valid). */
function rejected(name: string, content: string, delivered = "", status = 400): ParserCase {
  const events: ParserEvent[] = [CHUNKED_HEAD];
  if (delivered !== "") events.push(body(delivered));
  events.push(error(status));
  return { name, input: chunkedPost(content), expect: events };
}

export const CHUNKED_CASES: ParserCase[] = [
  decoded("one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"),
  decoded("several chunks", "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n", "abcdef"),
  decoded("last chunk only", "0\r\n\r\n", ""),
  decoded("uppercase hex size", "A\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
  decoded("lowercase hex size", "a\r\n0123456789\r\n0\r\n\r\n", "0123456789"),
  decoded("two-digit hex size", `1F\r\n${"x".repeat(31)}\r\n0\r\n\r\n`, "x".repeat(31)),
  decoded("leading zeros in sizes", "0005\r\nhello\r\n000\r\n\r\n", "hello"),
  decoded("chunk data may contain CRLF and NUL", "4\r\n\r\n\x00\n\r\n0\r\n\r\n", "\r\n\x00\n"),
  decoded("extension name=value", "5;a=b\r\nhello\r\n0\r\n\r\n", "hello"),
  decoded("extension name only", "5;a\r\nhello\r\n0;last\r\n\r\n", "hello"),
  decoded("several extensions", "5;a=b;c;d=e\r\nhello\r\n0\r\n\r\n", "hello"),
  decoded("extension with BWS and quoted value", '5 ; a = "q\\"x"\r\nhello\r\n0\r\n\r\n', "hello"),
  decoded("extension with empty quoted value", '5;a=""\r\nhello\r\n0\r\n\r\n', "hello"),
  decoded("extension with tab BWS", "5\t;\ta\t=\tb\r\nhello\r\n0\r\n\r\n", "hello"),
  decoded(
    "extension exactly at maxChunkExtensionBytes (default)",
    `5;${"e".repeat(1023)}\r\nhello\r\n0\r\n\r\n`,
    "hello",
  ),
  {
    name: "extension exactly at a configured maxChunkExtensionBytes",
    input: chunkedPost("5;abc=def\r\nhello\r\n0\r\n\r\n"),
    limits: { maxChunkExtensionBytes: 8 },
    expect: [CHUNKED_HEAD, body("hello"), complete()],
  },
  {
    name: "extension over maxChunkExtensionBytes",
    input: chunkedPost("5;abc=defg\r\nhello\r\n0\r\n\r\n"),
    limits: { maxChunkExtensionBytes: 8 },
    expect: [CHUNKED_HEAD, error(400)],
  },
  rejected("extension over maxChunkExtensionBytes without a CR yet", `5;${"e".repeat(1100)}`),
  rejected("size overflow", "ffffffffffffffffff\r\n"),
  rejected("size overflow with leading one", "10000000000000005\r\nhello\r\n"),
  rejected("more than 64 size digits", `${"0".repeat(65)}5\r\nhello\r\n0\r\n\r\n`),
  rejected("negative size", "-1\r\nhello\r\n0\r\n\r\n"),
  rejected("hex prefix in size", "0x5\r\nhello\r\n0\r\n\r\n"),
  rejected("space before size", " 5\r\nhello\r\n0\r\n\r\n"),
  rejected("empty size line", "\r\nhello\r\n0\r\n\r\n"),
  rejected("trailing space without an extension", "5 \r\nhello\r\n0\r\n\r\n"),
  rejected("non-hex size", "g\r\nhello\r\n0\r\n\r\n"),
  rejected("plus sign in size", "+5\r\nhello\r\n0\r\n\r\n"),
  rejected("bare LF after size", "5\nhello\r\n0\r\n\r\n"),
  rejected("bare LF after an extension", "5;a=b\nhello\r\n0\r\n\r\n"),
  rejected("CR without LF after size", "5\rhello\r\n0\r\n\r\n"),
  rejected("bare LF after the last chunk size", "5\r\nhello\r\n0\n\r\n", "hello"),
  rejected("empty extension name", "5;\r\nhello\r\n0\r\n\r\n"),
  rejected("extension without name", "5;=b\r\nhello\r\n0\r\n\r\n"),
  rejected("extension with empty value", "5;a=\r\nhello\r\n0\r\n\r\n"),
  rejected("extension with space inside value", "5;a=b c\r\nhello\r\n0\r\n\r\n"),
  rejected("extension with unterminated quote", '5;a="b\r\nhello\r\n0\r\n\r\n'),
  rejected("extension with control character", "5;a=\x01\r\nhello\r\n0\r\n\r\n"),
  rejected("extension without semicolon", "5 a=b\r\nhello\r\n0\r\n\r\n"),
  rejected("data followed by bare LF", "5\r\nhello\n0\r\n\r\n", "hello"),
  rejected("data longer than its size", "5\r\nhelloX\r\n0\r\n\r\n", "hello"),
  rejected("data followed by CR and no LF", "5\r\nhello\rX0\r\n\r\n", "hello"),
  rejected("data followed by nothing but the next size", "5\r\nhello0\r\n\r\n", "hello"),
  decoded("one trailer", "5\r\nhello\r\n0\r\nX-Sum: 42\r\n\r\n", "hello", ["X-Sum", "42"]),
  decoded("trailers keep order and trim OWS", "0\r\nA: 1 \r\nb:\t2\r\nA: 3\r\n\r\n", "", [
    "A",
    "1",
    "b",
    "2",
    "A",
    "3",
  ]),
  {
    name: "trailers are not merged into the head's fields",
    input: chunkedPost("0\r\nHost: evil\r\nContent-Length: 5\r\n\r\n"),
    expect: [CHUNKED_HEAD, complete(["Host", "evil", "Content-Length", "5"])],
  },
  rejected("trailer with obs-fold", "0\r\nA: 1\r\n 2\r\n\r\n"),
  rejected("trailer with whitespace before colon", "0\r\nA : 1\r\n\r\n"),
  rejected("trailer with NUL", "0\r\nA: \x00\r\n\r\n"),
  rejected("trailer without colon", "0\r\nA\r\n\r\n"),
  rejected("trailer ending in bare LF", "0\r\nA: 1\n\r\n"),
  rejected("trailer section ending in bare LF", "0\r\n\n"),
  {
    name: "trailers with bare LF and allowBareLf",
    input: chunkedPost("0\r\nA: 1\n\n"),
    limits: { allowBareLf: true },
    expect: [CHUNKED_HEAD, complete(["A", "1"])],
  },
  {
    name: "trailer section at maxTrailerBytes",
    input: chunkedPost("0\r\nA: 1\r\nB: 2\r\n\r\n"),
    limits: { maxTrailerBytes: 14 },
    expect: [CHUNKED_HEAD, complete(["A", "1", "B", "2"])],
  },
  {
    name: "trailer section over maxTrailerBytes",
    input: chunkedPost("0\r\nA: 1\r\nB: 22\r\n\r\n"),
    limits: { maxTrailerBytes: 14 },
    expect: [CHUNKED_HEAD, error(431)],
  },
  {
    name: "trailer section over maxTrailerBytes before it ends",
    input: chunkedPost(`0\r\nA: ${"x".repeat(40)}`),
    limits: { maxTrailerBytes: 14 },
    expect: [CHUNKED_HEAD, error(431)],
  },
  {
    name: "trailer count at maxHeaderCount",
    input: chunkedPost("0\r\nA: 1\r\nB: 2\r\n\r\n"),
    limits: { maxHeaderCount: 2 },
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      complete(["A", "1", "B", "2"]),
    ],
  },
  {
    name: "trailer count over maxHeaderCount",
    input: chunkedPost("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"),
    limits: { maxHeaderCount: 2 },
    expect: [CHUNKED_HEAD, error(431)],
  },
  {
    name: "chunked request followed by a pipelined request",
    input: chunkedPost(`2\r\nhi\r\n0\r\n\r\n${get()}`),
    expect: [CHUNKED_HEAD, body("hi"), complete(), ...SIMPLE_GET],
  }, // The sink sees each chunk size before its data and may refuse it (the engine's 413 when the
  // body would pass its limit): the request fails at the size line, without waiting for data.
  {
    name: "a chunk size past the body limit fails before any of its data",
    input: chunkedPost("FFFFFFFFFFFF\r\nabc"),
    bodyLimit: 1000,
    expect: [CHUNKED_HEAD, error(413)],
  },
  {
    name: "without a body limit a huge chunk size waits for its data",
    input: chunkedPost("FFFFFFFFFFFF\r\nabc"),
    expect: [CHUNKED_HEAD, body("abc")],
  },
  {
    name: "a chunk size one past the body limit",
    input: chunkedPost("B\r\nhello world\r\n0\r\n\r\n"),
    bodyLimit: 10,
    expect: [CHUNKED_HEAD, error(413)],
  },
  {
    name: "chunks adding up to exactly the body limit",
    input: chunkedPost("6\r\nabcdef\r\n4\r\nghij\r\n0\r\n\r\n"),
    bodyLimit: 10,
    expect: [CHUNKED_HEAD, body("abcdefghij"), complete()],
  },
  {
    name: "earlier chunks count toward the body limit",
    input: chunkedPost("6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n"),
    bodyLimit: 10,
    expect: [CHUNKED_HEAD, body("abcdef"), error(413)],
  },
  {
    name: "the last chunk and trailers are never over the body limit",
    input: chunkedPost("0\r\nA: 1\r\n\r\n"),
    bodyLimit: 0,
    expect: [CHUNKED_HEAD, complete(["A", "1"])],
  },
  {
    name: "a chunk size past the body limit is refused after its extension is checked",
    input: chunkedPost("FFFFFFFFFFFF;a=b\r\nabc"),
    bodyLimit: 1000,
    expect: [CHUNKED_HEAD, error(413)],
  },
  {
    name: "a malformed size line is a 400 even past the body limit",
    input: chunkedPost("FFFFFFFFFFFF;=\r\nabc"),
    bodyLimit: 1000,
    expect: [CHUNKED_HEAD, error(400)],
  },
  {
    name: "nothing after a chunk refused for the body limit is parsed",
    input: chunkedPost(`FFFFFFFFFFFF\r\n${get()}`),
    bodyLimit: 1000,
    expect: [CHUNKED_HEAD, error(413)],
  },
  {
    name: "the body limit applies to each pipelined request on its own",
    input: chunkedPost(`8\r\n12345678\r\n0\r\n\r\n${chunkedPost("8\r\nabcdefgh\r\n0\r\n\r\n")}`),
    bodyLimit: 10,
    expect: [
      CHUNKED_HEAD,
      body("12345678"),
      complete(),
      CHUNKED_HEAD,
      body("abcdefgh"),
      complete(),
    ],
  },
];
