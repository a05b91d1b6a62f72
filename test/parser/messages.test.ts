import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHead, RequestHead } from "../../src/wire/head.js";
import { HttpError } from "../../src/wire/http-error.js";
import { DEFAULT_PARSER_LIMITS, type ParserLimits, RequestParser } from "../../src/wire/parser.js";

/**
 * The exact status and message of every refusal (the message is the body of the error response a
 * client gets), and the fields of accepted heads at the edges of each rule. The table in
 * table.test.ts pins statuses under every split; this file pins the words, and runs fast.
 */

const LINES = (lines: string[]): string => `${lines.join("\r\n")}\r\n\r\n`;
const GET = (...fields: string[]): string => LINES(["GET / HTTP/1.1", "Host: a", ...fields]);

function parse(text: string): RequestHead | HttpError {
  const source = Buffer.from(text, "latin1");
  return parseHead(source, 0, source.length);
}

function accepted(text: string): RequestHead {
  const parsed = parse(text);
  assert.ok(parsed instanceof RequestHead, `${JSON.stringify(text)}: ${String(parsed)}`);
  return parsed;
}

const refusals: Array<[string, number, string]> = [
  // Request-line (RFC 9112 §3).
  ["GET/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request-line: method"],
  [" / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request-line: method"],
  ["G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request-line: method"],
  ["GET\r\nHost: a\r\n\r\n", 400, "Malformed request-line: method"],
  ["GET  HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request-line: request-target"],
  ["GET /\r\nHost: a\r\n\r\n", 400, "Malformed request-line: request-target"],
  ["GET /a\\b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "Malformed request-line: request-target"],
  ...[
    "HTTP/1.10",
    "HTTP/11",
    "HTTP/1.1 ",
    "XTTP/1.1",
    "HXTP/1.1",
    "HTXP/1.1",
    "HTTX/1.1",
    "HTTP-1.1",
    "http/1.1",
    "HTTP/:.1",
    "HTTP//.1",
    "HTTP/1,1",
    "HTTP/1.:",
    "HTTP/1./",
  ].map((version): [string, number, string] => [
    `GET / ${version}\r\nHost: a\r\n\r\n`,
    400,
    "Malformed request-line: HTTP version",
  ]),
  ...["HTTP/0.9", "HTTP/2.0", "HTTP/1.2", "HTTP/9.9"].map((version): [string, number, string] => [
    `GET / ${version}\r\nHost: a\r\n\r\n`,
    505,
    "HTTP version not supported",
  ]),
  [
    "GET / HTTP/2.0\r\nHost: a\r\nBad Name: x\r\n\r\n",
    400,
    "Whitespace between header field name and colon",
  ],
  // Field lines (RFC 9112 §5).
  [GET(" X: y"), 400, "Obsolete line folding is not allowed"],
  [GET("\tX: y"), 400, "Obsolete line folding is not allowed"],
  [GET(":v"), 400, "Invalid header field name"],
  [GET("X@: v"), 400, "Invalid header field name"],
  [GET("X : v"), 400, "Whitespace between header field name and colon"],
  [GET("X\t: v"), 400, "Whitespace between header field name and colon"],
  [GET("X"), 400, "Header field without a colon"],
  [GET("X-Name"), 400, "Header field without a colon"],
  [GET("X: a\x7fb"), 400, "Invalid character in header field value"],
  [GET("X: \x00"), 400, "Invalid character in header field value"],
  [GET("X: a\x1f"), 400, "Invalid character in header field value"],
  [LINES(["GET / HTTP/1.1", "Host: a b"]), 400, "Invalid Host header"],
  [LINES(["GET / HTTP/1.1"]), 400, "Missing Host header"],
  [LINES(["GET / HTTP/1.1", "Host: a", "host: a"]), 400, "More than one Host header"],
  [LINES(["GET / HTTP/1.0", "Host: a", "Host: b"]), 400, "More than one Host header"],
  [GET("Expect: 101-continue"), 417, "Only 'Expect: 100-continue' is supported"],
  [GET("Expect: 100-continue, x"), 417, "Only 'Expect: 100-continue' is supported"],
  [GET("Content-Type: a", "content-type: b"), 400, "More than one Content-Type"],
  // Content-Length (RFC 9112 §6.3).
  [GET("Content-Length: 1", "Content-Length: 1"), 400, "Duplicate Content-Length"],
  [GET("Content-Length:"), 400, "Invalid Content-Length"],
  [GET("Content-Length: \t "), 400, "Invalid Content-Length"],
  [GET("Content-Length: 1000000000000000"), 400, "Invalid Content-Length"],
  [GET("Content-Length: 1a"), 400, "Invalid Content-Length"],
  [GET("Content-Length: 1/"), 400, "Invalid Content-Length"],
  [GET("Content-Length: 1:"), 400, "Invalid Content-Length"],
  [GET("Content-Length: -1"), 400, "Invalid Content-Length"],
  [GET("Content-Length: 1, 1"), 400, "Invalid Content-Length"],
  [GET("Content-Length: 05"), 400, "Content-Length with a leading zero"],
  [GET("Content-Length: 00"), 400, "Content-Length with a leading zero"],
  // Transfer-Encoding (RFC 9112 §6.1).
  [
    LINES(["POST / HTTP/1.0", "Transfer-Encoding: chunked"]),
    400,
    "Transfer-Encoding is not allowed in an HTTP/1.0 request",
  ],
  [
    GET("Transfer-Encoding: chunked", "Content-Length: 1"),
    400,
    "Both Transfer-Encoding and Content-Length",
  ],
  [
    GET("Content-Length: 0", "Transfer-Encoding: chunked"),
    400,
    "Both Transfer-Encoding and Content-Length",
  ],
  [GET("Transfer-Encoding: gzip"), 400, "Transfer-Encoding must end with chunked"],
  [GET("Transfer-Encoding: chunked, gzip"), 400, "Transfer-Encoding must end with chunked"],
  [GET("Transfer-Encoding:"), 400, "Transfer-Encoding must end with chunked"],
  [GET("Transfer-Encoding: chunked, chunked"), 400, "chunked applied more than once"],
  [
    GET("Transfer-Encoding: chunked", "Transfer-Encoding: chunked"),
    400,
    "chunked applied more than once",
  ],
  [GET("Transfer-Encoding: gzip, chunked"), 501, "Transfer coding not implemented"],
  [GET("Transfer-Encoding: gzip,\tchunked"), 501, "Transfer coding not implemented"],
  [GET("Transfer-Encoding: chunked;q=1"), 400, "The chunked transfer coding takes no parameters"],
  [GET("Transfer-Encoding: chunked ; q=1"), 400, "The chunked transfer coding takes no parameters"],
  [GET("Transfer-Encoding: chunked\t;"), 400, "The chunked transfer coding takes no parameters"],
  // Request-target forms (RFC 9112 §3.2).
  [
    LINES(["CONNECT a:80 HTTP/1.1", "Host: a:80"]),
    501,
    "CONNECT is not supported: this server does not tunnel",
  ],
  [
    LINES(["CONNECT [::1]:443 HTTP/1.1", "Host: a"]),
    501,
    "CONNECT is not supported: this server does not tunnel",
  ],
  [
    LINES(["CONNECT a.b-c_d~e%41:65535 HTTP/1.1", "Host: a"]),
    501,
    "CONNECT is not supported: this server does not tunnel",
  ],
  ...[
    "a",
    "a:",
    "a:123456",
    "/a:80",
    "a:80/x",
    "x/a:80",
    "[::1]",
    "[x]:1",
    "a:8x",
    "a@b:80",
    "[::1]x:1",
  ].map((target): [string, number, string] => [
    LINES([`CONNECT ${target} HTTP/1.1`, "Host: a"]),
    400,
    "CONNECT needs an authority-form target",
  ]),
  [LINES(["GET * HTTP/1.1", "Host: a"]), 400, "Asterisk-form is only allowed with OPTIONS"],
  [LINES(["GET ** HTTP/1.1", "Host: a"]), 400, "Malformed request-target"],
  [LINES(["GET a/b HTTP/1.1", "Host: a"]), 400, "Malformed request-target"],
  [LINES(["GET ftp://a/ HTTP/1.1", "Host: a"]), 400, "Malformed request-target"],
  [LINES(["GET xhttp://a/ HTTP/1.1", "Host: a"]), 400, "Malformed request-target"],
  [LINES(["GET http:/a/ HTTP/1.1", "Host: a"]), 400, "Malformed request-target"],
  [LINES(["GET http://a@b/ HTTP/1.1", "Host: a"]), 400, "Invalid authority in the request-target"],
  [LINES(["GET http:/// HTTP/1.1", "Host: a"]), 400, "Invalid authority in the request-target"],
  [LINES(["GET http://a:b/ HTTP/1.1", "Host: a"]), 400, "Invalid authority in the request-target"],
  [
    LINES(["GET http://a:1x?q HTTP/1.1", "Host: a"]),
    400,
    "Invalid authority in the request-target",
  ],
  ...[
    "/%00",
    "/%0a",
    "/%0A",
    "/%0d",
    "/%0D",
    "/a%00b",
    "/%%00",
    "/%41%0a",
    "/x%0D?q",
    "http://a/%00",
  ].map((target): [string, number, string] => [
    LINES([`GET ${target} HTTP/1.1`, "Host: a"]),
    400,
    "Percent-encoded NUL, CR or LF in the path",
  ]),
];

describe("parseHead refusals: status and message", () => {
  for (const [text, status, message] of refusals) {
    it(`${JSON.stringify(text.split("\r\n").filter(Boolean).join(" | "))} → ${status} ${message}`, () => {
      const parsed = parse(text);
      assert.ok(parsed instanceof HttpError, `accepted: ${JSON.stringify(text)}`);
      assert.deepEqual([parsed.status, parsed.message, parsed.close], [status, message, true]);
    });
  }
});

describe("parseHead acceptances at the edges", () => {
  it("keeps every method as sent, interning only GET and POST", () => {
    for (const method of [
      "GET",
      "POST",
      "PUT",
      "GEX",
      "XET",
      "GXT",
      "GETX",
      "POS",
      "POSX",
      "XOST",
      "PATCH",
      "get",
    ]) {
      assert.equal(accepted(LINES([`${method} / HTTP/1.1`, "Host: a"])).method, method);
    }
  });

  it("reads the version: 1.0 and 1.1", () => {
    assert.equal(accepted(LINES(["GET / HTTP/1.1", "Host: a"])).versionMinor, 1);
    assert.equal(accepted(LINES(["GET / HTTP/1.0"])).versionMinor, 0);
  });

  it("reads Content-Length as a canonical decimal up to 15 digits", () => {
    for (const [value, length] of [
      ["0", 0],
      ["7", 7],
      ["10", 10],
      ["123", 123],
      ["999999999999999", 999_999_999_999_999],
    ] as const) {
      const parsed = accepted(GET(`Content-Length: ${value}`));
      assert.equal(parsed.contentLength, length);
      assert.equal(parsed.hasBody, length > 0);
    }
    assert.equal(accepted(GET()).contentLength, -1);
    assert.equal(accepted(GET()).hasBody, false);
    assert.equal(accepted(GET("content-LENGTH: 3")).contentLength, 3);
  });

  it("takes chunked as the last coding, in any case and with whitespace", () => {
    for (const value of ["chunked", "Chunked", " chunked ", "\tchunked", ", chunked,", "CHUNKED"]) {
      const parsed = accepted(GET(`Transfer-Encoding: ${value}`));
      assert.deepEqual(
        [parsed.chunked, parsed.contentLength, parsed.hasBody],
        [true, -1, true],
        value,
      );
    }
  });

  it("decides keep-alive from the version and Connection", () => {
    const cases: Array<[string, string[], boolean]> = [
      ["HTTP/1.1", [], true],
      ["HTTP/1.1", ["Connection: close"], false],
      ["HTTP/1.1", ["Connection: Keep-Alive, CLOSE"], false],
      ["HTTP/1.1", ["Connection: keep-alive"], true],
      ["HTTP/1.1", ["Connection: closed"], true],
      ["HTTP/1.1", ["Connection: x,\tclose"], false],
      ["HTTP/1.0", [], false],
      ["HTTP/1.0", ["Connection: keep-alive"], true],
      ["HTTP/1.0", ["Connection: x, Keep-Alive"], true],
      ["HTTP/1.0", ["Connection: keep-alive", "Connection: close"], false],
      ["HTTP/1.0", ["Connection: keep-alives"], false],
    ];
    for (const [version, fields, keepAlive] of cases) {
      const parsed = accepted(LINES([`GET / ${version}`, "Host: a", ...fields]));
      assert.equal(parsed.keepAlive, keepAlive, `${version} ${fields.join(", ")}`);
    }
  });

  it("honours Expect: 100-continue only in HTTP/1.1, in any case", () => {
    assert.equal(accepted(GET("Expect: 100-Continue")).expectContinue, true);
    assert.equal(accepted(GET()).expectContinue, false);
    assert.equal(accepted(LINES(["GET / HTTP/1.0", "Expect: 100-continue"])).expectContinue, false);
    assert.equal(accepted(GET("Expectx: nothing")).expectContinue, false);
  });

  it("gives the Upgrade value only with the Connection option, in HTTP/1.1, and not empty", () => {
    const upgrade = (version: string, ...fields: string[]): string | undefined =>
      accepted(LINES([`GET / ${version}`, "Host: a", ...fields])).upgrade;
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: websocket"), "websocket");
    assert.equal(upgrade("HTTP/1.1", "Upgrade: websocket", "Connection: x, Upgrade"), "websocket");
    assert.equal(
      upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: a", "X: y", "upgrade: b"),
      "a, b",
    );
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade:"), undefined);
    // An empty list names no protocol, like an empty value: the request is not held for a hand-off.
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: ,"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: , ,\t,"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: ,", "Upgrade: ,"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgrade: , h2c"), ", h2c");
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgraded", "Upgrade: websocket"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Upgrade: websocket"), undefined);
    assert.equal(upgrade("HTTP/1.0", "Connection: upgrade", "Upgrade: websocket"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgradex: websocket"), undefined);
    assert.equal(upgrade("HTTP/1.1", "Connection: upgrade", "Upgradx: websocket"), undefined);
  });

  it("accepts each target form where it is allowed", () => {
    for (const [method, target] of [
      ["OPTIONS", "*"],
      ["GET", "http://a"],
      ["GET", "HTTP://A/x"],
      ["GET", "https://a:8080/x?y"],
      ["GET", "http://a?q"],
      ["GET", "http://[::1]:80/"],
      ["GET", "/%01%0b%0e%2500%0"],
      ["GET", "/%0"],
      ["GET", "/x?%00%0a"],
      ["GET", "/a%"],
      ["GET", "/%1a%0"],
      ["GET", "/00"],
      ["GET", "/0a?%"],
      ["GET", "http://a/0D%"],
    ]) {
      const parsed = accepted(LINES([`${method} ${target} HTTP/1.1`, "Host: a"]));
      assert.equal(parsed.target, target);
    }
  });

  it("records field values without surrounding whitespace, and an empty one", () => {
    const parsed = accepted(GET("X-A: \t v \t", "X-B:", "X-C:\t", "x-d:v"));
    assert.deepEqual(parsed.headers.raw, [
      "Host",
      "a",
      "X-A",
      "v",
      "X-B",
      "",
      "X-C",
      "",
      "x-d",
      "v",
    ]);
  });

  it("accepts a bare-LF head when the scanner allowed it", () => {
    const parsed = accepted("GET / HTTP/1.1\nHost: a\nX: y\n\n");
    assert.deepEqual(parsed.headers.raw, ["Host", "a", "X", "y"]);
  });
});

