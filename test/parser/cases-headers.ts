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

/** Field lines (RFC 9112 §5, RFC 9110 §5.5), Host (RFC 9112 §3.2), Connection and Expect. */

function accepted(name: string, fieldLine: string, raw: string[]): ParserCase {
  return {
    name,
    input: get([fieldLine]),
    expect: [head("GET", "/", ["Host", "a", ...raw]), complete()],
  };
}

function rejected(name: string, fieldLines: string[], status = 400): ParserCase {
  return { name, input: get(fieldLines), expect: [error(status)] };
}

function withHost(name: string, hostLines: string[], status?: number): ParserCase {
  const input = request(["GET / HTTP/1.1", ...hostLines]);
  if (status !== undefined) return { name, input, expect: [error(status)] };
  const raw = hostLines.flatMap((fieldLine) => {
    const colon = fieldLine.indexOf(":");
    return [fieldLine.slice(0, colon), fieldLine.slice(colon + 1).trim()];
  });
  return { name, input, expect: [head("GET", "/", raw), complete()] };
}

export const HEADER_CASES: ParserCase[] = [
  {
    name: "fields keep arrival order, repeats and the case they were sent in",
    input: get(["X-B: 1", "x-a: 2", "X-B: 3", "ACCEPT: */*"]),
    expect: [
      head("GET", "/", ["Host", "a", "X-B", "1", "x-a", "2", "X-B", "3", "ACCEPT", "*/*"]),
      complete(),
    ],
  },
  accepted("OWS around the value is trimmed", "X-Pad: \t  v a l \t ", ["X-Pad", "v a l"]),
  accepted("no space after the colon", "X-Tight:v", ["X-Tight", "v"]),
  accepted("empty value", "X-Empty:", ["X-Empty", ""]),
  accepted("whitespace-only value is empty", "X-Blank:  \t ", ["X-Blank", ""]),
  accepted("tab inside a value is kept", "X-Tab: a\tb", ["X-Tab", "a\tb"]),
  accepted("colon inside a value", "X-Time: 12:30:00", ["X-Time", "12:30:00"]),
  accepted("field name of every tchar symbol", "!#$%&'*+-.^_`|~: v", ["!#$%&'*+-.^_`|~", "v"]),
  accepted("obs-text bytes in a value survive as latin1", "X-L: caf\xe9 \x80\xff", [
    "X-L",
    "caf\xe9 \x80\xff",
  ]),
  {
    name: "latin1 value given as raw bytes",
    input: Buffer.concat([
      Buffer.from("GET / HTTP/1.1\r\nHost: a\r\nX-Name: ", "latin1"),
      Buffer.from([0xc3, 0xa9, 0xa0, 0x80]),
      Buffer.from("\r\n\r\n", "latin1"),
    ]),
    expect: [head("GET", "/", ["Host", "a", "X-Name", "\xc3\xa9\xa0\x80"]), complete()],
  },
  rejected("space between name and colon", ["X-A : v"]),
  rejected("tab between name and colon", ["X-A\t: v"]),
  rejected("space inside a name", ["X A: v"]),
  rejected("separator inside a name", ["X(A): v"]),
  rejected("@ in a name", ["X@A: v"]),
  rejected("non-ASCII byte in a name", ["X-\xe9: v"]),
  rejected("empty name", [": v"]),
  rejected("field line without a colon", ["X-A"]),
  rejected("obs-fold with a space", ["X-A: one", " two"]),
  rejected("obs-fold with a tab", ["X-A: one", "\ttwo"]),
  rejected("whitespace before the first field line", [" X-A: v"]),
  rejected("NUL in a value", ["X-A: a\x00b"]),
  rejected("control character in a value", ["X-A: a\x01b"]),
  rejected("vertical tab in a value", ["X-A: a\x0bb"]),
  rejected("form feed in a value", ["X-A: a\x0cb"]),
  rejected("DEL in a value", ["X-A: a\x7fb"]),
  rejected("escape character at the end of a value", ["X-A: ab\x1b"]),
  rejected("bare CR in a value", ["X-A: a\rb"]),
  rejected("bare CR before CRLF", ["X-A: ab\r"]),
  rejected("NUL in a name", ["X-\x00A: v"]),
  {
    name: "bare LF ending a field line is rejected",
    input: "GET / HTTP/1.1\r\nHost: a\nX-A: v\r\n\r\n",
    expect: [error(400)],
  },
  {
    name: "bare LF ending the head is rejected",
    input: "GET / HTTP/1.1\r\nHost: a\r\n\n",
    expect: [error(400)],
  },
  {
    name: "bare LF everywhere with allowBareLf",
    input: "GET / HTTP/1.1\nHost: a\nX-A: v \n\n",
    limits: { allowBareLf: true },
    expect: [head("GET", "/", ["Host", "a", "X-A", "v"]), complete()],
  },
  {
    name: "allowBareLf still rejects a bare CR",
    input: "GET / HTTP/1.1\nHost: a\rX-A: v\n\n",
    limits: { allowBareLf: true },
    expect: [error(400)],
  },
  withHost("Host header name is case-insensitive", ["hOsT: example.com"]),
  withHost("Host with a port", ["Host: example.com:8080"]),
  withHost("Host with an IPv6 literal", ["Host: [::1]:80"]),
  // RFC 9110 §4.2.1: an http URI with an empty host is invalid (RFC 9112 §3.2 lets a client send
  // an empty Host only for a target without authority, which no http request has).
  withHost("empty Host", ["Host:"], 400),
  withHost("Host of whitespace only", ["Host:  \t"], 400),
  withHost("missing Host in HTTP/1.1", ["X-A: v"], 400),
  withHost("duplicate Host", ["Host: a", "Host: b"], 400),
  withHost("duplicate identical Host", ["Host: a", "Host: a"], 400),
  withHost("Host with a space", ["Host: a b"], 400),
  withHost("Host with userinfo @", ["Host: user@a"], 400),
  withHost("Host with a slash", ["Host: a/b"], 400),
  withHost("Host with a comma list", ["Host: a, b"], 400),
  withHost("Host with non-ASCII", ["Host: caf\xe9"], 400),
  withHost("Host with an IPv4 address and an empty port", ["Host: 10.0.0.1:"]),
  withHost("Host with a five-digit port", ["Host: a:65535"]),
  withHost("Host with sub-delims and escapes in the reg-name", ["Host: a-b_c~d!$&'()*+,;=%41"]),
  withHost("Host with two colons", ["Host: a:b:c"], 400),
  withHost("Host with a non-numeric port", ["Host: a:http"], 400),
  withHost("Host with a six-digit port", ["Host: a:123456"], 400),
  withHost("Host with an unclosed IP literal", ["Host: [::1"], 400),
  withHost("Host with an empty IP literal", ["Host: []:80"], 400),
  withHost("Host with a bracket inside a reg-name", ["Host: a]:80"], 400),
  withHost("Host with text after an IP literal", ["Host: [::1]x"], 400),
  withHost("Host with a non-hex IP literal", ["Host: [::g]"], 400),
  withHost("Host with a bare IPv6 address", ["Host: ::1"], 400),
  withHost("Host with a port but no host", ["Host: :80"], 400),
  withHost("Host that is only a colon", ["Host: :"], 400),
  {
    name: "HTTP/1.0 with a Host",
    input: "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
    expect: [head("GET", "/", ["Host", "a"], { version: "1.0" }), complete()],
  },
  {
    name: "HTTP/1.0 with two Hosts",
    input: "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
    expect: [error(400)],
  },
  {
    name: "Connection: close ends the connection after the request",
    input: get(["Connection: close"]) + get(),
    expect: [
      head("GET", "/", ["Host", "a", "Connection", "close"], { keepAlive: false }),
      complete(),
    ],
  },
  {
    name: "Connection options are a case-insensitive list",
    input: get(["Connection: Keep-Alive, CLOSE"]) + get(),
    expect: [
      head("GET", "/", ["Host", "a", "Connection", "Keep-Alive, CLOSE"], { keepAlive: false }),
      complete(),
    ],
  },
  {
    name: "Connection: close in a second Connection line",
    input: get(["Connection: upgrade", "Connection: close"]) + get(),
    expect: [
      head("GET", "/", ["Host", "a", "Connection", "upgrade", "Connection", "close"], {
        keepAlive: false,
      }),
      complete(),
    ],
  },
  {
    name: "a token that merely contains close does not close",
    input: get(["Connection: closed, x-close"]) + get(),
    expect: [
      head("GET", "/", ["Host", "a", "Connection", "closed, x-close"]),
      complete(),
      ...SIMPLE_GET,
    ],
  },
  {
    name: "HTTP/1.0 keep-alive with close wins close",
    input: `GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n${get()}`,
    expect: [head("GET", "/", ["Connection", "keep-alive, close"], { version: "1.0" }), complete()],
  },
  {
    name: "Expect: 100-continue",
    input: post(["Expect: 100-Continue", "Content-Length: 2"], "ok"),
    expect: [
      head("POST", "/", ["Host", "a", "Expect", "100-Continue", "Content-Length", "2"], {
        contentLength: 2,
        expectContinue: true,
      }),
      { body: "ok" },
      complete(),
    ],
  },
  rejected("unsupported expectation", ["Expect: fly"], 417),
  {
    name: "HTTP/1.0 100-continue expectation is ignored (RFC 9110 §10.1.1)",
    input: "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx",
    expect: [
      head("POST", "/", ["Expect", "100-continue", "Content-Length", "1"], {
        version: "1.0",
        contentLength: 1,
      }),
      { body: "x" },
      complete(),
    ],
  },
];
