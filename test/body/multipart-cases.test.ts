import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { MultipartLimits } from "../../src/app/body/multipart.js";
import {
  type ConsumeMode,
  chunked,
  chunkings,
  crlf,
  type ParsedPart,
  parseToOutcome,
} from "./multipart-helpers.js";

/**
 * Table-driven cases in the style of llhttp: raw bytes in, parts or an error status out. Every case
 * runs whole, one byte per chunk, split at every offset and at random chunkings, in each consumption
 * mode, and must give the same answer each time.
 */

const B = "b0undary";
const disposition = (name: string) => `Content-Disposition: form-data; name="${name}"`;
const field = (name: string, value: string) => crlf(`--${B}`, disposition(name), "", value);

interface Case {
  name: string;
  body: string | Buffer;
  boundary?: string;
  limits?: Partial<MultipartLimits>;
  parts?: Array<Omit<ParsedPart, "headers"> & { headers?: Record<string, string> }>;
  error?: { status: number; message: RegExp };
}

const text = (name: string, data: string): ParsedPart => ({
  name,
  filename: undefined,
  contentType: "text/plain",
  isFile: false,
  data,
});
const file = (name: string, filename: string, data: string, contentType = "text/plain") => ({
  name,
  filename,
  contentType,
  isFile: true,
  data,
});
const bad = (message: RegExp) => ({ status: 400, message });
const tooLarge = (message: RegExp) => ({ status: 413, message });

const fileHead = (filename: string, type?: string) =>
  crlf(
    `--${B}`,
    `Content-Disposition: form-data; name="f"; filename="${filename}"`,
    ...(type === undefined ? [] : [`Content-Type: ${type}`]),
    "",
  );

