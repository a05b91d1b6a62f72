/**
 * A strict HTTP/1.1 response parser for `app.inject()` results and protocol tests. It reads a
 * whole exchange (every byte the server wrote on one connection) and refuses anything a careful
 * client would refuse: bare LF, obs-fold, bad field names, conflicting or malformed framing, a
 * body shorter than its Content-Length, bytes after a close-delimited body.
 */

export class ResponseParseError extends Error {
  /** Offset in the exchange where the problem was found. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset} of the response stream)`);
    this.name = "ResponseParseError";
    this.offset = offset;
  }
}

/**
 * Response header fields in arrival order, read like fetch's `Headers`: names are
 * case-insensitive, `get` joins repeated fields with ", ", `getSetCookie` keeps each line.
 */
export class ResponseFieldList implements Iterable<[string, string]> {
  readonly #fields: ReadonlyArray<[string, string]>;

  /** `raw` is a flat `[name, value, name, value, …]` list as received. */
  constructor(raw: readonly string[]) {
    const fields: Array<[string, string]> = [];
    for (let index = 0; index + 1 < raw.length; index += 2) {
      fields.push([raw[index]!.toLowerCase(), raw[index + 1]!]);
    }
    this.#fields = fields;
  }

  /** Every value of `name` joined with ", ", or null when absent (as fetch's `Headers.get`). */
  get(name: string): string | null {
    const values = this.getAll(name);
    return values.length === 0 ? null : values.join(", ");
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const values: string[] = [];
    for (const [field, value] of this.#fields) if (field === lower) values.push(value);
    return values;
  }

  getSetCookie(): string[] {
    return this.getAll("set-cookie");
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    return this.#fields.some(([field]) => field === lower);
  }

  /** One entry per field line, lowercased names, in arrival order. */
  entries(): IterableIterator<[string, string]> {
    return this.#fields.map(([name, value]): [string, string] => [name, value]).values();
  }

  keys(): IterableIterator<string> {
    return this.#fields.map(([name]) => name).values();
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}

export interface ParsedResponse {
  /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
  readonly versionMinor: number;
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseFieldList;
  /** Flat `[name, value, …]` list with the names as sent. */
  readonly rawHeaders: string[];
  /** The payload with any chunked framing removed. */
  readonly body: Buffer;
  /** Trailer fields of a chunked body (flat list). */
  readonly trailers: string[];
  /** The exact bytes of this response, head and framing included. */
  readonly raw: Buffer;
}

export interface ParseResponsesOptions {
  /**
   * For each request sent, in order, whether it was a HEAD request (its response has no body
   * whatever its headers say). Interim 1xx responses do not use up an entry.
   */
  readonly headRequests?: readonly boolean[];
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5][0-9]{2}) ([\t\x20-\x7e\x80-\xff]*)$/;
const CRLF = Buffer.from("\r\n");

/** Parses every response in `exchange`, which must end exactly where the last response ends. */
export function parseResponses(
  exchange: Buffer,
  options: ParseResponsesOptions = {},
): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  const headRequests = options.headRequests ?? [];
  let position = 0;
  let finals = 0;
  while (position < exchange.length) {
    const isHead = headRequests[finals] === true;
    const { response, end, switched } = parseOne(exchange, position, isHead);
    responses.push(response);
    position = end;
    if (response.status >= 200) finals++;
    if (switched) break;
  }
  return responses;
}

function readLine(
  exchange: Buffer,
  position: number,
  part = "head",
): { line: string; next: number } {
  const end = exchange.indexOf(CRLF, position);
  if (end === -1) throw new ResponseParseError(`Truncated ${part}: no CRLF`, exchange.length);
  const line = exchange.toString("latin1", position, end);
  const bareLf = line.indexOf("\n");
  if (bareLf !== -1) throw new ResponseParseError("Bare LF in the head", position + bareLf);
  if (line.includes("\r")) throw new ResponseParseError("Bare CR in the head", position);
  return { line, next: end + 2 };
}

/** Reads field lines up to the empty line; returns the flat list and the offset after it. */
function readFields(
  exchange: Buffer,
  start: number,
  part = "head",
): { raw: string[]; next: number } {
  const raw: string[] = [];
  let position = start;
  for (;;) {
    const { line, next } = readLine(exchange, position, part);
    if (line === "") return { raw, next };
    if (line.startsWith(" ") || line.startsWith("\t")) {
      throw new ResponseParseError("Obsolete line folding in a field", position);
    }
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) {
      throw new ResponseParseError(`Invalid field line ${JSON.stringify(line)}`, position);
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) {
      throw new ResponseParseError(`Invalid characters in the value of '${name}'`, position);
    }
    raw.push(name, value);
    position = next;
  }
}

