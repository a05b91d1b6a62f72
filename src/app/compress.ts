import { pipeline, Readable, type Transform } from "node:stream";
import * as zlib from "node:zlib";
import { ConfigError } from "../wire/options.js";
import { isAsyncIterable } from "../wire/response.js";
import type { ResponseHeaders } from "../wire/response-headers.js";
import { isCompressible } from "./mime.js";
import { type ContentCoding, preferredEncoding } from "./negotiate.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import { SafeHtml } from "./template.js";

/**
 * Response compression (Content-Encoding br / gzip), decided once the body is final.
 * Small text bodies are compressed on the spot; large ones and streams go through a zlib stream,
 * so one big response never blocks the event loop for long.
 */

export interface CompressionOptions {
  /** Bodies smaller than this many bytes are sent as they are. Default 1024. */
  threshold?: number;
  /** Codings offered, in server preference order. Default ["br", "gzip"]. */
  encodings?: readonly ContentCoding[];
  /** Brotli quality 0–11. Default 4: close to gzip's speed with a better ratio. */
  brotliQuality?: number;
  /** gzip level 0–9. Default 6. */
  gzipLevel?: number;
  /** Largest string/byte body compressed synchronously; larger ones are streamed. Default 64 KiB. */
  syncLimit?: number;
  /** Which Content-Types to compress; replaces the default `isCompressible` check. */
  filter?: (contentType: string) => boolean;
}

export interface CompressionSettings {
  readonly threshold: number;
  readonly encodings: readonly ContentCoding[];
  readonly brotliQuality: number;
  readonly gzipLevel: number;
  readonly syncLimit: number;
  readonly filter: (contentType: string) => boolean;
}

const KNOWN_OPTIONS = new Set([
  "threshold",
  "encodings",
  "brotliQuality",
  "gzipLevel",
  "syncLimit",
  "filter",
]);
const CODINGS: ReadonlySet<string> = new Set(["br", "gzip"]);