const cases: Case[] = [
  {
    name: "one field",
    body: crlf(field("a", "hello"), `--${B}--`),
    parts: [text("a", "hello")],
  },
  {
    name: "preamble and epilogue are ignored",
    body: crlf("This is a preamble", "with two lines", field("a", "1"), `--${B}--`, "epilogue\r\n"),
    parts: [text("a", "1")],
  },
  {
    name: "empty preamble line before the first boundary",
    body: crlf("", field("a", "1"), `--${B}--`),
    parts: [text("a", "1")],
  },
  {
    name: "field and file with content types",
    body: crlf(field("title", "Hi"), fileHead("notes.txt", "text/markdown"), "# x", `--${B}--`),
    parts: [text("title", "Hi"), file("f", "notes.txt", "# x", "text/markdown")],
  },
  {
    name: "empty values and a file input with nothing selected",
    body: crlf(field("a", ""), fileHead("", "application/octet-stream"), "", `--${B}--`),
    parts: [text("a", ""), file("f", "", "", "application/octet-stream")],
  },
  {
    name: "file without Content-Type defaults to application/octet-stream",
    body: crlf(fileHead("x.bin"), "\u0000\u0001", `--${B}--`),
    parts: [file("f", "x.bin", "\u0000\u0001", "application/octet-stream")],
  },
  {
    name: "CRLF and dashes inside data that are not a full delimiter",
    body: crlf(
      fileHead("t.txt", "text/plain"),
      `line1\r\n--b0undar\r\n--b0undarX\r\n-\r\n\r\n--\r--${B.slice(0, 4)}\r`,
      `--${B}--`,
    ),
    parts: [
      file("f", "t.txt", `line1\r\n--b0undar\r\n--b0undarX\r\n-\r\n\r\n--\r--${B.slice(0, 4)}\r`),
    ],
  },
  {
    name: "data ending in a delimiter prefix",
    body: crlf(field("a", "x\r\n--b0und"), field("b", "\r"), field("c", "\r\n"), `--${B}--`),
    parts: [text("a", "x\r\n--b0und"), text("b", "\r"), text("c", "\r\n")],
  },
  {
    name: "the boundary text without a leading CRLF is data",
    body: crlf(field("a", `x--${B}y`), `--${B}--`),
    parts: [text("a", `x--${B}y`)],
  },
  {
    name: "transport padding after boundaries",
    body: `--${B} \t \r\n${disposition("a")}\r\n\r\n1\r\n--${B}\t\r\n${disposition("b")}\r\n\r\n2\r\n--${B}-- \r\n`,
    parts: [text("a", "1"), text("b", "2")],
  },
  {
    name: "every byte value survives in a file",
    body: Buffer.concat([
      Buffer.from(`${fileHead("all.bin")}\r\n`, "latin1"),
      Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)),
      Buffer.from(`\r\n--${B}--`, "latin1"),
    ]),
    parts: [
      file(
        "f",
        "all.bin",
        Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)).toString("latin1"),
        "application/octet-stream",
      ),
    ],
  },
  {
    name: "header names and disposition type are case-insensitive; headers are kept lowercased",
    body: crlf(
      `--${B}`,
      "CONTENT-DISPOSITION: FORM-DATA; NAME=plain_token",
      "X-Custom:   spaced value  ",
      "x-custom: second",
      "",
      "v",
      `--${B}--`,
    ),
    parts: [
      {
        ...text("plain_token", "v"),
        headers: {
          "content-disposition": "FORM-DATA; NAME=plain_token",
          "x-custom": "spaced value, second",
        },
      },
    ],
  },
  {
    name: "header values are latin1",
    body: Buffer.from(
      crlf(`--${B}`, disposition("a"), "X-Note: caf\u00e9", "", "v", `--${B}--`),
      "latin1",
    ),
    parts: [
      {
        ...text("a", "v"),
        headers: { "content-disposition": 'form-data; name="a"', "x-note": "café" },
      },
    ],
  },
  {
    name: "unusual but valid boundary characters",
    boundary: "a'()+_,-./:=? z",
    body: crlf("--a'()+_,-./:=? z", disposition("a"), "", "1", "--a'()+_,-./:=? z--"),
    parts: [text("a", "1")],
  },
  {
    name: "paths are stripped from filenames",
    body: crlf(
      fileHead("C:\\Users\\me\\y.txt"),
      "1",
      fileHead("/etc/passwd"),
      "2",
      fileHead("../../x.sh"),
      "3",
      fileHead(".."),
      "4",
      `--${B}--`,
    ),
    parts: [
      file("f", "y.txt", "1", "application/octet-stream"),
      file("f", "passwd", "2", "application/octet-stream"),
      file("f", "x.sh", "3", "application/octet-stream"),
      file("f", "", "4", "application/octet-stream"),
    ],
  },
  {
    name: "raw UTF-8 in name and filename, as browsers send it",
    body: Buffer.from(
      crlf(
        `--${B}`,
        'Content-Disposition: form-data; name="prénom"; filename="résumé ✓.pdf"',
        "",
        "x",
        `--${B}--`,
      ),
      "utf8",
    ),
    parts: [file("prénom", "résumé ✓.pdf", "x", "application/octet-stream")],
  },
  {
    name: "filename* (RFC 5987) wins over filename",
    body: crlf(
      `--${B}`,
      `Content-Disposition: form-data; name="f"; filename="rates.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt`,
      "",
      "x",
      `--${B}`,
      `Content-Disposition: form-data; name="g"; filename*=iso-8859-1'en'caf%E9.txt`,
      "",
      "y",
      `--${B}--`,
    ),
    parts: [
      file("f", "€ rates.txt", "x", "application/octet-stream"),
      file("g", "café.txt", "y", "application/octet-stream"),
    ],
  },
  {
    name: "quoted-pair and percent escapes in name and filename",
    body: crlf(
      `--${B}`,
      'Content-Disposition: form-data; name="a\\"b%22c"; filename="line%0Abreak%0D.txt"',
      "",
      "x",
      `--${B}--`,
    ),
    // Control characters are removed from file names (issue 13 item 7); names keep them.
    parts: [file('a"b"c', "linebreak.txt", "x", "application/octet-stream")],
  },
  // Malformed input: 400.
  { name: "empty body", body: "", error: bad(/ended before its closing boundary/) },
  { name: "only a preamble", body: "hello\r\n", error: bad(/ended before/) },
  { name: "ends inside data", body: field("a", "unfinished"), error: bad(/ended before/) },
  {
    name: "ends inside headers",
    body: crlf(`--${B}`, disposition("a")),
    error: bad(/ended before/),
  },
  { name: "ends right after a boundary", body: `--${B}`, error: bad(/ended before/) },
  { name: "ends after a boundary and a dash", body: `--${B}-`, error: bad(/ended before/) },
  {
    name: "ends with a delimiter but no close",
    body: crlf(field("a", "1"), `--${B}`, ""),
    error: bad(/ended before/),
  },
  {
    name: "garbage after a boundary",
    body: crlf(field("a", `1\r\n--${B}junk`), `--${B}--`),
    error: bad(/after a multipart boundary/),
  },
  {
    name: "a single dash after a boundary",
    body: crlf(`--${B}-`, disposition("a"), "", "1", `--${B}--`),
    error: bad(/after a multipart boundary/),
  },
  {
    name: "LF line endings",
    body: [`--${B}`, disposition("a"), "", "1", `--${B}--`].join("\n"),
    error: bad(/after a multipart boundary/),
  },
  {
    name: "missing Content-Disposition",
    body: crlf(`--${B}`, "Content-Type: text/plain", "", "1", `--${B}--`),
    error: bad(/no Content-Disposition/),
  },
  {
    name: "no headers at all",
    body: crlf(`--${B}`, "", "1", `--${B}--`),
    error: bad(/no Content-Disposition/),
  },
  {
    name: "non-form-data disposition",
    body: crlf(`--${B}`, 'Content-Disposition: attachment; name="a"', "", "1", `--${B}--`),
    error: bad(/"attachment", expected form-data/),
  },
  {
    name: "missing name",
    body: crlf(`--${B}`, 'Content-Disposition: form-data; filename="a"', "", "1", `--${B}--`),
    error: bad(/no name/),
  },
  {
    name: "unterminated quoted name",
    body: crlf(`--${B}`, 'Content-Disposition: form-data; name="a', "", "1", `--${B}--`),
    error: bad(/Malformed Content-Disposition/),
  },
  {
    name: "header line without a colon",
    body: crlf(`--${B}`, disposition("a"), "oops", "", "1", `--${B}--`),
    error: bad(/Malformed multipart part header line/),
  },
  {
    name: "obsolete line folding",
    body: crlf(`--${B}`, disposition("a"), "X-A: 1", " 2", "", "1", `--${B}--`),
    error: bad(/line folding/),
  },
  {
    name: "bare LF inside the header block",
    body: crlf(`--${B}`, `${disposition("a")}\nX-A: 1`, "", "1", `--${B}--`),
    error: bad(/control character/),
  },
  {
    name: "two Content-Disposition headers",
    body: crlf(`--${B}`, disposition("a"), disposition("b"), "", "1", `--${B}--`),
    error: bad(/more than one content-disposition/),
  },
  {
    name: "invalid filename*",
    body: crlf(
      `--${B}`,
      "Content-Disposition: form-data; name=f; filename*=%E2",
      "",
      "",
      `--${B}--`,
    ),
    error: bad(/filename\*/),
  },
  // Limits: 413, and the exact limit still passes.
  {
    name: "maxParts",
    limits: { maxParts: 2 },
    body: crlf(field("a", "1"), field("b", "2"), field("c", "3"), `--${B}--`),
    error: tooLarge(/more than 2 parts \(maxParts\)/),
  },
  {
    name: "maxFields",
    limits: { maxFields: 1 },
    body: crlf(fileHead("x"), "", field("a", "1"), field("b", "2"), `--${B}--`),
    error: tooLarge(/more than 1 fields \(maxFields\)/),
  },
  {
    name: "maxFiles",
    limits: { maxFiles: 1 },
    body: crlf(field("a", "1"), fileHead("x"), "", fileHead("y"), "", `--${B}--`),
    error: tooLarge(/more than 1 files \(maxFiles\)/),
  },
  {
    name: "maxFieldBytes exactly reached",
    limits: { maxFieldBytes: 5 },
    body: crlf(field("a", "12345"), fileHead("x"), "longer file", `--${B}--`),
    parts: [text("a", "12345"), file("f", "x", "longer file", "application/octet-stream")],
  },
  {
    name: "maxFieldBytes exceeded",
    limits: { maxFieldBytes: 5 },
    body: crlf(field("a", "123456"), `--${B}--`),
    error: tooLarge(/field "a" is larger than 5 bytes \(maxFieldBytes\)/),
  },
  {
    name: "maxFileBytes exactly reached",
    limits: { maxFileBytes: 4 },
    body: crlf(fileHead("x"), "\r\n--", field("a", "longer field"), `--${B}--`),
    parts: [file("f", "x", "\r\n--", "application/octet-stream"), text("a", "longer field")],
  },
  {
    name: "maxFileBytes exceeded",
    limits: { maxFileBytes: 4 },
    body: crlf(fileHead("x"), "\r\n--b", `--${B}--`),
    error: tooLarge(/file "f" is larger than 4 bytes \(maxFileBytes\)/),
  },
  {
    name: "maxPartHeaderBytes exactly reached",
    limits: { maxPartHeaderBytes: disposition("a").length },
    body: crlf(field("a", "1"), `--${B}--`),
    parts: [text("a", "1")],
  },
  {
    name: "maxPartHeaderBytes exceeded",
    limits: { maxPartHeaderBytes: disposition("a").length - 1 },
    body: crlf(field("a", "1"), `--${B}--`),
    error: tooLarge(/headers are larger than 39 bytes \(maxPartHeaderBytes\)/),
  },
  {
    name: "maxPartHeaderBytes with an endless header",
    limits: { maxPartHeaderBytes: 64 },
    body: crlf(`--${B}`, `X-Long: ${"x".repeat(200)}`),
    error: tooLarge(/maxPartHeaderBytes/),
  },
  {
    name: "maxTotalBytes exactly reached",
    limits: { maxTotalBytes: crlf(field("a", "1"), `--${B}--`).length },
    body: crlf(field("a", "1"), `--${B}--`),
    parts: [text("a", "1")],
  },
  {
    name: "maxTotalBytes exceeded",
    limits: { maxTotalBytes: crlf(field("a", "1"), `--${B}--`).length - 1 },
    body: crlf(field("a", "1"), `--${B}--`),
    error: tooLarge(/larger than \d+ bytes \(maxTotalBytes\)/),
  },
];

