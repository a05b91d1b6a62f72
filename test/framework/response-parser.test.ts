import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  parseResponses,
  ResponseFieldList,
  ResponseParseError,
} from "../../src/app/response-parser.js";

const OK = "HTTP/1.1 200 OK\r\n";

interface Expected {
  status: number;
  body: string;
  headers?: Record<string, string>;
  trailers?: string[];
}

const VALID: Array<{ name: string; input: string; heads?: boolean[]; expect: Expected[] }> = [
  {
    name: "Content-Length body",
    input: `${OK}Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello`,
    expect: [{ status: 200, body: "hello", headers: { "content-type": "text/plain" } }],
  },
  {
    name: "chunked body with extensions and trailers",
    input: `${OK}Transfer-Encoding: chunked\r\n\r\n5;name=v\r\nhello\r\n1\r\n!\r\n0\r\nX-Sum: 6\r\n\r\n`,
    expect: [{ status: 200, body: "hello!", trailers: ["X-Sum", "6"] }],
  },
  {
    name: "close-delimited body runs to the end",
    input: "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\nall of\r\nthis",
    expect: [{ status: 200, body: "all of\r\nthis" }],
  },
  {
    name: "HEAD response with Content-Length has no body",
    input: `${OK}Content-Length: 30\r\n\r\n${OK}Content-Length: 2\r\n\r\nhi`,
    heads: [true, false],
    expect: [
      { status: 200, body: "", headers: { "content-length": "30" } },
      { status: 200, body: "hi" },
    ],
  },
  {
    name: "304 and 204 have no body",
    input: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
    expect: [
      { status: 304, body: "" },
      { status: 204, body: "" },
    ],
  },
  {
    name: "interim 100 does not use up a HEAD flag",
    input: `HTTP/1.1 100 Continue\r\n\r\n${OK}Content-Length: 0\r\n\r\n`,
    heads: [true],
    expect: [
      { status: 100, body: "" },
      { status: 200, body: "" },
    ],
  },
  {
    name: "101 ends HTTP parsing: the rest is another protocol",
    input: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n\x00\x01binary",
    expect: [{ status: 101, body: "" }],
  },
  {
    name: "empty reason phrase and value whitespace",
    input: "HTTP/1.1 299 \r\nX-A: \t padded \t\r\nContent-Length: 0\r\n\r\n",
    expect: [{ status: 299, body: "", headers: { "x-a": "padded" } }],
  },
];

const INVALID: Array<[string, string, RegExp]> = [
  ["bare LF in the head", "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n", /Bare LF/],
  ["bare CR in a field", `${OK}X-A: a\rb\r\nContent-Length: 0\r\n\r\n`, /Bare CR/],
  ["obs-fold", `${OK}X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n`, /line folding/],
  ["space before the colon", `${OK}X-A : a\r\nContent-Length: 0\r\n\r\n`, /Invalid field line/],
  ["no colon", `${OK}garbage\r\n\r\n`, /Invalid field line/],
  ["a control character in a value", `${OK}X-A: a\x01\r\n\r\n`, /Invalid characters/],
  ["HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", /Invalid status line/],
  ["four-digit status", "HTTP/1.1 2000 OK\r\n\r\n", /Invalid status line/],
  ["status line without SP", "HTTP/1.1 200\r\n\r\n", /Invalid status line/],
  [
    "Content-Length and Transfer-Encoding",
    `${OK}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    /Both Content-Length and Transfer-Encoding/,
  ],
  ["two Content-Lengths", `${OK}Content-Length: 1\r\nContent-Length: 1\r\n\r\nx`, /More than one/],
  ["a signed Content-Length", `${OK}Content-Length: +1\r\n\r\nx`, /Invalid Content-Length/],
  ["a short body", `${OK}Content-Length: 10\r\n\r\nshort`, /Truncated body/],
  ["a truncated head", `${OK}Content-Length: 10`, /Truncated head/],
  ["gzip transfer coding", `${OK}Transfer-Encoding: gzip\r\n\r\n`, /Unsupported Transfer-Enc/],
  [
    "chunked in HTTP/1.0",
    "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    /HTTP\/1\.0/,
  ],
  [
    "a truncated chunk",
    `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhel`,
    /Truncated chunked body/,
  ],
  [
    "chunk data without CRLF",
    `${OK}Transfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n`,
    /Chunk data not followed by CRLF/,
  ],
  ["a bad chunk size", `${OK}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, /Invalid chunk size/],
  ["no last chunk", `${OK}Transfer-Encoding: chunked\r\n\r\n`, /Truncated chunked body/],
  [
    "no end of trailers",
    `${OK}Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n`,
    /Truncated chunked body/,
  ],
  ["a 204 with Content-Length", "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", /204/],
  ["a 1xx with framing", "HTTP/1.1 103 Early\r\nContent-Length: 0\r\n\r\n", /103/],
];

describe("strict response parser", () => {
  for (const { name, input, heads, expect } of VALID) {
    test(`parses: ${name}`, () => {
      const bytes = Buffer.from(input, "latin1");
      const responses = parseResponses(bytes, { headRequests: heads });
      assert.equal(responses.length, expect.length);
      let offset = 0;
      responses.forEach((response, index) => {
        const expected = expect[index]!;
        assert.equal(response.status, expected.status);
        assert.equal(response.body.toString("latin1"), expected.body);
        for (const [field, value] of Object.entries(expected.headers ?? {})) {
          assert.equal(response.headers.get(field), value);
        }
        assert.deepEqual(response.trailers, expected.trailers ?? []);
        assert.deepEqual(response.raw, bytes.subarray(offset, offset + response.raw.length));
        offset += response.raw.length;
      });
    });
  }

  for (const [name, input, message] of INVALID) {
    test(`rejects ${name}`, () => {
      assert.throws(
        () => parseResponses(Buffer.from(input, "latin1")),
        (error: unknown) => error instanceof ResponseParseError && message.test(error.message),
      );
    });
  }

  test("a response after a close-delimited body is impossible: it becomes body", () => {
    const input = `HTTP/1.0 200 OK\r\n\r\nbody${OK}Content-Length: 0\r\n\r\n`;
    const responses = parseResponses(Buffer.from(input));
    assert.equal(responses.length, 1);
    assert.ok(responses[0]!.body.toString().endsWith("Content-Length: 0\r\n\r\n"));
  });
});

describe("ResponseFieldList", () => {
  const fields = new ResponseFieldList([
    "Set-Cookie",
    "a=1",
    "Vary",
    "Accept",
    "set-cookie",
    "b=2; Path=/",
    "VARY",
    "Origin",
  ]);

  test("get joins repeated fields case-insensitively and returns null when absent", () => {
    assert.equal(fields.get("vary"), "Accept, Origin");
    assert.equal(fields.get("x-missing"), null);
    assert.equal(fields.has("SET-COOKIE"), true);
  });

  test("getSetCookie keeps each line, entries keep arrival order", () => {
    assert.deepEqual(fields.getSetCookie(), ["a=1", "b=2; Path=/"]);
    assert.deepEqual(
      [...fields].map(([name]) => name),
      ["set-cookie", "vary", "set-cookie", "vary"],
    );
  });
});
