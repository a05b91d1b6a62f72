/**
 * Content types for common web file extensions, and whether a type is worth compressing.
 * A deliberately small table: unknown extensions return undefined so the caller chooses
 * (usually `application/octet-stream`), instead of guessing from a thousand-entry database.
 */

const UTF8 = "; charset=utf-8";

const TYPES: Readonly<Record<string, string>> = Object.assign(Object.create(null), {
  // Text and documents
  html: `text/html${UTF8}`,
  htm: `text/html${UTF8}`,
  css: `text/css${UTF8}`,
  // RFC 9239 made text/javascript the one registered type for JavaScript.
  js: `text/javascript${UTF8}`,
  mjs: `text/javascript${UTF8}`,
  cjs: `text/javascript${UTF8}`,
  json: `application/json${UTF8}`,
  map: `application/json${UTF8}`,
  jsonld: `application/ld+json${UTF8}`,
  webmanifest: `application/manifest+json${UTF8}`,
  txt: `text/plain${UTF8}`,
  text: `text/plain${UTF8}`,
  md: `text/markdown${UTF8}`,
  markdown: `text/markdown${UTF8}`,
  csv: `text/csv${UTF8}`,
  tsv: `text/tab-separated-values${UTF8}`,
  ics: `text/calendar${UTF8}`,
  vtt: `text/vtt${UTF8}`,
  xml: `application/xml${UTF8}`,
  xhtml: `application/xhtml+xml${UTF8}`,
  rss: `application/rss+xml${UTF8}`,
  atom: `application/atom+xml${UTF8}`,
  svg: "image/svg+xml",
  pdf: "application/pdf",
  wasm: "application/wasm",
  // Images
  png: "image/png",
  apng: "image/apng",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  avif: "image/avif",
  ico: "image/x-icon",
  bmp: "image/bmp",
  tif: "image/tiff",
  tiff: "image/tiff",
  // Fonts
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
  eot: "application/vnd.ms-fontobject",
  // Audio and video
  mp4: "video/mp4",
  m4v: "video/mp4",
  webm: "video/webm",
  ogv: "video/ogg",
  mov: "video/quicktime",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  aac: "audio/aac",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/opus",
  wav: "audio/wav",
  flac: "audio/flac",
  // Archives and binaries
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  br: "application/x-brotli",
  zst: "application/zstd",
  tar: "application/x-tar",
  "7z": "application/x-7z-compressed",
  bin: "application/octet-stream",
});

/**
 * The `Content-Type` for a path (`/assets/app.v2.js`), a file name, or a bare extension
 * (`js` or `.js`); case-insensitive. Text types carry `; charset=utf-8`. Undefined when unknown.
 */
export function contentTypeFor(pathOrExt: string): string | undefined {
  if (typeof pathOrExt !== "string") return undefined;
  const segmentStart = Math.max(pathOrExt.lastIndexOf("/"), pathOrExt.lastIndexOf("\\")) + 1;
  const dot = pathOrExt.lastIndexOf(".");
  const ext = dot >= segmentStart ? pathOrExt.slice(dot + 1) : pathOrExt.slice(segmentStart);
  if (ext.length === 0) return undefined;
  return TYPES[ext.toLowerCase()];
}

// Already-compressed formats that look compressible by family are listed as exceptions.
const COMPRESSIBLE_EXACT: ReadonlySet<string> = new Set([
  "application/json",
  "application/javascript",
  "application/x-javascript",
  "application/ecmascript",
  "application/xml",
  "application/x-www-form-urlencoded",
  "application/wasm", // Binary, but WebAssembly modules typically shrink by half or more.
  "application/vnd.ms-fontobject",
  "application/x-ndjson",
  "application/graphql-response+json",
  "image/svg+xml",
  "font/ttf",
  "font/otf",
  "font/collection",
  "application/font-sfnt",
  "application/x-font-ttf",
]);

/**
 * Whether compressing a body of this `Content-Type` is worthwhile: text, JSON, JavaScript, XML
 * (including SVG), WebAssembly and uncompressed fonts. Not images other than SVG, WOFF/WOFF2 fonts,
 * audio, video, archives or other already-compressed data. Parameters are ignored.
 * `text/event-stream` is excluded: a compressor holds events back unless every write is flushed.
 */
export function isCompressible(contentType: string | undefined): boolean {
  if (typeof contentType !== "string") return false;
  const semicolon = contentType.indexOf(";");
  const essence = (semicolon === -1 ? contentType : contentType.slice(0, semicolon))
    .trim()
    .toLowerCase();
  if (essence.startsWith("text/")) return essence !== "text/event-stream";
  if (COMPRESSIBLE_EXACT.has(essence)) return true;
  return (
    essence.startsWith("application/") && (essence.endsWith("+json") || essence.endsWith("+xml"))
  );
}
