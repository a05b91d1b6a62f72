import { type MultipartLimits, parseMultipart } from "../../src/app/body/multipart.js";
import { isHttpError } from "../../src/wire/http-error.js";
import { random } from "../prng.js";

/** What a test compares: part metadata plus its bytes as latin1, so any byte is visible. */
export interface ParsedPart {
  name: string;
  filename: string | undefined;
  contentType: string;
  isFile: boolean;
  headers?: Record<string, string>;
  data?: string;
}

export type ParseOutcome = { parts: ParsedPart[] } | { status: number; message: string };

/** Joins lines with CRLF, as a multipart body on the wire. */
export function crlf(...lines: string[]): string {
  return lines.join("\r\n");
}

/** Yields `body` cut at `cuts` (sorted offsets); each piece is a fresh copy, like socket reads. */
export async function* chunked(body: Buffer, cuts: readonly number[]): AsyncGenerator<Buffer> {
  let start = 0;
  for (const cut of [...cuts, body.length]) {
    if (cut > start) yield Buffer.from(body.subarray(start, cut));
    start = Math.max(start, cut);
  }
}

export interface Chunking {
  label: string;
  cuts: number[];
}

/** Whole, one byte at a time, every two-piece split and some random chunkings. */
export function chunkings(length: number, seed = 1, randomCount = 12): Chunking[] {
  const all: Chunking[] = [{ label: "whole", cuts: [] }];
  all.push({ label: "1-byte chunks", cuts: Array.from({ length }, (_, index) => index + 1) });
  for (let cut = 1; cut < length; cut++) all.push({ label: `split at ${cut}`, cuts: [cut] });
  const next = random(seed);
  for (let round = 0; round < randomCount; round++) {
    const cuts: number[] = [];
    let offset = 0;
    const maxPiece = 1 + Math.floor(next() * 40);
    while (offset < length) {
      offset += 1 + Math.floor(next() * maxPiece);
      cuts.push(Math.min(offset, length));
    }
    all.push({ label: `random #${round} (seed ${seed})`, cuts });
  }
  return all;
}

export type ConsumeMode = "read" | "skip" | "ignore";

/**
 * Parses and records every part. `read` iterates each part's bytes, `skip` calls skip(), `ignore`
 * touches nothing so the parser must discard the data itself.
 */
export async function parseToOutcome(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: Partial<MultipartLimits> = {},
  mode: ConsumeMode = "read",
): Promise<ParseOutcome> {
  const parts: ParsedPart[] = [];
  try {
    for await (const part of parseMultipart(source, boundary, limits)) {
      const parsed: ParsedPart = {
        name: part.name,
        filename: part.filename,
        contentType: part.contentType,
        isFile: part.isFile,
        headers: { ...part.headers },
      };
      if (mode === "read") {
        const chunks: Buffer[] = [];
        for await (const chunk of part) {
          if (chunk.length === 0) throw new Error("parser yielded an empty chunk");
          chunks.push(chunk);
        }
        parsed.data = Buffer.concat(chunks).toString("latin1");
      } else if (mode === "skip") {
        await part.skip();
      }
      parts.push(parsed);
    }
  } catch (error) {
    if (!isHttpError(error)) throw error;
    return { status: error.status, message: error.message };
  }
  return { parts };
}
