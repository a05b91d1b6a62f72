import { isUtf8 } from "node:buffer";
import { requestSession, type SessionData } from "../session/plugin.js";
import type { Session } from "../session/session.js";
import type { RequestBody } from "../wire/body.js";
import type { RequestHead } from "../wire/head.js";
import { HttpError } from "../wire/http-error.js";
import { type ConnectionInfo, pathOf, WireRequest } from "../wire/request.js";
import { jsonTooDeep } from "./body/json-depth.js";
import { mediaTypeEssence, wellFormedEssence } from "./body/media-type.js";
import {
  collectMultipart,
  type MultipartLimits,
  type MultipartPart,
  multipartBoundary,
  parseMultipart,
} from "./body/multipart.js";
import { replayedBytes, replayedChunks } from "./body/peek.js";
import { parseQuery, type QueryParams } from "./body/query.js";
import { type FormFields, parseUrlencoded } from "./body/urlencoded.js";
import { canonicalPath } from "./canonical-path.js";
import { parseCookieHeader } from "./cookies.js";
import { serialisedOrigin } from "./origin.js";
import { clientAddress, type TrustPolicy } from "./proxy.js";

/** Settings a request needs from its server; shared by every request, never copied. */
export interface RequestSettings {
  readonly trustProxy: TrustPolicy;
  readonly maxQueryKeys: number;
  readonly maxFormFields: number;
  /** Deepest nesting of arrays/objects `json()` accepts (400 beyond). */
  readonly maxJsonDepth: number;
  readonly multipart: MultipartLimits;
  readonly requestIdHeader: string | false;
  nextRequestId(): string;
}

/** A form: its fields, and for multipart/form-data the uploaded files, each fully in memory. */
export interface ParsedForm {
  readonly fields: FormFields;
  readonly files: ReadonlyArray<{
    readonly name: string;
    readonly filename: string;
    readonly contentType: string;
    readonly bytes: Buffer;
  }>;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/;
const URLENCODED = "application/x-www-form-urlencoded";

/**
 * The request a handler sees. Everything beyond the wire request is computed on first use:
 * query, cookies, client address and host cost nothing for handlers that do not ask.
 */
export class Request<
  Params extends Record<string, string> = Record<string, string>,
> extends WireRequest {
  /** Path parameters of the matched route, percent-decoded. */
  params: Params;
  /** Outputs of the route's Standard Schema validators (`schema` route option). */
  valid: Readonly<Record<string, unknown>> = EMPTY_PARAMS;
  #state: Record<string, unknown> | undefined = undefined;
  readonly #settings: RequestSettings;
  #query: QueryParams | undefined = undefined;
  #cookies: Record<string, string> | undefined = undefined;
  #id: string | undefined = undefined;
  #bytes: Promise<Buffer> | undefined = undefined;
  #form: Promise<ParsedForm> | undefined = undefined;
  #path: string | HttpError | undefined = undefined;

  constructor(
    head: RequestHead,
    body: RequestBody | undefined,
    connection: ConnectionInfo,
    settings: RequestSettings,
  ) {
    super(head, body, connection);
    this.params = EMPTY_PARAMS as Params;
    this.#settings = settings;
  }

  /**
   * The canonical path (see canonical-path.ts): what the router matches and every hook should
   * check. A path the router refuses (a dot segment, a malformed escape: a 400) reads as sent.
   */
  override get path(): string {
    const path = this.#canonical();
    return typeof path === "string" ? path : pathOf(this.url);
  }

  /** @internal the canonical path for routing; throws the 400 for a path that has none. */
  routingPath(): string {
    const path = this.#canonical();
    if (typeof path !== "string") throw path;
    return path;
  }

  #canonical(): string | HttpError {
    if (this.#path === undefined) {
      try {
        this.#path = canonicalPath(pathOf(this.url));
      } catch (error) {
        this.#path = error as HttpError;
      }
    }
    return this.#path;
  }

  /** Per-request storage for hooks and handlers (e.g. the signed-in user); made on first use. */
  get state(): Record<string, unknown> {
    if (this.#state === undefined) this.#state = {};
    return this.#state;
  }

  /** Query parameters; repeated keys become arrays in order. */
  get query(): QueryParams {
    if (this.#query === undefined) {
      const mark = this.url.indexOf("?");
      this.#query = parseQuery(
        mark === -1 ? "" : this.url.slice(mark + 1),
        this.#settings.maxQueryKeys,
      );
    }
    return this.#query;
  }

