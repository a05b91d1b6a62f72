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
export type {
  AfterHook,
  AnyHandler,
  BeforeHook,
  ErrorHook,
  HandlerResult,
} from "./app/pipeline.js";
export type { ProxyTrust, TrustedProxies } from "./app/proxy.js";
export { type ParsedForm, Request } from "./app/request.js";
export {
  type JsonBody,
  type JsonObject,
  type JsonValue,
  type RedirectOptions,
  Response,
  type ResponseBody,
} from "./app/response.js";
export type { RouteParams } from "./app/route-params.js";
export { RouteError } from "./app/router.js";
export type { Handler, Hooks, RouteDefinition, RouteOptions } from "./app/routes.js";
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
export type { UpgradeListener, UpgradeRouteOptions } from "./app/ws/upgrade-route.js";
export type { WebSocketBehavior, WebSocketRouteOptions } from "./app/ws/ws-route.js";
export type { FetchAccessLogEntry } from "./edges/fetch/handler.js";
export {
  createHonoWebSocket,
  type HonoContextLike,
  type HonoEvents,
  type HonoSocketData,
  type HonoWebSocketModule,
  type HonoWSContextInit,
} from "./edges/fetch/hono-websocket.js";
export { type FetchServer, type ServeOptions, serve } from "./edges/fetch/serve.js";
export type {
  FetchWebSocket,
  ServeHandler,
  ServeInfo,
  UpgradeOptions,
} from "./edges/fetch/websocket.js";
export { type HealthOptions, healthPlugin } from "./edges/health.js";
export {
  type Closable,
  runWorkers,
  startWorkers,
  type WorkerOptions,
  type WorkerPool,
} from "./edges/workers.js";
export { type CorsOptions, corsPlugin } from "./plugins/cors.js";
export { type EtagOptions, etagPlugin } from "./plugins/etag.js";
export {
  MemoryRateLimitStore,
  type RateLimitHit,
  type RateLimitOptions,
  type RateLimitStore,
  rateLimitPlugin,
} from "./plugins/rate-limit.js";
export {
  type ReferrerPolicy,
  type SecurityHeadersOptions,
  securityHeadersPlugin,
} from "./plugins/security-headers.js";
export { type TimeoutOptions, timeoutPlugin } from "./plugins/timeout.js";
export type {
  InvalidSessionReason,
  SameSite,
  SessionClock,
  SessionOptions,
  SessionRevocationInfo,
} from "./session/config.js";
export { type CsrfOptions, csrfPlugin, type OriginTrust } from "./session/csrf-guard.js";
export { developmentKey } from "./session/dev-key.js";
export { SessionConfigError, SessionTooLargeError } from "./session/errors.js";
export { generateKey, type SessionKeyInput } from "./session/keys.js";
export { type SessionData, sessionPlugin } from "./session/plugin.js";
export type { Session, SessionControls } from "./session/session.js";
export { CookieJar } from "./testing/cookie-jar.js";
export {
  type Injectable,
  TestClient,
  type TestClientOptions,
  type TestRequest,
  testClient,
} from "./testing/test-client.js";
export { RequestHeaders } from "./wire/headers.js";
export { HttpError, type HttpErrorOptions, isHttpError } from "./wire/http-error.js";
export type { BoundAddress, ListenOptions } from "./wire/listener.js";
export { ConfigError, type HttpLimits, type HttpTimeouts } from "./wire/options.js";
export type { ProxyProtocolOptions } from "./wire/proxy-listener.js";
export { ResponseHeaders } from "./wire/response-headers.js";
export type { EngineSession, UpgradeHandler } from "./wire/upgrade.js";
export { CloseCode } from "./wire/websocket/close-codes.js";
export {
  type DeflateOptions,
  setMaxConcurrentJobs as setMaxWebSocketCompressionJobs,
} from "./wire/websocket/deflate.js";
export type { WebSocketLimits } from "./wire/websocket/options.js";
export type { PublishOptions, PublishRelay } from "./wire/websocket/topics.js";
export type {
  SendOptions,
  SendStatus,
  WebSocket,
  WebSocketHandler,
} from "./wire/websocket/websocket.js";
