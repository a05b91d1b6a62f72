import {
  complete,
  error,
  get,
  head,
  type ParserCase,
  post,
  request,
  SIMPLE_GET,
} from "./harness.js";

/**
 * Bytes that can never start or continue a request (refused at the first such byte, not after the
 * header timeout), the absolute-form authority (checked like Host), and the strictness rules of
 * RFC 9110/9112 that issue 13 asked for: empty Host, long methods, a second Content-Type,
 * non-canonical Content-Length, "\" and encoded NUL/CR/LF in the target.
 */

function line(requestLine: string): string {
  return request([requestLine, "Host: a"]);
}

function refused(name: string, input: string, status = 400): ParserCase {
  return { name, input, expect: [error(status)] };
}

function accepted(name: string, target: string): ParserCase {
  return {
    name,
    input: line(`GET ${target} HTTP/1.1`),
    expect: [head("GET", target, ["Host", "a"]), complete()],
  };
}

export const STRICTNESS_CASES: ParserCase[] = [
  // Refused at the first invalid byte: no wait for the rest of a head that cannot be valid.
  {
    name: "NUL after a complete request",
    input: `${get()}\x00`,
    expect: [...SIMPLE_GET, error(400)],
  },
  {
    name: "{ after a complete request",
    input: `${get()}{"a":1}`,
    expect: [...SIMPLE_GET, error(400)],
  },
  refused("a lone NUL", "\x00"),
  refused("a lone {", "{"),
  refused("NUL after empty lines", "\r\n\r\n\x00"),
  refused(
    "a CR not followed by LF at the start of a line, head unfinished",
    "PUT /url HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\rabc",
  ),
  refused(
    "a CR not followed by LF in a field value, head unfinished",
    "GET / HTTP/1.1\r\nHost: a\rb",
  ),
  refused("a CR not followed by LF in the request-line, head unfinished", "GET /\rx"),
  refused("a control byte in an unfinished field", "GET / HTTP/1.1\r\nX-A: \x01"),
  refused("DEL in an unfinished request-line", "GET /\x7f"),
  refused("a vertical tab in an unfinished field name", "GET / HTTP/1.1\r\nX\x0b"),
  {
    name: "a CR that ends what has arrived waits for its LF",
    input: "GET / HTTP/1.1\r",
    expect: [],
  },
  {
    name: "an unfinished head of valid bytes waits",
    input: "GET / HTTP/1.1\r\nHost: a\r\n",
    expect: [],
  },
  {
    name: "NUL in an unfinished trailer section",
    input: post(["Transfer-Encoding: chunked"], "0\r\nX-T: \x00"),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      error(400),
    ],
  },
  {
    name: "an invalid byte before the header limit is 400, not 431",
    input: `GET / HTTP/1.1\r\nX-A: \x00${"a".repeat(100)}\r\n\r\n`,
    limits: { maxHeaderBytes: 64 },
    expect: [error(400)],
  },
  {
    name: "an invalid byte before the request-line limit is 400, not 414",
    input: `GET /\x00${"a".repeat(100)}`,
    limits: { maxRequestLineBytes: 32 },
    expect: [error(400)],
  },
  {
    name: "an invalid byte before too many fields is 400, not 431",
    input: get(["X-A: \x00", "X-B: 1", "X-C: 1"]),
    limits: { maxHeaderCount: 2 },
    expect: [error(400)],
  },
  refused(
    "NUL in a head of an unsupported version is 400, not 505",
    "GET / HTTP/2.0\r\nX: \x00\r\n\r\n",
  ),
  refused("lone CR in a head of an unsupported version", "GET / HTTP/2.0\r\nX: a\rb\r\n\r\n"),

  // The absolute-form authority is validated like Host (RFC 9112 §3.2.2, RFC 9110 §7.2).
  refused(
    "absolute-form with markup as its host",
    line("GET http://<script>alert(1)<%2Fscript>/x HTTP/1.1"),
  ),
  refused("absolute-form authority with two colons", line("GET http://a:b:c/ HTTP/1.1")),
  refused("absolute-form authority with a six-digit port", line("GET http://a:100000/ HTTP/1.1")),
  refused("absolute-form authority with a non-numeric port", line("GET http://a:http/ HTTP/1.1")),
  refused("absolute-form authority with an unclosed IP literal", line("GET http://[::1/ HTTP/1.1")),
  refused("absolute-form authority with a port but no host", line("GET http://:80/ HTTP/1.1")),
  refused("absolute-form authority with a quote", line('GET http://a"b/ HTTP/1.1')),
  accepted("absolute-form authority with an empty port", "http://a:/x"),
  accepted("absolute-form authority with escapes and sub-delims", "http://ex%41mple.com!$/x"),
  accepted("absolute-form with a query and no path", "http://a.example?x=/y"),

  // Host must name a host (RFC 9110 §4.2.1, §7.2).
  refused("empty Host in HTTP/1.1", "GET / HTTP/1.1\r\nHost: \r\n\r\n"),
  refused("empty Host in HTTP/1.0", "GET / HTTP/1.0\r\nHost:\r\n\r\n"),

  // An over-long method is 501 (RFC 9112 §3), not 414, which is for the target.
  {
    name: "a method running past the request-line limit before any space is 501",
    input: "M".repeat(40),
    limits: { maxRequestLineBytes: 32 },
    expect: [error(501)],
  },
  {
    name: "a long method with a non-token byte is 400",
    input: `MM(${"M".repeat(40)}`,
    limits: { maxRequestLineBytes: 32 },
    expect: [error(400)],
  },
  {
    name: "a long target after a short method is still 414",
    input: `GET /${"a".repeat(40)}`,
    limits: { maxRequestLineBytes: 32 },
    expect: [error(414)],
  },

  // Content-Type is a singleton field (RFC 9110 §8.3).
  refused("two Content-Type fields", get(["Content-Type: text/plain", "Content-Type: text/plain"])),
  refused("two Content-Type fields in any case", get(["content-type: a/b", "CONTENT-TYPE: c/d"])),
  {
    name: "one Content-Type is fine",
    input: get(["Content-Type: text/plain"]),
    expect: [head("GET", "/", ["Host", "a", "Content-Type", "text/plain"]), complete()],
  },

  // "\" is in no URI (RFC 3986); percent-encoded NUL, CR and LF have no place in a path.
  refused("a backslash in the path", line("GET /\\evil.example HTTP/1.1")),
  refused("a backslash after a slash pair", line("GET //\\evil.example HTTP/1.1")),
  refused("a backslash in the query", line("GET /a?b=\\ HTTP/1.1")),
  refused("a backslash in an absolute-form authority", line("GET http://a\\b/ HTTP/1.1")),
  refused("percent-encoded NUL in the path", line("GET /a%00b HTTP/1.1")),
  refused("percent-encoded CR in the path", line("GET /a%0Db HTTP/1.1")),
  refused("percent-encoded LF in the path, lowercase", line("GET /a%0ab HTTP/1.1")),
  refused("percent-encoded LF at the end of the path", line("GET /a%0A HTTP/1.1")),
  refused("percent-encoded NUL in an absolute-form path", line("GET http://a/x%00 HTTP/1.1")),
  accepted("other percent-encoded controls are the application's business", "/a%09b%01"),
  accepted("a % near the end of the path", "/a%0"),
  accepted("percent-encoded space and a zero digit", "/a%20%30"),
];
