import { HttpError } from "../../wire/http-error.js";
import { appendField, assertLimit, type FormFields } from "./form-pairs.js";
import { parseMediaType } from "./media-type.js";
import { type PartHead, parsePartHead } from "./multipart-head.js";
import { MultipartReader } from "./multipart-reader.js";

export { stripFilePath } from "./multipart-head.js";

/** Every limit answers 413 naming the limit and its value. */
export interface MultipartLimits {
  /** Parts of any kind. */
  maxParts: number;
  /** Non-file parts. */
  maxFields: number;
  /** File parts (those with a filename). */
  maxFiles: number;
  /** Bytes of one non-file value. */
  maxFieldBytes: number;
  /** Bytes of one file. */
  maxFileBytes: number;
  /** Bytes of the whole body as read from the source. */
  maxTotalBytes: number;
  /** Bytes of one part's header block. */
  maxPartHeaderBytes: number;
}

export const DEFAULT_MULTIPART_LIMITS: Readonly<MultipartLimits> = Object.freeze({
  maxParts: 1000,
  maxFields: 1000,
  maxFiles: 100,
  maxFieldBytes: 1024 * 1024,
  maxFileBytes: 100 * 1024 * 1024,
  maxTotalBytes: Number.POSITIVE_INFINITY,
  maxPartHeaderBytes: 16 * 1024,
});

/** Fills in defaults and rejects unknown names and bad values; call it at start-up. */
export function resolveMultipartLimits(limits: Partial<MultipartLimits> = {}): MultipartLimits {
  const resolved: MultipartLimits = { ...DEFAULT_MULTIPART_LIMITS };
  for (const [key, value] of Object.entries(limits)) {
    if (!Object.hasOwn(DEFAULT_MULTIPART_LIMITS, key)) {
      const known = Object.keys(DEFAULT_MULTIPART_LIMITS).join(", ");
      throw new RangeError(
        `Unknown multipart limit ${JSON.stringify(key)}; known limits: ${known}`,
      );
    }
    if (value === undefined) continue;
    assertLimit(`Multipart limit ${key}`, value);
    resolved[key as keyof MultipartLimits] = value;
  }
  return resolved;
}

/** RFC 2046 §5.1.1: 1–70 bchars, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;

/** The boundary of a multipart/form-data Content-Type; 415 for another type, 400 for a bad one. */
export function multipartBoundary(contentType: string | undefined): string {
  const media = parseMediaType(contentType);
  if (media === undefined || media.essence !== "multipart/form-data") {
    throw new HttpError(415, "Expected Content-Type multipart/form-data");
  }
  const boundary = media.params.boundary;
  if (boundary === undefined) {
    throw new HttpError(400, "multipart/form-data Content-Type has no boundary parameter");
  }
  if (!BOUNDARY.test(boundary)) {
    throw new HttpError(
      400,
      "Invalid multipart boundary: it must be 1 to 70 characters from RFC 2046 bchars, not ending in a space",
    );
  }
  return boundary;
}

export interface MultipartPart {
  /** From `Content-Disposition: form-data; name="..."`. */
  readonly name: string;
  /** Present (possibly empty) for file parts; any directory path is removed. */
  readonly filename: string | undefined;
  /** The Content-Type header, else text/plain for fields and application/octet-stream for files. */
  readonly contentType: string;
  /** Lowercased names, latin1 values. */
  readonly headers: Readonly<Record<string, string>>;
  readonly isFile: boolean;
  /**
   * The part's bytes as they arrive. Must be consumed (or skipped with `skip()`) before the next part
   * is yielded; if the consumer moves on, the rest is discarded. Readable once.
   */
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
  /** The whole value as UTF-8, bounded by maxFieldBytes / maxFileBytes. */
  text(): Promise<string>;
  bytes(): Promise<Buffer>;
  skip(): Promise<void>;
}

class Part implements MultipartPart {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly isFile: boolean;
  private claimed = false;
  private detached = false;

  constructor(
    private readonly reader: MultipartReader,
    head: PartHead,
  ) {
    this.name = head.name;
    this.filename = head.filename;
    this.contentType = head.contentType;
    this.headers = head.headers;
    this.isFile = head.isFile;
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.claim();
    return this.chunks();
  }

