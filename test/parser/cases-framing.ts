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

/** Message body length (RFC 9112 §6.1–§6.3): Content-Length, Transfer-Encoding, neither. */

function withLength(name: string, value: string, length: number, content: string): ParserCase {
  return {
    name,
    input: post([`Content-Length: ${value}`], content),
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", value.trim()], { contentLength: length }),
      ...(length > 0 ? [body(content.slice(0, length))] : []),
      complete(),
    ],
  };
}

function rejected(name: string, fieldLines: string[], status = 400): ParserCase {
  return { name, input: post(fieldLines, "5\r\nhello\r\n0\r\n\r\n"), expect: [error(status)] };
}

function chunked(name: string, teLines: string[]): ParserCase {
  const raw = teLines.flatMap((fieldLine) => {
    const colon = fieldLine.indexOf(":");
    return [fieldLine.slice(0, colon), fieldLine.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "")];
  });
  return {
    name,
    input: post(teLines, "5\r\nhello\r\n0\r\n\r\n"),
    expect: [
      head("POST", "/", ["Host", "a", ...raw], { chunked: true }),
      body("hello"),
      complete(),
    ],
  };
}

export const FRAMING_CASES: ParserCase[] = [
  withLength("Content-Length body", "5", 5, "hello"),
  withLength("Content-Length 0 means no body", "0", 0, ""),
  // RFC 9110 §8.6 allows any run of digits; slow-serv takes only the canonical spelling, so that
  // no reader can take "007" or "0200" for another number (octal, a different length).
  rejected("leading zeros in Content-Length", ["Content-Length: 007"]),
  rejected("Content-Length of two zeros", ["Content-Length: 00"]),
  rejected("Content-Length with a leading zero before a larger value", ["Content-Length: 0200"]),
  rejected("a long run of digits with a small value", ["Content-Length: 0000000000000000005"]),
  withLength("OWS around Content-Length is trimmed", "  3\t", 3, "abc"),
  withLength("binary-ish body bytes pass through", "6", 6, "\x00\r\n\xff\n\r"),
  {
    name: "largest accepted Content-Length (15 digits) streams what arrives",
    input: post(["Content-Length: 999999999999999"], "partial"),
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", "999999999999999"], {
        contentLength: 999999999999999,
      }),
      body("partial"),
    ],
  },
  {
    name: "body bytes stop at Content-Length; the rest is the next request",
    input: post(["Content-Length: 2"], `ok${get()}`),
    expect: [
      head("POST", "/", ["Host", "a", "Content-Length", "2"], { contentLength: 2 }),
      body("ok"),
      complete(),
      ...SIMPLE_GET,
    ],
  },
  {
    name: "no framing means no body: following bytes start the next request",
    input: post([], "PUT /x HTTP/1.1\r\nHost: b\r\n\r\n"),
    expect: [
      head("POST", "/", ["Host", "a"]),
      complete(),
      head("PUT", "/x", ["Host", "b"]),
      complete(),
    ],
  },
  {
    name: "a GET with Content-Length has a body",
    input: get(["Content-Length: 1"], "x"),
    expect: [
      head("GET", "/", ["Host", "a", "Content-Length", "1"], { contentLength: 1 }),
      body("x"),
      complete(),
    ],
  },
  rejected("Content-Length with a plus sign", ["Content-Length: +1"]),
  rejected("negative Content-Length", ["Content-Length: -1"]),
  rejected("Content-Length list", ["Content-Length: 1,2"]),
  rejected("Content-Length list of equal values", ["Content-Length: 1, 1"]),
  rejected("hex Content-Length", ["Content-Length: 0x10"]),
  rejected("Content-Length with inner space", ["Content-Length:  1 2"]),
  rejected("decimal Content-Length", ["Content-Length: 1.0"]),
  rejected("Content-Length with letters", ["Content-Length: 5a"]),
  rejected("Content-Length of 16 digits", ["Content-Length: 1000000000000000"]),
  rejected("Content-Length overflowing 2^64", ["Content-Length: 18446744073709551621"]),
  rejected("empty Content-Length", ["Content-Length:"]),
  rejected("Content-Length with NBSP", ["Content-Length: 5\xa0"]),
  rejected("duplicate identical Content-Length", ["Content-Length: 5", "Content-Length: 5"]),
  rejected("conflicting Content-Length", ["Content-Length: 5", "Content-Length: 6"]),
  chunked("chunked", ["Transfer-Encoding: chunked"]),
  chunked("coding names are case-insensitive", ["transfer-encoding: ChUnKeD"]),
  chunked("trailing OWS after chunked", ["Transfer-Encoding: chunked \t"]),
  chunked("empty list elements are ignored", ["Transfer-Encoding: , chunked ,"]),
  rejected("Transfer-Encoding without chunked", ["Transfer-Encoding: gzip"]),
  rejected("chunked not last", ["Transfer-Encoding: chunked, gzip"]),
  rejected("identity alone", ["Transfer-Encoding: identity"]),
  rejected("empty Transfer-Encoding", ["Transfer-Encoding:"]),
  rejected("gzip then chunked is not implemented", ["Transfer-Encoding: gzip, chunked"], 501),
  rejected("unknown coding then chunked", ["Transfer-Encoding: x-custom, chunked"], 501),
  rejected("chunked twice in one line", ["Transfer-Encoding: chunked, chunked"]),
  rejected("chunked with a parameter", ["Transfer-Encoding: chunked;foo=bar"]),
  rejected("TE then CL", ["Transfer-Encoding: chunked", "Content-Length: 5"]),
  rejected("CL then TE", ["Content-Length: 5", "Transfer-Encoding: chunked"]),
  rejected("CL 0 with TE", ["Content-Length: 0", "Transfer-Encoding: chunked"]),
  {
    name: "Transfer-Encoding in HTTP/1.0",
    input: request(["POST / HTTP/1.0", "Transfer-Encoding: chunked"], "5\r\nhello\r\n0\r\n\r\n"),
    expect: [error(400)],
  },
  {
    name: "HTTP/1.0 Content-Length body then close",
    input: request(["POST / HTTP/1.0", "Content-Length: 2"], `hi${get()}`),
    expect: [
      head("POST", "/", ["Content-Length", "2"], { version: "1.0", contentLength: 2 }),
      body("hi"),
      complete(),
    ],
  },
  {
    name: "Connection: close after a chunked body ignores what follows",
    input: post(["Transfer-Encoding: chunked", "Connection: close"], `0\r\n\r\n${get()}`),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked", "Connection", "close"], {
        chunked: true,
        keepAlive: false,
      }),
      complete(),
    ],
  },
];
