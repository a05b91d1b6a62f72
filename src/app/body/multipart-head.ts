import { HttpError } from "../../wire/http-error.js";
import { parseParams, scanToken, skipOws } from "./media-type.js";

/** What a part's header block says about it (RFC 7578 §4.2–4.4). */
export interface PartHead {
  readonly name: string;
  readonly filename: string | undefined;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly isFile: boolean;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function malformed(message: string): HttpError {
  return new HttpError(400, message);
}

/** Header lines as a null-prototype record with lowercased names and latin1 values. */
export function parseHeaderBlock(block: Buffer): Record<string, string> {
  const headers: Record<string, string> = Object.create(null);
  if (block.length === 0) return headers;
  for (const line of block.toString("latin1").split("\r\n")) {
    const first = line.charCodeAt(0);
    if (first === 0x20 || first === 0x09) {
      throw malformed("Multipart part header uses obsolete line folding");
    }
    const nameEnd = scanToken(line, 0);
    if (nameEnd === 0 || line.charCodeAt(nameEnd) !== 0x3a) {
      throw malformed("Malformed multipart part header line (expected name: value)");
    }
    const value = line.slice(nameEnd + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    // CR, LF (a bare line ending is not CRLF), NUL and other controls have no place in a value.
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) {
      throw malformed("Multipart part header value contains a control character");
    }
    const name = line.slice(0, nameEnd).toLowerCase();
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else if (name === "content-disposition" || name === "content-type") {
      throw malformed(`Multipart part has more than one ${name} header`);
    } else headers[name] = `${existing}, ${value}`;
  }
  return headers;
}

/**
 * Browsers escape `"` as `%22` and never escape `\`, so an old-IE path like `C:\dir\a.txt` must
 * survive: only `\"` and `\\` are treated as quoted-pairs.
 */
function unescapeLikeBrowsers(raw: string): string {
  return raw.includes("\\") ? raw.replace(/\\(["\\])/g, "$1") : raw;
}

/** Browsers send raw UTF-8 in name and filename; latin1 stays the fallback for legacy clients. */
function decodeFormValue(latin1: string): string {
  let text = latin1;
  if (/[\x80-\xff]/.test(latin1)) {
    try {
      text = strictUtf8.decode(Buffer.from(latin1, "latin1"));
    } catch {
      text = latin1;
    }
  }
  return text.includes("%") ? text.replace(/%(22|0d|0a)/gi, percentEscapeToChar) : text;
}

function percentEscapeToChar(_match: string, hex: string): string {
  return String.fromCharCode(Number.parseInt(hex, 16));
}

/** RFC 8187 ext-value: `charset'language'percent-encoded`, for UTF-8 and ISO-8859-1. */
function decodeExtValue(value: string): string {
  const match = /^([^']*)'[^']*'(.*)$/.exec(value);
  const charset = match?.[1]?.toLowerCase();
  if (match === null || (charset !== "utf-8" && charset !== "iso-8859-1")) {
    throw malformed("Malformed filename* in multipart Content-Disposition (expected UTF-8''...)");
  }
  const encoded = match[2]!;
  const bytes: number[] = [];
  for (let index = 0; index < encoded.length; index++) {
    const code = encoded.charCodeAt(index);
    if (code === 0x25) {
      const hex = encoded.slice(index + 1, index + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
        throw malformed("Malformed percent-encoding in multipart filename*");
      }
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else {
      bytes.push(code);
    }
  }
  if (charset === "iso-8859-1") return Buffer.from(bytes).toString("latin1");
  try {
    return strictUtf8.decode(Buffer.from(bytes));
  } catch {
    throw malformed("Multipart filename* is not valid UTF-8");
  }
}

/** C0 controls (NUL, CR, LF, tab…), DEL and the C1 controls. */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Keeps only the last path segment: clients (old IE, some scripts) send full paths, and a filename
 * must never let a handler write outside its upload directory. `.` and `..` become empty. Control
 * characters are removed first (a `%0D%0A` or `filename*` can carry them), so that a name put in
 * a header, a log line or a file system cannot split it or end early, and `.\0.` cannot become `..`.
 */
export function stripFilePath(filename: string): string {
  const clean = filename.replace(CONTROLS, "");
  const base = clean.slice(Math.max(clean.lastIndexOf("/"), clean.lastIndexOf("\\")) + 1);
  return base === "." || base === ".." ? "" : base;
}

export function parsePartHead(block: Buffer): PartHead {
  const headers = parseHeaderBlock(block);
  const disposition = headers["content-disposition"];
  if (disposition === undefined) {
    throw malformed("Multipart part has no Content-Disposition header");
  }
  const typeStart = skipOws(disposition, 0);
  const typeEnd = scanToken(disposition, typeStart);
  const type = disposition.slice(typeStart, typeEnd).toLowerCase();
  if (type !== "form-data") {
    throw malformed(
      `Multipart part has Content-Disposition ${JSON.stringify(type)}, expected form-data`,
    );
  }
  const params = parseParams(disposition, typeEnd, unescapeLikeBrowsers);
  if (params === undefined) throw malformed("Malformed Content-Disposition in multipart part");
  if (params.name === undefined) {
    throw malformed("Multipart part has no name in its Content-Disposition");
  }
  const extended = params["filename*"];
  const rawFilename = extended === undefined ? params.filename : undefined;
  const filename =
    extended !== undefined
      ? stripFilePath(decodeExtValue(extended))
      : rawFilename === undefined
        ? undefined
        : stripFilePath(decodeFormValue(rawFilename));
  const isFile = filename !== undefined;
  return {
    name: decodeFormValue(params.name),
    filename,
    contentType: headers["content-type"] ?? (isFile ? "application/octet-stream" : "text/plain"),
    headers,
    isFile,
  };
}