  async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  async bytes(): Promise<Buffer> {
    this.claim();
    const chunks: Buffer[] = [];
    for await (const chunk of this.chunks()) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  /** Discards the rest of the data, also after partly iterating it. */
  async skip(): Promise<void> {
    if (this.detached) return;
    this.claimed = true;
    await this.reader.discardPart();
  }

  /** Called by the parser when the consumer asks for the next part. */
  detach(): void {
    this.detached = true;
  }

  private claim(): void {
    if (this.detached) {
      throw new Error(
        `Multipart part ${JSON.stringify(this.name)} was read after the next part was requested; read each part before moving on`,
      );
    }
    if (this.claimed) {
      throw new Error(`Multipart part ${JSON.stringify(this.name)} can only be read once`);
    }
    this.claimed = true;
  }

  private async *chunks(): AsyncGenerator<Buffer> {
    for (;;) {
      if (this.detached) {
        throw new Error(
          `Multipart part ${JSON.stringify(this.name)} was read after the next part was requested`,
        );
      }
      const chunk = await this.reader.nextChunk();
      if (chunk === null) return;
      yield chunk;
    }
  }
}

function limitError(limit: keyof MultipartLimits, value: number, what: string): () => HttpError {
  return () => new HttpError(413, `${what} is larger than ${value} bytes (${limit})`);
}

function describe(name: string): string {
  return JSON.stringify(name.length > 100 ? `${name.slice(0, 100)}…` : name);
}

/**
 * Streams the parts of a multipart/form-data body. Source chunks are pulled only as the consumer
 * reads, so piping file parts to disk keeps memory flat whatever the upload size. Malformed input
 * throws HttpError 400, exceeded limits 413. The source's `return()` is called when parsing stops.
 */
export async function* parseMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: Partial<MultipartLimits> = {},
): AsyncGenerator<MultipartPart, void, undefined> {
  const resolved = resolveMultipartLimits(limits);
  if (!BOUNDARY.test(boundary)) {
    throw new RangeError(
      `Invalid multipart boundary ${JSON.stringify(boundary)}; get it from multipartBoundary(contentType)`,
    );
  }
  const reader = new MultipartReader(
    source[Symbol.asyncIterator](),
    boundary,
    resolved.maxTotalBytes,
    resolved.maxPartHeaderBytes,
  );
  let parts = 0;
  let fields = 0;
  let files = 0;
  try {
    await reader.skipPreamble();
    while (await reader.nextPartFollows()) {
      if (++parts > resolved.maxParts) {
        throw new HttpError(
          413,
          `Multipart body has more than ${resolved.maxParts} parts (maxParts)`,
        );
      }
      const head = parsePartHead(await reader.readHead());
      if (head.isFile) {
        if (++files > resolved.maxFiles) {
          throw new HttpError(
            413,
            `Multipart body has more than ${resolved.maxFiles} files (maxFiles)`,
          );
        }
        const what = `Multipart file ${describe(head.name)}`;
        reader.limitPart(
          resolved.maxFileBytes,
          limitError("maxFileBytes", resolved.maxFileBytes, what),
        );
      } else {
        if (++fields > resolved.maxFields) {
          throw new HttpError(
            413,
            `Multipart body has more than ${resolved.maxFields} fields (maxFields)`,
          );
        }
        const what = `Multipart field ${describe(head.name)}`;
        reader.limitPart(
          resolved.maxFieldBytes,
          limitError("maxFieldBytes", resolved.maxFieldBytes, what),
        );
      }
      const part = new Part(reader, head);
      try {
        yield part;
      } finally {
        part.detach();
      }
      await reader.discardPart();
    }
  } finally {
    await reader.close();
  }
}

export interface CollectedFile {
  readonly name: string;
  readonly filename: string;
  readonly contentType: string;
  readonly bytes: Buffer;
}

/** Reads a whole (small) form into memory: fields by name, files in order. */
export async function collectMultipart(
  source: AsyncIterable<Uint8Array>,
  boundary: string,
  limits: Partial<MultipartLimits> = {},
): Promise<{ fields: FormFields; files: CollectedFile[] }> {
  const fields: FormFields = Object.create(null);
  const files: CollectedFile[] = [];
  for await (const part of parseMultipart(source, boundary, limits)) {
    if (part.filename === undefined) {
      appendField(fields, part.name, await part.text());
    } else {
      const { name, filename, contentType } = part;
      files.push({ name, filename, contentType, bytes: await part.bytes() });
    }
  }
  return { fields, files };
}