/** Feeds `text` to a parser whole or byte by byte and returns [status, message] of its error. */
function parserError(
  text: string,
  limits: Partial<ParserLimits> = {},
  byteByByte = false,
): [number, string] | undefined {
  let failure: HttpError | undefined;
  const parser = new RequestParser(
    {
      onHead: () => {},
      onBody: () => {},
      onComplete: () => {},
      onError: (error) => {
        assert.equal(failure, undefined, "one error only");
        failure = error;
      },
    },
    { ...DEFAULT_PARSER_LIMITS, ...limits },
  );
  const bytes = Buffer.from(text, "latin1");
  if (byteByByte)
    for (let index = 0; index < bytes.length; index++)
      parser.execute(bytes.subarray(index, index + 1));
  else parser.execute(bytes);
  return failure === undefined ? undefined : [failure.status, failure.message];
}

const CHUNKED = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";

const parserRefusals: Array<[string, string, Partial<ParserLimits>, number, string]> = [
  ["bare LF", "GET / HTTP/1.1\nHost: a\r\n\r\n", {}, 400, "Bare LF line ending"],
  ["bare LF in a field line", "GET / HTTP/1.1\r\nHost: a\n\r\n", {}, 400, "Bare LF line ending"],
  [
    "control byte",
    "GET / HTTP/1.1\r\nHost: a\r\nX: \x01",
    {},
    400,
    "Invalid byte in the request head",
  ],
  ["CR not before LF", "GET / HTTP/1.1\r\nHost: a\rX", {}, 400, "Invalid byte in the request head"],
  ["a head starting with '{'", "{", {}, 400, "Invalid byte in the request head"],
  [
    "LF alone before the request-line",
    "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
    {},
    400,
    "Malformed empty line before request-line",
  ],
  [
    "CR CR before the request-line",
    "\r\r\nGET",
    {},
    400,
    "Malformed empty line before request-line",
  ],
  ["CR X before the request-line", "\rGET", {}, 400, "Malformed empty line before request-line"],
  [
    "long request-line",
    `GET /${"a".repeat(40)} HTTP/1.1\r\n`,
    { maxRequestLineBytes: 32 },
    414,
    "Request-line too long",
  ],
  [
    "long method",
    "A".repeat(40),
    { maxRequestLineBytes: 32 },
    501,
    "Method too long: not implemented",
  ],
  [
    "long method, line ended",
    `${"A".repeat(40)}\r\n`,
    { maxRequestLineBytes: 32 },
    501,
    "Method too long: not implemented",
  ],
  [
    "long line, no method",
    `G@${"A".repeat(40)}`,
    { maxRequestLineBytes: 32 },
    400,
    "Malformed request-line: method",
  ],
  [
    "long request-line, larger than the header limit",
    `GET /${"a".repeat(40)} HTTP/1.1\r\n`,
    { maxRequestLineBytes: 64, maxHeaderBytes: 32 },
    431,
    "Header section too large",
  ],
  [
    "large head",
    GET(`X: ${"a".repeat(100)}`),
    { maxHeaderBytes: 64 },
    431,
    "Header section too large",
  ],
  [
    "many fields",
    GET("A: 1", "B: 2", "C: 3"),
    { maxHeaderCount: 2 },
    431,
    "Too many header fields",
  ],
  [
    "many empty lines",
    `${"\r\n".repeat(40)}GET`,
    { maxHeaderBytes: 64 },
    431,
    "Header section too large",
  ],
  [
    "long field line, request-line limit below the header limit",
    GET(`X: ${"a".repeat(40)}`),
    { maxRequestLineBytes: 32, maxHeaderBytes: 40 },
    431,
    "Header section too large",
  ],
  [
    "method exactly as long as the request-line limit",
    "ABCDEFGH / HTTP/1.1\r\n",
    { maxRequestLineBytes: 8 },
    501,
    "Method too long: not implemented",
  ],
  [
    "control byte just past the header limit",
    "GET / HTTP/1.1\r\nHost: ab\x01",
    { maxHeaderBytes: 24 },
    431,
    "Header section too large",
  ],
  [
    "CR as the last byte within the header limit, then another byte",
    "GET / HTTP/1.1\r\nHost: a\rZ",
    { maxHeaderBytes: 24 },
    431,
    "Header section too large",
  ],
  ["bad chunk size", `${CHUNKED}x\r\n`, {}, 400, "Invalid chunk size"],
  ["empty chunk size", `${CHUNKED}\r\n`, {}, 400, "Invalid chunk size"],
  ["chunk size then junk", `${CHUNKED}1x\r\n`, {}, 400, "Invalid chunk size"],
  ["huge chunk size", `${CHUNKED}${"f".repeat(14)}\r\n`, {}, 400, "Chunk size too large"],
  ["long chunk size", `${CHUNKED}${"0".repeat(65)}\r\n`, {}, 400, "Chunk size too long"],
  ["chunk size, bare LF", `${CHUNKED}1\n`, {}, 400, "Invalid chunk size"],
  ["chunk size, CR then X", `${CHUNKED}1\rX`, {}, 400, "Chunk size line must end with CRLF"],
  ["extension, bare LF", `${CHUNKED}1;a\n`, {}, 400, "Chunk size line must end with CRLF"],
  [
    "chunk data not followed by CR",
    `${CHUNKED}1\r\naX`,
    {},
    400,
    "Chunk data must be followed by CRLF",
  ],
  ["chunk data, CR then X", `${CHUNKED}1\r\na\rX`, {}, 400, "Chunk data must be followed by CRLF"],
  [
    "extension too long",
    `${CHUNKED}1;${"a".repeat(20)}\r\n`,
    { maxChunkExtensionBytes: 8 },
    400,
    "Chunk extension too long",
  ],
  ["malformed extension", `${CHUNKED}1;=\r\n`, {}, 400, "Malformed chunk extension"],
  ["extension without a semicolon", `${CHUNKED}1 a\r\n`, {}, 400, "Malformed chunk extension"],
  ["trailer without a colon", `${CHUNKED}0\r\nX\r\n\r\n`, {}, 400, "Header field without a colon"],
  [
    "large trailers",
    `${CHUNKED}0\r\nX: ${"a".repeat(100)}\r\n\r\n`,
    { maxTrailerBytes: 32 },
    431,
    "Trailer section too large",
  ],
  [
    "many trailers",
    `${CHUNKED}0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n`,
    { maxHeaderCount: 2 },
    431,
    "Too many trailer fields",
  ],
];

