/**
 * A deliberately plain, strict reading of request bytes (RFC 9110/9112 with slow-serv's documented
 * rules), written apart from the engine's parser and sharing none of its code: regular
 * expressions over latin1 strings instead of byte tables and offsets. The fuzz driver compares
 * the two; where they disagree, one of them is wrong.
 */

export interface ReferenceRequest {
  readonly method: string;
  readonly target: string;
  readonly body: Buffer;
}

export type ReferenceEnd =
  /** Every byte was consumed by complete requests (more may follow). */
  | "open"
  /** The input stops inside a head (or before a request-line ends): no answer is due. */
  | "partial-head"
  /** The input stops inside a body: the request is refused once the client's FIN arrives. */
  | "partial-body"
  /** A request said the connection ends after it: later bytes are ignored. */
  | "closed"
  /** The input is invalid at some point: one error response, then the connection closes. */
  | "error"
  /** Past a size limit the reference does not model exactly: no comparison. */
  | "unknown";

export interface ReferenceResult {
  readonly requests: ReferenceRequest[];
  readonly end: ReferenceEnd;
  /**
   * The method of a request whose head was accepted but whose body failed or was cut short: the
   * refusal answers that request (so a HEAD's refusal has no body).
   */
  readonly openMethod?: string;
}

export interface ReferenceLimits {
  /** The engine's maxBodyBytes: a larger declared or announced body is refused (413). */
  readonly maxBodyBytes: number;
}

/** Heads larger than this are left to the limit tests: the reference does not model 414/431. */
const MODELLED_HEAD_BYTES = 4096;
const MAX_FIELDS = 100;

