import { complete, error, get, head, type ParserCase, request, SIMPLE_GET } from "./harness.js";

/** Request-line syntax (RFC 9112 §3): method, the four target forms, version, empty lines first. */

const HOST = "Host: a";

function line(requestLine: string): string {
  return request([requestLine, HOST]);
}

function accepted(name: string, method: string, target: string): ParserCase {
  return {
    name,
    input: line(`${method} ${target} HTTP/1.1`),
    expect: [head(method, target, ["Host", "a"]), complete()],
  };
}

function rejected(name: string, requestLine: string, status = 400): ParserCase {
  return { name, input: line(requestLine), expect: [error(status)] };
}

export const REQUEST_LINE_CASES: ParserCase[] = [
  { name: "simple GET", input: get(), expect: SIMPLE_GET },
  accepted("POST without a body", "POST", "/submit"),
  accepted("extension method", "M-SEARCH", "/"),
  accepted("method is case-sensitive: lowercase is just another token", "get", "/"),
  accepted("method made of every tchar symbol", "!#$%&'*+-.^_`|~", "/"),
  accepted("origin-form with query and escapes", "GET", "/a/b;p?c=d&e=%20&f=/?"),
  accepted("origin-form keeps its exact bytes", "GET", "//double//slashes/../x"),
  accepted("absolute-form", "GET", "http://example.com/x?y=1"),
  accepted("absolute-form with https and uppercase scheme", "GET", "HTTPS://Example.com:8443"),
  // A well-formed CONNECT is a 501 (slow-serv does not tunnel), and nothing after it is parsed.
  rejected("authority-form with CONNECT", "CONNECT example.com:443 HTTP/1.1", 501),
  rejected("authority-form with an IPv6 literal", "CONNECT [::1]:8080 HTTP/1.1", 501),
  rejected("CONNECT in HTTP/1.0", "CONNECT example.com:443 HTTP/1.0", 501),
  {
    name: "bytes after a CONNECT are neither tunnel data nor a request",
    input: `${line("CONNECT example.com:443 HTTP/1.1")}\x16\x03\x01${get()}`,
    expect: [error(501)],
  },
  {
    name: "a CONNECT with a body is refused before its body",
    input: request(["CONNECT example.com:443 HTTP/1.1", HOST, "Content-Length: 3"], `abc${get()}`),
    expect: [error(501)],
  },
  {
    name: "requests before a CONNECT are delivered, then it is refused",
    input: `${get()}${line("CONNECT example.com:443 HTTP/1.1")}`,
    expect: [...SIMPLE_GET, error(501)],
  },
  accepted("asterisk-form with OPTIONS", "OPTIONS", "*"),
  rejected("CONNECT with origin-form", "CONNECT / HTTP/1.1"),
  rejected("CONNECT without a port", "CONNECT example.com HTTP/1.1"),
  rejected("CONNECT with userinfo", "CONNECT user@example.com:443 HTTP/1.1"),
  rejected("authority-form with GET", "GET example.com:443 HTTP/1.1"),
  rejected("asterisk-form with GET", "GET * HTTP/1.1"),
  rejected("asterisk followed by more", "OPTIONS *x HTTP/1.1"),
  rejected("relative target", "GET a/b HTTP/1.1"),
  rejected("absolute-form with an unsupported scheme", "GET ftp://example.com/ HTTP/1.1"),
  accepted("absolute-form with an IPv6 literal and port", "GET", "http://[::1]:8080/x"),
  rejected("absolute-form with an empty host", "GET http:///x HTTP/1.1"),
  rejected("absolute-form with userinfo", "GET http://user@example.com/ HTTP/1.1"),
  rejected("a fragment in origin-form", "GET /page#section HTTP/1.1"),
  rejected("a fragment in absolute-form", "GET http://example.com/#x HTTP/1.1"),
  {
    name: "HTTP/1.0 without Host closes after the request",
    input: `GET /old HTTP/1.0\r\n\r\n${get()}`,
    expect: [head("GET", "/old", [], { version: "1.0" }), complete()],
  },
  {
    name: "HTTP/1.0 with keep-alive allows the next request",
    input: `GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n${get()}`,
    expect: [
      head("GET", "/", ["Connection", "Keep-Alive"], { version: "1.0", keepAlive: true }),
      complete(),
      ...SIMPLE_GET,
    ],
  },
  rejected("HTTP/2.0", "GET / HTTP/2.0", 505),
  rejected("HTTP/1.2", "GET / HTTP/1.2", 505),
  rejected("HTTP/0.9", "GET / HTTP/0.9", 505),
  rejected("HTTP/3.0", "GET / HTTP/3.0", 505),
  rejected("lowercase version", "GET / http/1.1"),
  rejected("version with two-digit major", "GET / HTTP/11.1"),
  rejected("version with two-digit minor", "GET / HTTP/1.10"),
  rejected("version without minor", "GET / HTTP/1"),
  rejected("version with three parts", "GET / HTTP/1.1.1"),
  rejected("version with letters", "GET / HTTP/a.b"),
  rejected("trailing space after version", "GET / HTTP/1.1 "),
  rejected("missing version", "GET /"),
  rejected("missing target", "GET HTTP/1.1"),
  rejected("two spaces after method", "GET  / HTTP/1.1"),
  rejected("two spaces before version", "GET /  HTTP/1.1"),
  rejected("tab after method", "GET\t/ HTTP/1.1"),
  rejected("tab before version", "GET /\tHTTP/1.1"),
  rejected("leading space before method", " GET / HTTP/1.1"),
  rejected("empty method", " / HTTP/1.1"),
  rejected("method with a separator", "GE(T / HTTP/1.1"),
  rejected("method with a quote", 'G"ET / HTTP/1.1'),
  rejected("method with @", "GET@ / HTTP/1.1"),
  rejected("NUL in target", "GET /a\x00b HTTP/1.1"),
  rejected("control character in target", "GET /a\x01b HTTP/1.1"),
  rejected("DEL in target", "GET /a\x7fb HTTP/1.1"),
  rejected("non-ASCII byte in target", "GET /caf\xe9 HTTP/1.1"),
  rejected("bare CR inside the request-line", "GET /a\rb HTTP/1.1"),
  rejected("version repeated (request-line injection)", "GET / HTTP/1.1 HTTP/1.1"),
  {
    name: "request-line injection: a second request-line as a field line",
    input: request(["GET /a HTTP/1.1", "GET /admin HTTP/1.1", HOST]),
    expect: [error(400)],
  },
  {
    name: "bare CR ends nothing: it cannot stand in for CRLF after the request-line",
    input: `GET / HTTP/1.1\rHost: a\r\n\r\n`,
    expect: [error(400)],
  },
  {
    name: "empty lines before the request are ignored",
    input: `\r\n\r\n\r\n${get()}`,
    expect: SIMPLE_GET,
  },
  {
    name: "empty lines between pipelined requests are ignored",
    input: `${get()}\r\n\r\n${get()}`,
    expect: [...SIMPLE_GET, ...SIMPLE_GET],
  },
  { name: "bare LF before the request is rejected", input: `\n${get()}`, expect: [error(400)] },
  {
    name: "bare LF before the request with allowBareLf",
    input: `\n\r\n${get()}`,
    limits: { allowBareLf: true },
    expect: SIMPLE_GET,
  },
  { name: "lone CR before the request", input: `\r${get()}`, expect: [error(400)] },
  { name: "CR CR LF before the request", input: `\r\r\n${get()}`, expect: [error(400)] },
  {
    name: "request-line ending in bare LF is rejected",
    input: "GET / HTTP/1.1\nHost: a\r\n\r\n",
    expect: [error(400)],
  },
  {
    name: "request-line ending in bare LF with allowBareLf",
    input: "GET / HTTP/1.1\nHost: a\r\n\r\n",
    limits: { allowBareLf: true },
    expect: SIMPLE_GET,
  },
];