describe("RequestParser refusals: status and message, whole and byte by byte", () => {
  for (const [name, text, limits, status, message] of parserRefusals) {
    it(name, () => {
      assert.deepEqual(parserError(text, limits), [status, message], "whole");
      assert.deepEqual(parserError(text, limits, true), [status, message], "byte by byte");
    });
  }

  it("accepts each limit exactly", () => {
    const text = GET("A: 1");
    assert.equal(parserError(text, { maxHeaderCount: 2 }), undefined);
    assert.equal(parserError(text, { maxHeaderBytes: text.length }), undefined);
    assert.deepEqual(parserError(text, { maxHeaderBytes: text.length - 1 }), [
      431,
      "Header section too large",
    ]);
    assert.equal(
      parserError(`${CHUNKED}1;${"a".repeat(7)}\r\na\r\n0\r\n\r\n`, { maxChunkExtensionBytes: 8 }),
      undefined,
    );
    assert.deepEqual(
      parserError(`${CHUNKED}1;${"a".repeat(8)}\r\n`, { maxChunkExtensionBytes: 8 }),
      [400, "Chunk extension too long"],
    );
    assert.equal(parserError(`${CHUNKED}${"0".repeat(64)}\r\n\r\n`), undefined);
    assert.equal(parserError(`${CHUNKED}${"f".repeat(13)}\r\n`), undefined);
  });
});

