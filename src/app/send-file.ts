import { constants, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { basename, resolve } from "node:path";
import { HttpError } from "../wire/http-error.js";
import { appendVary } from "./compress.js";
import { evaluatePreconditions, ifRangeAllows, type Validators, weakEtag } from "./conditional.js";
import { contentTypeFor } from "./mime.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import { parseRange } from "./static-range.js";

/**
 * Sending one file: validators, conditional requests, a single byte range, HEAD, and a streamed
 * body with its exact Content-Length. Shared by `sendFile` and `serveStatic`.
 */

export interface SendFileOptions {
  /** Content-Type; default from the file name (`contentTypeFor`), else application/octet-stream. */
  contentType?: string;
  /** Cache-Control value, or false for none. Default "public, max-age=0" (always revalidate). */
  cacheControl?: string | false;
  /** Send `Content-Disposition: attachment`: true uses the file's name, a string names it. */
  download?: boolean | string;
}

export const DEFAULT_CACHE_CONTROL = "public, max-age=0";

/** An open regular file, owned by whoever holds it until it is handed to `respondWithFile`. */
export interface OpenFile {
  readonly handle: FileHandle;
  readonly stats: Stats;
}

export interface FileResponseMeta {
  readonly contentType: string;
  readonly cacheControl: string | false;
  /** Set when the file is a precompressed variant: "br" or "gzip". */
  readonly encoding?: string | undefined;
  /** Add `Vary: Accept-Encoding` (the representation was chosen by it). */
  readonly varyEncoding?: boolean;
  readonly disposition?: string | undefined;
}

// O_NONBLOCK: a FIFO swapped in after the stat must not park a thread-pool thread in open().
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
// ENXIO: open(2) refuses a Unix socket outright, before the stat could call it "not a file".
const MISSING = new Set([
  "ENOENT",
  "ENOTDIR",
  "EISDIR",
  "ENAMETOOLONG",
  "ELOOP",
  "EACCES",
  "EPERM",
  "ENXIO",
]);

/** Opens a regular file; undefined when it does not exist, is not a file, or cannot be read. */
export async function openRegularFile(path: string): Promise<OpenFile | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    if (MISSING.has((error as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw error;
  }
  try {
    const stats = await handle.stat();
    if (stats.isFile()) return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
  await handle.close();
  return undefined;
}

/** Never iterated: stands in for the body of a HEAD response so Content-Length is the file's. */
const HEAD_BODY: AsyncIterable<Uint8Array> = {
  [Symbol.asyncIterator]() {
    throw new Error("A HEAD response body is never read");
  },
};

/**
 * Answers with the file, taking ownership of its handle (closed here, or by the stream once sent).
 * 304 and 412 follow RFC 9110 §13.2.2; a satisfiable single range on GET is a 206, an
 * unsatisfiable one a 416 with `Content-Range: bytes *\/size`.
 */
export async function respondWithFile(
  request: Request,
  response: Response,
  file: OpenFile,
  meta: FileResponseMeta,
): Promise<void> {
  const { handle, stats } = file;
  let handedOff = false;
  try {
    const size = stats.size;
    const validators: Validators = {
      etag: weakEtag(size, stats.mtimeMs, meta.encoding),
      lastModified: stats.mtimeMs,
    };
    const headers = response.headers;
    headers.set("etag", validators.etag!);
    headers.set("last-modified", new Date(stats.mtimeMs).toUTCString());
    if (meta.cacheControl !== false) headers.set("cache-control", meta.cacheControl);
    if (meta.varyEncoding === true) appendVary(headers, "Accept-Encoding");

    const requestHeaders = request.headers;
    const outcome = evaluatePreconditions(
      request.method,
      {
        ifMatch: requestHeaders.get("if-match"),
        ifNoneMatch: requestHeaders.get("if-none-match"),
        ifModifiedSince: requestHeaders.get("if-modified-since"),
        ifUnmodifiedSince: requestHeaders.get("if-unmodified-since"),
      },
      validators,
    );
    if (outcome === "not-modified") {
      response.status = 304;
      response.body = undefined;
      return;
    }
    if (outcome === "precondition-failed") throw new HttpError(412);

    headers.set("accept-ranges", "bytes");
    headers.set("content-type", meta.contentType);
    if (meta.encoding !== undefined) headers.set("content-encoding", meta.encoding);
    if (meta.disposition !== undefined) headers.set("content-disposition", meta.disposition);

    let start = 0;
    let end = size - 1;
    const rangeHeader = requestHeaders.get("range");
    // Range applies to GET only (RFC 9110 §14.2); HEAD answers as a full GET would.
    if (
      rangeHeader !== undefined &&
      request.method === "GET" &&
      ifRangeAllows(requestHeaders.get("if-range"), validators)
    ) {
      const range = parseRange(rangeHeader, size);
      if (range.kind === "unsatisfiable") {
        throw new HttpError(416, undefined, {
          headers: { "content-range": `bytes */${size}` },
        });
      }
      if (range.kind === "partial") {
        start = range.start;
        end = range.end;
        response.status = 206;
        headers.set("content-range", `bytes ${start}-${end}/${size}`);
      }
    }
    const length = end - start + 1;
    headers.set("content-length", length);
    if (request.method === "HEAD") {
      response.body = HEAD_BODY;
      return;
    }
    if (length === 0) {
      response.body = Buffer.alloc(0);
      return;
    }
    response.body = handle.createReadStream({ start, end });
    handedOff = true;
  } finally {
    if (!handedOff) await handle.close();
  }
}

// RFC 8187 attr-char: what may stay unescaped in filename*.
const NOT_ATTR_CHAR = /[^A-Za-z0-9!#$&+\-.^_`|~]/g;
const UNSAFE_FALLBACK = /[^\x20-\x7e]|["\\%]/g;

/**
 * A Content-Disposition value: `attachment; filename="report.pdf"`, plus
 * `filename*=UTF-8''…` when the name is not plain ASCII (older clients read the fallback).
 */
export function contentDisposition(filename: string, type = "attachment"): string {
  const name = basename(filename.replaceAll("\\", "/"));
  const fallback = name.replace(UNSAFE_FALLBACK, "_");
  if (fallback === name) return `${type}; filename="${name}"`;
  const encoded = Buffer.from(name, "utf8")
    .toString("latin1")
    .replace(
      NOT_ATTR_CHAR,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
    );
  return `${type}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * Sends one file chosen by the application, e.g. a download:
 * `app.get("/report", (req, res) => sendFile(req, res, "./reports/q3.pdf", { download: true }))`.
 * Return (or await) the promise. A missing or non-regular file is a 404 HttpError.
 * The path is trusted: never pass user input here; use `serveStatic` for that.
 */
export async function sendFile(
  request: Request,
  response: Response,
  path: string,
  options: SendFileOptions = {},
): Promise<void> {
  const file = await openRegularFile(resolve(path));
  if (file === undefined) throw new HttpError(404, "File not found");
  const download = options.download;
  await respondWithFile(request, response, file, {
    contentType: options.contentType ?? contentTypeFor(path) ?? "application/octet-stream",
    cacheControl: options.cacheControl ?? DEFAULT_CACHE_CONTROL,
    disposition:
      download === true
        ? contentDisposition(path)
        : typeof download === "string"
          ? contentDisposition(download)
          : undefined,
  });
}
