import { createHash } from "node:crypto";
import { parseEntityTagList, weakMatch } from "../app/conditional.js";
import type { Request } from "../app/request.js";
import { isJsonObject, type Response } from "../app/response.js";
import type { ServerPlugin } from "../app/server.js";
import { SafeHtml } from "../app/template.js";
import { ConfigError } from "../wire/options.js";
import { checkOptionNames } from "./options.js";

export interface EtagOptions {
  /** Bodies larger than this many bytes are not hashed (the hash costs CPU). Default 1 MiB. */
  maxBytes?: number;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(["maxBytes"]);

/**
 * Headers a 304 keeps (RFC 9110 §15.4.5): the ones a 200 would carry that guide caches. The
 * representation's own metadata (Content-Type, Content-Language…) is left out.
 */
const DROPPED_ON_304 = [
  "content-type",
  "content-language",
  "content-disposition",
  "content-length",
];

/**
 * ETags and conditional GET for dynamic responses. After the handler (and the app's after hooks),
 * a 200 answer to GET or HEAD whose body is already in memory (text, bytes, `html`, JSON) gets a
 * tag hashed from its bytes, unless the handler set an ETag itself; a request whose
 * `If-None-Match` lists that tag is answered 304 with no body. Streams are not buffered to be
 * hashed: they pass untouched.
 *
 * The tags are weak (`W/"…"`): they promise the same content, not the same bytes on the wire,
 * which is what a dynamic body can keep — compression may encode it differently per request, and
 * If-None-Match compares weakly anyway. (A strong tag would also invite Range requests with
 * If-Range, which dynamic responses do not serve.)
 *
 *     app.use(etagPlugin());
 */
export function etagPlugin(options: EtagOptions = {}): ServerPlugin {
  checkOptionNames("etagPlugin", options, KNOWN_OPTIONS, "{ maxBytes: 1048576 }");
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ConfigError(
      `etagPlugin \`maxBytes\` must be a whole number of bytes ≥ 0, got ${String(maxBytes)}`,
    );
  }

  function tag(request: Request, response: Response): void {
    if (response.status !== 200 || (request.method !== "GET" && request.method !== "HEAD")) return;
    const headers = response.headers;
    let etag = headers.get("etag");
    if (etag === undefined) {
      const bytes = bufferedBody(response);
      if (bytes === undefined || bytes.byteLength > maxBytes) return;
      const digest = createHash("sha1").update(bytes).digest("base64url");
      etag = `W/"${bytes.byteLength.toString(16)}-${digest}"`;
      headers.set("etag", etag);
    }
    const condition = request.headers.get("if-none-match");
    if (condition === undefined) return;
    const listed = parseEntityTagList(condition);
    const current = etag;
    if (listed === "*" || listed.some((candidate) => weakMatch(candidate, current))) {
      response.status = 304;
      response.body = undefined;
      for (const name of DROPPED_ON_304) headers.delete(name);
    }
  }

  return { name: "etag", hooks: { after: [tag] } };
}

/**
 * The body's bytes as they will be sent, when it is already in memory. A body still in one of the
 * framework's richer forms (`html`, a JSON value) is converted here, with the Content-Type the
 * response would give it, so it is not serialised twice.
 */
function bufferedBody(response: Response): Uint8Array | undefined {
  const body = response.body;
  if (typeof body === "string") return Buffer.from(body);
  if (body instanceof Uint8Array) return body;
  let text: string | undefined;
  let type: string;
  if (body instanceof SafeHtml) {
    text = body.value;
    type = "text/html; charset=utf-8";
  } else if (typeof body === "number" || typeof body === "boolean") {
    text = JSON.stringify(body);
    type = JSON_TYPE;
  } else if (typeof body === "object" && body !== null && !isStream(body) && isJsonObject(body)) {
    text = JSON.stringify(body);
    type = JSON_TYPE;
  } else {
    return undefined;
  }
  if (typeof text !== "string") return undefined;
  if (!response.headers.has("content-type")) response.headers.set("content-type", type);
  response.body = text;
  return Buffer.from(text);
}

const JSON_TYPE = "application/json; charset=utf-8";

function isStream(body: object): boolean {
  return Symbol.asyncIterator in body || typeof (body as { pipe?: unknown }).pipe === "function";
}