describe("edges a one-character change would move", () => {
  it("ignores fields whose names only share a length with the ones that frame a request", () => {
    const parsed = accepted(
      GET(
        "Date: x",
        "Expecx: y",
        "Accept: 100-continue",
        "Upgradx: websocket",
        "Connectiox: close",
        "Content-Typx: a",
        "Content-Type: a",
        "Content-Lengtx: 5",
        "Transfer-Encodinx: gzip",
      ),
    );
    assert.deepEqual(
      [
        parsed.contentLength,
        parsed.chunked,
        parsed.keepAlive,
        parsed.expectContinue,
        parsed.upgrade,
      ],
      [-1, false, true, false, undefined],
    );
  });

  it("refuses a request-line over its limit with 414 when both limits are equal", () => {
    const line = `GET /${"a".repeat(40)} HTTP/1.1\r\nHost: a\r\n\r\n`;
    const limits = { maxRequestLineBytes: 32, maxHeaderBytes: 32 };
    assert.deepEqual(parserError(line, limits), [414, "Request-line too long"]);
    assert.deepEqual(parserError(line, limits, true), [414, "Request-line too long"]);
  });

  it("counts empty lines before a request against maxHeaderBytes, up to exactly the limit", () => {
    const request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    assert.equal(parserError(`${"\r\n".repeat(32)}${request}`, { maxHeaderBytes: 64 }), undefined);
    assert.deepEqual(parserError(`${"\r\n".repeat(32)}\r${request}`, { maxHeaderBytes: 64 }), [
      431,
      "Header section too large",
    ]);
    assert.equal(parserError(`\n\r\n${request}`, { allowBareLf: true }), undefined);
    assert.equal(parserError(`\n\r\n${request}`, { allowBareLf: true }, true), undefined);
  });

  it("refuses a chunk size that reaches 2^49 before its next digit", () => {
    assert.deepEqual(parserError(`${CHUNKED}20000000000000\r\n`), [400, "Chunk size too large"]);
    assert.equal(parserError(`${CHUNKED}1ffffffffffff0\r\n`), undefined);
  });

  const extensions: Array<[string, boolean]> = [
    [";a", true],
    [" ; a", true],
    ["\t;\ta", true],
    [";a=b", true],
    [";a = b", true],
    [";a\t=\tb", true],
    [";a;b=c;d", true],
    [";!#$%&'*+-.^_`|~09AZaz=x", true],
    [';a=""', true],
    [';a="x y\\"z"', true],
    [';a="\t!#[]~\x80\xff"', true],
    [';a="\\\t\\ \\~\\\x80\\\xff"', true],
    [" ;a=b ;c", true],
    [";", false],
    [";;a", false],
    [";=b", false],
    [";a=", false],
    [";a b", false],
    [";a=b c", false],
    [";a=b;", false],
    [";a=b=c", false],
    [" x", false],
    [" ", false],
    [";a@=b", false],
    [";a=b@", false],
    [';"a"', false],
    [';a="', false],
    [';a="\\"', false],
    [';a="x"y', false],
    [';a="\x7f"', false],
    [';a="\x00"', false],
    [';a="\\\x7f"', false],
    [';a="\\\x00"', false],
    [';a="""', false],
    [';a="\\"', false],
  ];
  for (const [extension, valid] of extensions) {
    it(`chunk extension ${JSON.stringify(extension)} is ${valid ? "accepted" : "refused"}`, () => {
      const text = `${CHUNKED}1${extension}\r\nx\r\n0\r\n\r\n`;
      assert.deepEqual(parserError(text), valid ? undefined : [400, "Malformed chunk extension"]);
    });
  }
});