function checkInteger(name: string, value: unknown, min: number, max: number, fallback: number) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `compression '${name}' must be a whole number from ${min} to ${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Validated compression settings: `true` for the defaults, an options object to tune them, and
 * `false` or `undefined` for none. Mistakes throw a ConfigError saying what to write instead.
 */
export function resolveCompression(
  options: boolean | CompressionOptions | undefined,
): CompressionSettings | undefined {
  if (options === undefined || options === false) return undefined;
  const given: CompressionOptions = options === true ? {} : options;
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ConfigError(
      "'compression' must be true, false, or an options object like { threshold: 1024 }",
    );
  }
  for (const key of Object.keys(given)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new ConfigError(
        `Unknown compression option '${key}'. Known options: ${[...KNOWN_OPTIONS].join(", ")}.`,
      );
    }
  }
  const encodings = given.encodings ?? ["br", "gzip"];
  if (
    !Array.isArray(encodings) ||
    encodings.length === 0 ||
    encodings.some((coding) => !CODINGS.has(coding)) ||
    new Set(encodings).size !== encodings.length
  ) {
    throw new ConfigError(
      `compression 'encodings' must be a non-empty list of distinct "br" and "gzip", got ${JSON.stringify(encodings)}`,
    );
  }
  if (given.filter !== undefined && typeof given.filter !== "function") {
    throw new ConfigError(
      "compression 'filter' must be a function (contentType) => boolean, e.g. isCompressible",
    );
  }
  return Object.freeze({
    threshold: checkInteger("threshold", given.threshold, 0, Number.MAX_SAFE_INTEGER, 1024),
    encodings: Object.freeze([...encodings]),
    brotliQuality: checkInteger("brotliQuality", given.brotliQuality, 0, 11, 4),
    gzipLevel: checkInteger("gzipLevel", given.gzipLevel, 0, 9, 6),
    syncLimit: checkInteger("syncLimit", given.syncLimit, 0, Number.MAX_SAFE_INTEGER, 65536),
    filter: given.filter ?? isCompressible,
  });
}

/** Adds `field` to Vary unless it (or `*`) is already listed; keeps every existing member. */
export function appendVary(headers: ResponseHeaders, field: string): void {
  const existing = headers.getAll("vary");
  const wanted = field.toLowerCase();
  for (const line of existing) {
    for (const member of line.split(",")) {
      const name = member.trim().toLowerCase();
      if (name === "*" || name === wanted) return;
    }
  }
  headers.set("vary", existing.length === 0 ? field : `${existing.join(", ")}, ${field}`);
}

/** An empty stream: for HEAD, the engine then writes neither Content-Length nor chunked framing. */
const NO_BYTES: AsyncIterable<Uint8Array> = { async *[Symbol.asyncIterator]() {} };

type Payload =
  | { kind: "bytes"; bytes: Buffer }
  | { kind: "stream"; source: AsyncIterable<Uint8Array | string>; length: number | undefined };

/**
 * The body as bytes or a stream, with the Content-Type it will be sent with. Converts the
 * framework's richer bodies (html templates, JSON values) the way the response would, so this can
 * run in an after hook before the response is prepared. Undefined: nothing to compress.
 */
function payloadOf(response: Response): { payload: Payload; type: string | undefined } | undefined {
  const headers = response.headers;
  let body: unknown = response.body;
  if (body === undefined || body === null) return undefined;
  let defaultType: string | undefined;
  if (body instanceof SafeHtml) {
    body = body.value;
    defaultType = "text/html; charset=utf-8";
  } else if (typeof body === "string") {
    defaultType = "text/plain; charset=utf-8";
  } else if (body instanceof Uint8Array) {
    defaultType = "application/octet-stream";
  } else if (body instanceof Readable || isAsyncIterable(body)) {
    const declared = Number(headers.get("content-length") ?? Number.NaN);
    const length = Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined;
    return {
      payload: { kind: "stream", source: body as AsyncIterable<Uint8Array>, length },
      type: headers.get("content-type"),
    };
  } else {
    body = JSON.stringify(body);
    if (typeof body !== "string") return undefined;
    defaultType = "application/json; charset=utf-8";
  }
  const type = headers.get("content-type") ?? defaultType;
  const bytes =
    typeof body === "string"
      ? Buffer.from(body)
      : Buffer.from(
          (body as Uint8Array).buffer,
          (body as Uint8Array).byteOffset,
          (body as Uint8Array).byteLength,
        );
  return { payload: { kind: "bytes", bytes }, type };
}

function hasNoTransform(headers: ResponseHeaders): boolean {
  const value = headers.get("cache-control");
  return value !== undefined && /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(value);
}

function compressor(
  coding: ContentCoding,
  settings: CompressionSettings,
  size?: number,
): Transform {
  if (coding === "gzip") return zlib.createGzip({ level: settings.gzipLevel });
  return zlib.createBrotliCompress({ params: brotliParams(settings, size) });
}

function brotliParams(settings: CompressionSettings, size: number | undefined) {
  const params: Record<number, number> = {
    [zlib.constants.BROTLI_PARAM_QUALITY]: settings.brotliQuality,
  };
  if (size !== undefined) params[zlib.constants.BROTLI_PARAM_SIZE_HINT] = size;
  return params;
}

function compressSync(coding: ContentCoding, bytes: Buffer, settings: CompressionSettings): Buffer {
  if (coding === "gzip") return zlib.gzipSync(bytes, { level: settings.gzipLevel });
  return zlib.brotliCompressSync(bytes, { params: brotliParams(settings, bytes.byteLength) });
}

/**
 * Compresses the response if it is worth it and the client accepts it. Call once, after the
 * body is final (e.g. as the last after hook). Skips: no body; 1xx/204/206/304; an existing
 * Content-Encoding or Content-Range; `Cache-Control: no-transform`; types the filter refuses;
 * bodies of known size under the threshold; clients that accept no offered coding.
 * When compressing: sets Content-Encoding, adds Vary, drops Content-Length and Accept-Ranges, and
 * weakens a strong ETag (the compressed bytes differ from the ones it named). A HEAD request gets
 * the header fields GET would (RFC 9110 §9.3.2): a body small enough to compress on the spot is
 * compressed so Content-Length is GET's; a larger one or a stream, which GET would send chunked,
 * is not compressed and HEAD gets no Content-Length at all rather than the unencoded size.
 */
export function compressResponse(
  request: Request,
  response: Response,
  settings: CompressionSettings,
): void {
  const status = response.status;
  if (status < 200 || status === 204 || status === 206 || status === 304) return;
  const headers = response.headers;
  if (headers.has("content-encoding") || headers.has("content-range")) return;
  const found = payloadOf(response);
  if (found === undefined) return;
  const { payload, type } = found;
  if (type === undefined || !settings.filter(type) || hasNoTransform(headers)) return;
  appendVary(headers, "Accept-Encoding");
  const size = payload.kind === "bytes" ? payload.bytes.byteLength : payload.length;
  if (size !== undefined && size < settings.threshold) return;
  const coding = preferredEncoding(request.headers.get("accept-encoding"), settings.encodings);
  if (coding === undefined || coding === "identity") return;

  headers.set("content-type", type);
  headers.set("content-encoding", coding);
  headers.delete("content-length");
  headers.delete("accept-ranges");
  const etag = headers.get("etag");
  if (etag !== undefined && !etag.startsWith("W/")) headers.set("etag", `W/${etag}`);

  if (payload.kind === "bytes" && payload.bytes.byteLength <= settings.syncLimit) {
    response.body = compressSync(coding, payload.bytes, settings);
    return;
  }
  if (request.method === "HEAD") {
    // No body follows, so nothing is compressed: a stream of unknown length gets no length line.
    if (payload.kind === "stream" && payload.source instanceof Readable) payload.source.destroy();
    response.body = NO_BYTES;
    return;
  }
  const stream = compressor(coding, settings, size);
  if (payload.kind === "bytes") {
    stream.end(payload.bytes);
  } else {
    const source =
      payload.source instanceof Readable ? payload.source : Readable.from(payload.source);
    // Errors reach the engine through the compressor, which pipeline destroys with the cause.
    pipeline(source, stream, () => {});
  }
  response.body = stream;
}