const TCHAR = "[!#$%&'*+\\-.^_`|~0-9A-Za-z]";
const REQUEST_LINE = new RegExp(
  `^(${TCHAR}+) ([\\x21-\\x22\\x24-\\x5b\\x5d-\\x7e]+) HTTP/(\\d)\\.(\\d)$`,
);
const FIELD_LINE = new RegExp(`^(${TCHAR}+):[ \\t]*([\\t\\x20-\\x7e\\x80-\\xff]*?)[ \\t]*$`);
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{0,5})?$/;
const CONNECT_AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+):[0-9]{1,5}$/;
const ABSOLUTE = /^https?:\/\/([^/?]*)(.*)$/i;
const CONTENT_LENGTH = /^(?:0|[1-9][0-9]{0,14})$/;
const CHUNK_EXTENSIONS =
  /^(?:[ \t]*;[ \t]*[!#$%&'*+\-.^_`|~0-9A-Za-z]+(?:[ \t]*=[ \t]*(?:[!#$%&'*+\-.^_`|~0-9A-Za-z]+|"(?:[\t !#-[\]-~\x80-\xff]|\\[\t -~\x80-\xff])*"))?)*$/;
const NEVER_IN_HEAD = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\r(?!\n)/;

class Invalid extends Error {}
class Unknown extends Error {}
class Partial extends Error {
  constructor(readonly inBody: boolean) {
    super("partial");
  }
}

/** Reads `bytes` as a client's whole output on one connection. */
export function readReference(bytes: Buffer, limits: ReferenceLimits): ReferenceResult {
  const text = bytes.toString("latin1");
  const requests: ReferenceRequest[] = [];
  let at = 0;
  let openMethod: string | undefined;
  try {
    for (;;) {
      // Empty lines before a request-line are skipped (RFC 9112 §2.2).
      while (text.startsWith("\r\n", at)) at += 2;
      if (at === text.length) return { requests, end: "open" };
      if (text[at] === "\r" && at + 1 === text.length) return { requests, end: "partial-head" };
      const headEnd = text.indexOf("\r\n\r\n", at);
      const head = headEnd === -1 ? text.slice(at) : text.slice(at, headEnd + 2);
      if (head.length > MODELLED_HEAD_BYTES) throw new Unknown();
      checkBytes(head, headEnd === -1);
      if (headEnd === -1) throw new Partial(false);
      const lines = head.slice(0, -2).split("\r\n");
      if (lines.length > MAX_FIELDS + 1) throw new Unknown();
      const parsed = readHead(lines);
      openMethod = parsed.method;
      if (parsed.length > limits.maxBodyBytes) throw new Invalid();
      at = headEnd + 4;
      let body: Buffer;
      if (parsed.chunked) {
        const chunked = readChunked(text, at, limits);
        body = chunked.body;
        at = chunked.end;
      } else {
        if (text.length - at < parsed.length) throw new Partial(true);
        body = Buffer.from(text.slice(at, at + parsed.length), "latin1");
        at += parsed.length;
      }
      requests.push({ method: parsed.method, target: parsed.target, body });
      openMethod = undefined;
      if (!parsed.keepAlive) return { requests, end: "closed" };
    }
  } catch (failure) {
    if (failure instanceof Invalid) return { requests, end: "error", openMethod };
    if (failure instanceof Partial) {
      return { requests, end: failure.inBody ? "partial-body" : "partial-head", openMethod };
    }
    if (failure instanceof Unknown) return { requests, end: "unknown" };
    throw failure;
  }
}

/** Bytes no head may hold; a request-line must start with a method character. */
function checkBytes(head: string, unfinished: boolean): void {
  if (!new RegExp(`^${TCHAR}`).test(head)) throw new Invalid();
  // A CR at the very end of what arrived may still be followed by its LF.
  const checked = unfinished && head.endsWith("\r") ? head.slice(0, -1) : head;
  if (NEVER_IN_HEAD.test(checked)) throw new Invalid();
  // Every LF must end a CRLF (no bare LF; allowBareLf is off).
  if (/(?:^|[^\r])\n/.test(head)) throw new Invalid();
}

interface Head {
  method: string;
  target: string;
  length: number;
  chunked: boolean;
  keepAlive: boolean;
}

function readHead(lines: string[]): Head {
  const requestLine = REQUEST_LINE.exec(lines[0]!);
  if (requestLine === null) throw new Invalid();
  const [, method, target, major, minor] = requestLine as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  const fields: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const field = FIELD_LINE.exec(line);
    if (field === null) throw new Invalid();
    fields.push([field[1]!.toLowerCase(), field[2]!]);
  }
  if (major !== "1" || (minor !== "0" && minor !== "1")) throw new Invalid();
  const http11 = minor === "1";
  const values = (name: string): string[] => fields.filter(([n]) => n === name).map(([, v]) => v);

  const hosts = values("host");
  if (http11 ? hosts.length !== 1 : hosts.length > 1) throw new Invalid();
  if (hosts.some((host) => !HOST.test(host))) throw new Invalid();
  if (values("content-type").length > 1) throw new Invalid();
  for (const expect of values("expect")) {
    if (expect.toLowerCase() !== "100-continue") throw new Invalid();
  }
  const options = values("connection").flatMap(listOf);
  const close = options.includes("close");
  const keepAlive = http11 ? !close : options.includes("keep-alive") && !close;

  const lengths = values("content-length");
  if (lengths.length > 1) throw new Invalid();
  let length = 0;
  if (lengths.length === 1) {
    if (!CONTENT_LENGTH.test(lengths[0]!)) throw new Invalid();
    length = Number(lengths[0]);
  }
  const encodings = values("transfer-encoding");
  const chunked = encodings.length > 0;
  if (chunked) {
    if (!http11 || lengths.length > 0) throw new Invalid();
    const codings = encodings
      .flatMap((value) => value.split(","))
      .map(trim)
      .filter(Boolean);
    if (codings.at(-1)?.toLowerCase() !== "chunked") throw new Invalid();
    if (
      codings.filter((coding) => coding.toLowerCase().split(";")[0]!.trim() === "chunked")
        .length !== 1
    ) {
      throw new Invalid();
    }
    // Any other coding (gzip…) is not implemented: also a refusal (501).
    if (codings.length !== 1) throw new Invalid();
  }
  checkTarget(method, target);
  return { method, target, length, chunked, keepAlive };
}

function checkTarget(method: string, target: string): void {
  // CONNECT is refused whatever its form: slow-serv does not tunnel (501).
  if (method === "CONNECT") throw new Invalid();
  void CONNECT_AUTHORITY;
  let path: string;
  if (target.startsWith("/")) {
    path = target;
  } else if (target === "*") {
    if (method !== "OPTIONS") throw new Invalid();
    return;
  } else {
    const absolute = ABSOLUTE.exec(target);
    if (absolute === null || !HOST.test(absolute[1]!)) throw new Invalid();
    path = absolute[2]!;
  }
  const query = path.indexOf("?");
  if (/%0[0ad]/i.test(query === -1 ? path : path.slice(0, query))) throw new Invalid();
}

/** A chunked body (RFC 9112 §7.1) from `at`; the trailer section must be valid field lines. */
function readChunked(
  text: string,
  at: number,
  limits: ReferenceLimits,
): { body: Buffer; end: number } {
  const parts: string[] = [];
  let total = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    const line = lineEnd === -1 ? text.slice(at) : text.slice(at, lineEnd);
    const size = /^([0-9A-Fa-f]+)(.*)$/s.exec(line);
    if (size === null) {
      if (lineEnd === -1 && line === "") throw new Partial(true);
      throw new Invalid();
    }
    if (size[1]!.length > 12) throw new Unknown();
    checkChunkLine(size[2]!, lineEnd === -1);
    const chunkSize = Number.parseInt(size[1]!, 16);
    at = lineEnd + 2;
    if (chunkSize === 0) {
      const trailerEnd = text.startsWith("\r\n", at) ? at : text.indexOf("\r\n\r\n", at);
      const section =
        trailerEnd === -1
          ? text.slice(at)
          : text.slice(at, trailerEnd === at ? at : trailerEnd + 2);
      if (NEVER_IN_HEAD.test(section.endsWith("\r") ? section.slice(0, -1) : section))
        throw new Invalid();
      if (/(?:^|[^\r])\n/.test(section)) throw new Invalid();
      if (trailerEnd === -1) {
        if (section.length > 8 * 1024) throw new Unknown();
        throw new Partial(true);
      }
      if (section.length > 8 * 1024) throw new Unknown();
      const lines = section === "" ? [] : section.slice(0, -2).split("\r\n");
      if (lines.length > MAX_FIELDS) throw new Unknown();
      for (const trailer of lines) if (!FIELD_LINE.test(trailer)) throw new Invalid();
      return {
        body: Buffer.from(parts.join(""), "latin1"),
        end: (trailerEnd === at ? at : trailerEnd + 2) + 2,
      };
    }
    total += chunkSize;
    if (total > limits.maxBodyBytes) throw new Invalid();
    if (text.length - at < chunkSize) throw new Partial(true);
    parts.push(text.slice(at, at + chunkSize));
    at += chunkSize;
    if (text.length - at < 2) {
      if (text.slice(at) === "" || text.slice(at) === "\r") throw new Partial(true);
      throw new Invalid();
    }
    if (!text.startsWith("\r\n", at)) throw new Invalid();
    at += 2;
  }
}

/**
 * What follows the chunk size on its line: nothing, or extensions (RFC 9112 §7.1.1) of at most
 * 1 KiB. `unfinished`: the line's CRLF has not arrived; extensions are judged once their CR has.
 */
function checkChunkLine(rest: string, unfinished: boolean): void {
  if (rest === "" || (unfinished && rest === "\r")) {
    if (unfinished) throw new Partial(true);
    return;
  }
  if (!/^[ \t;]/.test(rest)) throw new Invalid();
  const cr = rest.indexOf("\r");
  if (rest.includes("\n") || (cr !== -1 && cr !== rest.length - 1) || (!unfinished && cr !== -1)) {
    throw new Invalid();
  }
  const extensions = cr === -1 ? rest : rest.slice(0, -1);
  if (extensions.length > 1024) throw new Invalid();
  if ((!unfinished || cr !== -1) && !CHUNK_EXTENSIONS.test(extensions)) throw new Invalid();
  if (unfinished) throw new Partial(true);
}

function listOf(value: string): string[] {
  return value
    .split(",")
    .map(trim)
    .filter(Boolean)
    .map((item) => item.toLowerCase());
}

function trim(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}