function expectedFor(testCase: Case, mode: ConsumeMode): unknown {
  if (testCase.error) return { status: testCase.error.status };
  return {
    parts: testCase.parts!.map(({ headers: _headers, data, ...rest }) =>
      mode === "read" ? { ...rest, data } : rest,
    ),
  };
}

describe("multipart table", () => {
  for (const testCase of cases) {
    it(testCase.name, async () => {
      const body = Buffer.isBuffer(testCase.body)
        ? testCase.body
        : Buffer.from(testCase.body, "latin1");
      const boundary = testCase.boundary ?? B;
      for (const mode of ["read", "skip", "ignore"] as const) {
        for (const { label, cuts } of chunkings(body.length)) {
          const outcome = await parseToOutcome(
            chunked(body, cuts),
            boundary,
            testCase.limits,
            mode,
          );
          const context = `${mode}, ${label}`;
          if ("status" in outcome) {
            assert.deepEqual({ status: outcome.status }, expectedFor(testCase, mode), context);
            assert.match(outcome.message, testCase.error!.message, context);
            continue;
          }
          const expectedHeaders = testCase.parts?.map((part) => part.headers);
          const actual = outcome.parts.map(({ headers, ...rest }, index) => {
            if (expectedHeaders?.[index] !== undefined) {
              assert.deepEqual(headers, expectedHeaders[index], context);
            }
            return rest;
          });
          assert.deepEqual({ parts: actual }, expectedFor(testCase, mode), context);
        }
      }
    });
  }
});
