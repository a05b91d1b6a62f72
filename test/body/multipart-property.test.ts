import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { chunked, parseToOutcome } from "./multipart-helpers.js";

/**
 * Round trip: a body encoded the way browsers encode forms parses back to the same parts, whatever the
 * boundary, the contents (biased towards delimiter look-alikes) and the chunking.
 */

const BCHARS = "0123456789abcdefXYZ'()+_,-./:=? ";

const boundaryArbitrary = fc
  .array(fc.constantFrom(...BCHARS), { minLength: 1, maxLength: 70 })
  .map((chars) => chars.join(""))
  .filter((boundary) => !boundary.endsWith(" "));

/** Names as users type them, including what browsers must escape; `%` and `\` are ambiguous. */
const nameArbitrary = fc
  .array(
    fc.oneof(
      fc.constantFrom('"', "\r", "\n", "é", "✓", "😀", " ", ";", "="),
      fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    ),
    { maxLength: 12 },
  )
  .map((chars) => chars.join(""))
  .filter((name) => !/[%\\]/.test(name));

const filenameArbitrary = nameArbitrary.filter((name) => {
  const shown = name.replace(/[\r\n]/g, "");
  return !name.includes("/") && shown !== "." && shown !== "..";
});

function contentArbitrary(boundary: string): fc.Arbitrary<Buffer> {
  const lookAlikes = ["\r", "\r\n", "\r\n-", "\r\n--", "--", `--${boundary}`].concat(
    Array.from({ length: boundary.length }, (_, index) => `\r\n--${boundary.slice(0, index)}`),
  );
  return fc
    .array(
      fc.oneof(
        fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes)),
        fc.constantFrom(...lookAlikes).map((text) => Buffer.from(text, "latin1")),
      ),
      { maxLength: 8 },
    )
    .map((pieces) => Buffer.concat(pieces));
}

interface GeneratedPart {
  name: string;
  filename: string | null;
  content: Buffer;
}

function browserEscape(text: string): string {
  return text.replaceAll('"', "%22").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

function encode(boundary: string, parts: GeneratedPart[]): Buffer {
  const pieces: Buffer[] = [];
  for (const part of parts) {
    const filename = part.filename === null ? "" : `; filename="${browserEscape(part.filename)}"`;
    const type = part.filename === null ? "" : "Content-Type: application/octet-stream\r\n";
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${browserEscape(part.name)}"${filename}\r\n${type}\r\n`;
    pieces.push(Buffer.from(head, "utf8"), part.content, Buffer.from("\r\n", "latin1"));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`, "latin1"));
  return Buffer.concat(pieces);
}

const caseArbitrary = boundaryArbitrary.chain((boundary) =>
  fc.record({
    boundary: fc.constant(boundary),
    parts: fc.array(
      fc.record({
        name: nameArbitrary,
        filename: fc.option(filenameArbitrary),
        content: contentArbitrary(boundary),
      }),
      { maxLength: 5 },
    ),
    pieceSizes: fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
  }),
);

it("generated bodies parse back to the same parts under any chunking", async () => {
  await fc.assert(
    fc.asyncProperty(caseArbitrary, async ({ boundary, parts, pieceSizes }) => {
      const delimiter = Buffer.from(`\r\n--${boundary}`, "latin1");
      fc.pre(parts.every((part) => !part.content.includes(delimiter)));
      const body = encode(boundary, parts);
      const cuts: number[] = [];
      for (let offset = 0, index = 0; offset < body.length; index++) {
        offset += pieceSizes[index % pieceSizes.length]!;
        cuts.push(Math.min(offset, body.length));
      }
      const outcome = await parseToOutcome(chunked(body, cuts), boundary);
      assert.ok("parts" in outcome, `parse failed: ${JSON.stringify(outcome)}`);
      const actual = outcome.parts.map(({ headers: _headers, ...rest }) => rest);
      const expected = parts.map((part) => ({
        name: part.name,
        // File names lose control characters (CR, LF), names keep them.
        filename: part.filename === null ? undefined : part.filename.replace(/[\r\n]/g, ""),
        contentType: part.filename === null ? "text/plain" : "application/octet-stream",
        isFile: part.filename !== null,
        data: part.content.toString("latin1"),
      }));
      assert.deepEqual(actual, expected);
    }),
    { numRuns: 400 },
  );
});
