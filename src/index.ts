/**
 * slow-serv: an HTTP/1.1 server and microframework on raw node:net / node:tls sockets.
 * The public API; everything else is internal.
 */

export type { MultipartLimits, MultipartPart } from "./app/body/multipart.js";
export { allValues, firstValue, type QueryParams } from "./app/body/query.js";
export type { FormFields } from "./app/body/urlencoded.js";
export type { CompressionOptions } from "./app/compress.js";
export {
  type CookieOptions,
  type DeleteCookieOptions,
  decodeCookieValue,
  parseCookieHeader,
  ResponseCookies,
  serializeCookie,
} from "./app/cookies.js";
export type { FetchHandler, FetchInfo } from "./app/fetch/info.js";
export { RequestBodyError } from "./app/fetch/request.js";
export type { InjectConnectionOptions, InjectedResponse, InjectOptions } from "./app/inject.js";
export { consoleLogger, type Logger, silentLogger } from "./app/logger.js";
export { contentTypeFor, isCompressible } from "./app/mime.js";
export type { AfterHook, BeforeHook, ErrorHook, HandlerResult } from "./app/pipeline.js";
export type { ProxyTrust } from "./app/proxy.js";
export { type ParsedForm, Request } from "./app/request.js";
export { type JsonValue, Response, type ResponseBody } from "./app/response.js";
export type { RouteParams } from "./app/route-params.js";
export { RouteError } from "./app/router.js";
export type { Handler, Hooks, RouteOptions } from "./app/routes.js";
export { RouteGroup } from "./app/routes.js";
export {
  type AccessLogEntry,
  Server,
  type ServerOptions,
  type ServerPlugin,
} from "./app/server.js";
export { CookieSigner } from "./app/signed-cookies.js";
export {
  contentDisposition,
  type SendFileOptions,
  type StaticOptions,
  sendFile,
  serveStatic,
} from "./app/static.js";
export { escapeHtml, html, join, raw, SafeHtml, safeUrl } from "./app/template.js";
export type {
  RouteSchemas,
  StandardSchemaIssue,
  StandardSchemaResult,
  StandardSchemaV1,
  Validated,
  ValidationIssue,
} from "./app/validation.js";
export type { FetchAccessLogEntry } from "./edges/fetch/handler.js";
export { type FetchServer, type ServeOptions, serve } from "./edges/fetch/serve.js";
export { type Closable, runWorkers, type WorkerOptions } from "./edges/workers.js";
export type {
  InvalidSessionReason,
  SameSite,
  SessionClock,
  SessionOptions,
  SessionRevocationInfo,
} from "./session/config.js";
export { type CsrfOptions, csrfPlugin } from "./session/csrf-guard.js";
export { developmentKey } from "./session/dev-key.js";
export { SessionConfigError, SessionTooLargeError } from "./session/errors.js";
export { generateKey, type SessionKeyInput } from "./session/keys.js";
export { type SessionData, sessionPlugin } from "./session/plugin.js";
export type { Session, SessionControls } from "./session/session.js";
export { RequestHeaders } from "./wire/headers.js";
export { HttpError, type HttpErrorOptions, isHttpError } from "./wire/http-error.js";
export type { BoundAddress, ListenOptions } from "./wire/listener.js";
export { ConfigError, type HttpLimits, type HttpTimeouts } from "./wire/options.js";
export { ResponseHeaders } from "./wire/response-headers.js";
