import {
  complete,
  error,
  get,
  head,
  type ParserCase,
  type ParserEvent,
  post,
  request,
} from "./harness.js";

/**
 * Request smuggling: inputs a front-end and this parser could frame differently. Each row names
 * its class; the parser must reject it (or read it the one unambiguous way) and deliver nothing
 * that a lenient parser would have read as a second request.
 */

const SMUGGLED = "GET /admin HTTP/1.1\r\nHost: a\r\n\r\n";
const CHUNKED_BODY = `0\r\n\r\n${SMUGGLED}`;

function rejected(name: string, fieldLines: string[], status = 400): ParserCase {
  return { name, input: post(fieldLines, CHUNKED_BODY), expect: [error(status)] };
}

/** The field is not Transfer-Encoding at all, so the body is empty and the next bytes are parsed. */
function notFramed(name: string, fieldLine: string, raw: string[]): ParserCase {
  const expect: ParserEvent[] = [head("POST", "/", ["Host", "a", ...raw]), complete(), error(400)];
  return { name, input: post([fieldLine], CHUNKED_BODY), expect };
}

export const SMUGGLING_CASES: ParserCase[] = [
  rejected("CL.TE: Content-Length then chunked", [
    "Content-Length: 6",
    "Transfer-Encoding: chunked",
  ]),
  rejected("TE.CL: chunked then Content-Length", [
    "Transfer-Encoding: chunked",
    "Content-Length: 3",
  ]),
  rejected("CL.TE: with an obfuscated TE value", [
    "Content-Length: 6",
    "Transfer-Encoding: xchunked",
  ]),
  rejected("CL.CL: two different lengths", ["Content-Length: 6", "Content-Length: 0"]),
  rejected("CL.CL: two equal lengths", ["Content-Length: 6", "Content-Length: 6"]),
  rejected("CL.CL: list in one line", ["Content-Length: 6, 0"]),
  rejected("TE.TE: xchunked", ["Transfer-Encoding: xchunked"]),
  rejected("TE.TE: chunked with vertical tab", ["Transfer-Encoding: chunked\x0b"]),
  rejected("TE.TE: chunked with NBSP", ["Transfer-Encoding: chunked\xa0"]),
  rejected("TE.TE: NBSP before chunked", ["Transfer-Encoding: \xa0chunked"]),
  rejected("TE.TE: truncated chunk", ["Transfer-Encoding: chunk"]),
  rejected("TE.TE: quoted chunked", ['Transfer-Encoding: "chunked"']),
  rejected("TE.TE: chunked with a parameter", ["Transfer-Encoding: chunked;foo=bar"]),
  rejected("TE.TE: chunked then identity", ["Transfer-Encoding: chunked, identity"]),
  rejected(
    "TE.TE: gzip and chunked on two lines",
    ["Transfer-Encoding: gzip", "Transfer-Encoding: chunked"],
    501,
  ),
  rejected("TE.TE: chunked on two lines", [
    "Transfer-Encoding: chunked",
    "Transfer-Encoding: chunked",
  ]),
  {
    // RFC 9110 §5.6.1: the lines combine to "chunked, " and empty list elements do not count.
    name: "TE.TE: chunked then an empty TE line is still chunked",
    input: post(["Transfer-Encoding: chunked", "Transfer-Encoding:"], CHUNKED_BODY),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked", "Transfer-Encoding", ""], {
        chunked: true,
      }),
      complete(),
      head("GET", "/admin", ["Host", "a"]),
      complete(),
    ],
  },
  rejected("TE.TE: empty TE line then chunked twice", [
    "Transfer-Encoding:",
    "Transfer-Encoding: chunked, chunked",
  ]),
  rejected("TE.TE: space before colon", ["Transfer-Encoding : chunked"]),
  rejected("TE.TE: tab before colon", ["Transfer-Encoding\t: chunked"]),
  rejected("TE.TE: TE as obs-fold of the previous line", ["X-A: 1", " Transfer-Encoding: chunked"]),
  rejected("TE.TE: TE value folded onto the next line", ["Transfer-Encoding:", " chunked"]),
  rejected("TE.TE: TE with NUL", ["Transfer-Encoding: chunked\x00"]),
  notFramed("TE.TE: underscore name is another field", "Transfer_Encoding: chunked", [
    "Transfer_Encoding",
    "chunked",
  ]),
  notFramed("TE.TE: abbreviated TE is another field", "TE: chunked", ["TE", "chunked"]),
  {
    name: "TE.TE: chunked with trailing OWS is plain chunked",
    input: post(["Transfer-Encoding: chunked \t "], CHUNKED_BODY),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      complete(),
      head("GET", "/admin", ["Host", "a"]),
      complete(),
    ],
  },
  {
    name: "chunk-size trick: size overflow wraps to a small number elsewhere",
    input: post(["Transfer-Encoding: chunked"], `100000000000000001\r\nX\r\n0\r\n\r\n${SMUGGLED}`),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      error(400),
    ],
  },
  {
    name: "chunk-size trick: 0x prefix read as 0 elsewhere",
    input: post(["Transfer-Encoding: chunked"], `0x20\r\n${SMUGGLED}`),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      error(400),
    ],
  },
  {
    name: "chunk-size trick: LF-terminated size line",
    input: post(["Transfer-Encoding: chunked"], `0\n\r\n${SMUGGLED}`),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      error(400),
    ],
  },
  {
    name: "chunk-size trick: extension hiding a LF",
    input: post(["Transfer-Encoding: chunked"], `2;x\nxx\r\n0\r\n\r\n${SMUGGLED}`),
    expect: [
      head("POST", "/", ["Host", "a", "Transfer-Encoding", "chunked"], { chunked: true }),
      error(400),
    ],
  },
  {
    name: "bare LF: header end read differently",
    input: `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\n\r\n${SMUGGLED}`,
    expect: [error(400)],
  },
  {
    name: "bare LF: TE line hidden behind a LF",
    input: `POST / HTTP/1.1\r\nHost: a\r\nX-A: 1\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`,
    expect: [error(400)],
  },
  {
    name: "obs-fold: a folded Content-Length",
    input: post(["X-A: 1", " Content-Length: 20"], SMUGGLED),
    expect: [error(400)],
  },
  {
    name: "NUL: Content-Length value cut by NUL",
    input: post(["Content-Length: 0\x00 20"], SMUGGLED),
    expect: [error(400)],
  },
  {
    name: "NUL: NUL in a field name",
    input: post(["Content-Length\x00: 0"], SMUGGLED),
    expect: [error(400)],
  },
  {
    name: "whitespace before colon: Content-Length",
    input: post(["Content-Length : 20"], SMUGGLED),
    expect: [error(400)],
  },
  {
    name: "CRLF inside a value: bare CR splitting a field",
    input: post(["X-A: 1\rContent-Length: 20"], SMUGGLED),
    expect: [error(400)],
  },
  {
    name: "CRLF inside a value: bare LF splitting a field",
    input: `POST / HTTP/1.1\r\nHost: a\r\nX-A: 1\nContent-Length: 20\r\n\r\n${SMUGGLED}`,
    expect: [error(400)],
  },
  {
    name: "request-line injection: encoded CRLF in the path is refused",
    input: get([], "").replace("GET /", "GET /%0d%0aHost:%20evil"),
    expect: [error(400)],
  },
  {
    name: "encoded CR, LF and NUL in the query stay in the target for the application",
    input: get([], "").replace("GET /", "GET /q?a=%0D%0A%00"),
    expect: [head("GET", "/q?a=%0D%0A%00", ["Host", "a"]), complete()],
  },
  {
    name: "request-line injection: raw CR LF inside the target",
    input: request(["GET /a\r\nHost: evil\r\n HTTP/1.1", "Host: a"]),
    expect: [error(400)],
  },
  {
    name: "request-line injection: space inside the target",
    input: request(["GET /a HTTP/1.1 /b HTTP/1.1", "Host: a"]),
    expect: [error(400)],
  },
  {
    name: "HTTP/1.0 with TE cannot smuggle a chunked body",
    input: request(["POST / HTTP/1.0", "Transfer-Encoding: chunked"], CHUNKED_BODY),
    expect: [error(400)],
  },
];

export const PIPELINE_SMUGGLING_GUARD: ParserCase = {
  name: "a request after Connection: close is never parsed",
  input: get(["Connection: close"], SMUGGLED),
  expect: [
    head("GET", "/", ["Host", "a", "Connection", "close"], { keepAlive: false }),
    complete(),
  ],
};