  /** Cookies sent by the client (RFC 6265 parsing; malformed pairs are skipped). */
  get cookies(): Readonly<Record<string, string>> {
    if (this.#cookies === undefined) this.#cookies = parseCookieHeader(this.headers.get("cookie"));
    return this.#cookies;
  }

  /** The client's address; with `trustProxy`, taken from Forwarded / X-Forwarded-For. */
  get ip(): string {
    return clientAddress(this, this.#settings.trustProxy).ip;
  }

  /** "https" when the request came over TLS (or, with `trustProxy`, through an HTTPS proxy). */
  get protocol(): "http" | "https" {
    return clientAddress(this, this.#settings.trustProxy).protocol;
  }

  get secure(): boolean {
    return this.protocol === "https";
  }

  /**
   * The encrypted session (`new Server({ session: { keys } })`), opened on first use; reads and
   * writes like a plain object. Throws when sessions are off.
   */
  get session(): Session<SessionData> {
    return requestSession(this);
  }

  /** The host the client asked for, without the port; with `trustProxy`, the forwarded host. */
  get host(): string {
    return clientAddress(this, this.#settings.trustProxy).host;
  }

  /**
   * This server's origin as the client addressed it, `scheme://host[:port]` in the form browsers
   * send in `Origin` (lowercase, default port dropped); with `trustProxy`, the scheme and host the
   * trusted proxy reported. "null" when the request named no host (HTTP/1.0 without one).
   */
  get origin(): string {
    const address = clientAddress(this, this.#settings.trustProxy);
    if (address.host === "") return "null";
    return serialisedOrigin(`${address.protocol}://${address.authority}`);
  }

  /** The request id: the client's `X-Request-Id` (if valid) or a generated one. */
  get id(): string {
    if (this.#id === undefined) {
      const header = this.#settings.requestIdHeader;
      const given = header === false ? undefined : this.headers.get(header);
      this.#id =
        given !== undefined && /^[\w.:@/+=-]{1,128}$/.test(given)
          ? given
          : this.#settings.nextRequestId();
    }
    return this.#id;
  }

  /** The request id if something (a log line, an error report) already asked for it. */
  get idIfUsed(): string | undefined {
    return this.#id;
  }

  /** The media type of the body, lowercased, without parameters (e.g. "application/json"). */
  get contentType(): string | undefined {
    return wellFormedEssence(this.headers.get("content-type"));
  }

  /** The whole body, read once and kept, so hooks and the handler can both read it. */
  override bytes(): Promise<Buffer> {
    if (this.#bytes === undefined) this.#bytes = replayedBytes(this) ?? super.bytes();
    return this.#bytes;
  }

  /** The body as it arrives; from its first byte even after a hook peeked at it (peek.ts). */
  override [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return replayedChunks(this) ?? super[Symbol.asyncIterator]();
  }

  override async text(): Promise<string> {
    return (await this.bytes()).toString("utf8");
  }

  /**
   * The body parsed as JSON. Wrong content type: 415. Malformed, or nested deeper than
   * `maxJsonDepth`: 400. Too large: 413.
   */
  async json<T = unknown>(): Promise<T> {
    const type = this.contentType;
    if (type === undefined || !JSON_TYPE.test(type)) {
      this.#checkParams((essence) => JSON_TYPE.test(essence));
      throw new HttpError(415, "Expected a JSON body (Content-Type: application/json)");
    }
    const bytes = await this.bytes();
    // RFC 8259 §8.1: JSON between systems is UTF-8; decoding bad bytes to U+FFFD would hide it.
    if (!isUtf8(bytes)) throw new HttpError(400, "Malformed JSON body: not valid UTF-8");
    const text = bytes.toString("utf8");
    if (jsonTooDeep(text, this.#settings.maxJsonDepth)) {
      throw new HttpError(
        400,
        `Malformed JSON body: arrays and objects nest deeper than ${this.#settings.maxJsonDepth} levels (maxJsonDepth)`,
      );
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      const detail = error instanceof SyntaxError ? `: ${error.message}` : "";
      throw new HttpError(400, `Malformed JSON body${detail}`);
    }
  }

  /**
   * A form body: `application/x-www-form-urlencoded`, or `multipart/form-data` with its files in
   * memory (for large uploads stream them with `multipart()` instead). Other types: 415.
   */
  form(): Promise<ParsedForm> {
    // Kept, like bytes(): a multipart body can be read only once, and a hook (CSRF) may read it first.
    if (this.#form === undefined) this.#form = this.#parseForm();
    return this.#form;
  }

  async #parseForm(): Promise<ParsedForm> {
    const type = this.contentType;
    if (type === "application/x-www-form-urlencoded") {
      const fields = parseUrlencoded(await this.text(), {
        maxFields: this.#settings.maxFormFields,
      });
      return { fields, files: [] };
    }
    if (type === "multipart/form-data") {
      const boundary = multipartBoundary(this.headers.get("content-type"));
      return collectMultipart(this, boundary, this.#settings.multipart);
    }
    this.#checkParams((essence) => essence === "multipart/form-data" || essence === URLENCODED);
    throw new HttpError(
      415,
      "Expected a form body (application/x-www-form-urlencoded or multipart/form-data)",
    );
  }

  /**
   * The parts of a `multipart/form-data` body as they arrive; file parts can be piped to disk
   * without buffering: `await pipeline(part, createWriteStream(path))`.
   */
  multipart(limits?: Partial<MultipartLimits>): AsyncGenerator<MultipartPart> {
    if (this.contentType !== "multipart/form-data") {
      this.#checkParams((essence) => essence === "multipart/form-data");
      throw new HttpError(415, "Expected a multipart/form-data body");
    }
    const boundary = multipartBoundary(this.headers.get("content-type"));
    return parseMultipart(this, boundary, { ...this.#settings.multipart, ...limits });
  }

  /**
   * Called when the Content-Type did not parse or did not match: if its type/subtype is one the
   * caller accepts, only the parameters are broken (`boundary=`, an unterminated quote, a repeated
   * name), which is a malformed request (400), not an unsupported media type (415).
   */
  #checkParams(accepts: (essence: string) => boolean): void {
    const header = this.headers.get("content-type");
    const essence = mediaTypeEssence(header);
    if (essence !== undefined && wellFormedEssence(header) === undefined && accepts(essence)) {
      throw new HttpError(
        400,
        `Malformed Content-Type header: the parameters after "${essence}" are not valid ` +
          "(an empty, unterminated or repeated value such as boundary or charset)",
      );
    }
  }
}

const EMPTY_PARAMS: Readonly<Record<string, string>> = Object.freeze({});