function parseOne(
  exchange: Buffer,
  start: number,
  isHead: boolean,
): { response: ParsedResponse; end: number; switched: boolean } {
  const statusLine = readLine(exchange, start);
  const match = STATUS_LINE.exec(statusLine.line);
  if (match === null) {
    throw new ResponseParseError(
      `Invalid status line ${JSON.stringify(statusLine.line.slice(0, 80))}`,
      start,
    );
  }
  const versionMinor = Number(match[1]);
  const status = Number(match[2]);
  const { raw, next: bodyStart } = readFields(exchange, statusLine.next);
  const headers = new ResponseFieldList(raw);
  const framing = framingOf(headers, versionMinor, bodyStart);

  let body: Buffer;
  let trailers: string[] = [];
  let end: number;
  if (isHead || status < 200 || status === 204 || status === 304) {
    if ((status === 204 || status < 200) && framing.kind !== "close") {
      throw new ResponseParseError(`A ${status} response must not have framing headers`, start);
    }
    body = Buffer.alloc(0);
    end = bodyStart;
  } else if (framing.kind === "length") {
    end = bodyStart + framing.length;
    if (end > exchange.length) {
      throw new ResponseParseError(
        `Truncated body: Content-Length ${framing.length}, got ${exchange.length - bodyStart} bytes`,
        exchange.length,
      );
    }
    body = exchange.subarray(bodyStart, end);
  } else if (framing.kind === "chunked") {
    ({ body, trailers, end } = readChunked(exchange, bodyStart));
  } else {
    // Close-delimited: the rest of the exchange, so this must be the last response.
    body = exchange.subarray(bodyStart);
    end = exchange.length;
  }
  const response: ParsedResponse = {
    versionMinor,
    status,
    statusText: match[3]!,
    headers,
    rawHeaders: raw,
    body,
    trailers,
    raw: exchange.subarray(start, end),
  };
  return { response, end, switched: status === 101 };
}

type Framing = { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

function framingOf(headers: ResponseFieldList, versionMinor: number, offset: number): Framing {
  const lengths = headers.getAll("content-length");
  const encodings = headers.getAll("transfer-encoding");
  if (lengths.length > 0 && encodings.length > 0) {
    throw new ResponseParseError("Both Content-Length and Transfer-Encoding", offset);
  }
  if (encodings.length > 0) {
    if (versionMinor === 0) {
      throw new ResponseParseError("Transfer-Encoding in an HTTP/1.0 response", offset);
    }
    if (encodings.length !== 1 || encodings[0]!.toLowerCase() !== "chunked") {
      throw new ResponseParseError(
        `Unsupported Transfer-Encoding ${JSON.stringify(encodings.join(", "))}`,
        offset,
      );
    }
    return { kind: "chunked" };
  }
  if (lengths.length > 1) throw new ResponseParseError("More than one Content-Length", offset);
  if (lengths.length === 1) {
    if (!/^[0-9]{1,15}$/.test(lengths[0]!)) {
      throw new ResponseParseError(`Invalid Content-Length ${JSON.stringify(lengths[0])}`, offset);
    }
    return { kind: "length", length: Number(lengths[0]) };
  }
  return { kind: "close" };
}

const CHUNK_LINE = /^([0-9A-Fa-f]{1,12})((?:[ \t]*;[^\r\n]*)?)$/;

function readChunked(
  exchange: Buffer,
  start: number,
): { body: Buffer; trailers: string[]; end: number } {
  const chunks: Buffer[] = [];
  let position = start;
  for (;;) {
    const { line, next } = readLine(exchange, position, "chunked body");
    const match = CHUNK_LINE.exec(line);
    if (match === null) {
      throw new ResponseParseError(`Invalid chunk size line ${JSON.stringify(line)}`, position);
    }
    const size = Number.parseInt(match[1]!, 16);
    if (size === 0) {
      const { raw, next: end } = readFields(exchange, next, "chunked body");
      return { body: Buffer.concat(chunks), trailers: raw, end };
    }
    const dataEnd = next + size;
    if (dataEnd + 2 > exchange.length) {
      throw new ResponseParseError("Truncated chunked body", exchange.length);
    }
    if (exchange[dataEnd] !== 0x0d || exchange[dataEnd + 1] !== 0x0a) {
      throw new ResponseParseError("Chunk data not followed by CRLF", dataEnd);
    }
    chunks.push(exchange.subarray(next, dataEnd));
    position = dataEnd + 2;
  }
}
