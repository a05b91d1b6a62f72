import { type InjectTarget, injectRaw } from "../inject.js";

/** Connection facts a host may pass to `app.fetch(request, info)`; all optional. */
export interface AppFetchInfo {
  /** The client's address as the host saw it. Default "127.0.0.1". */
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

/** Hop-by-hop and framing fields: the engine's business on each side, never copied across. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "content-length",
  "host",
]);

/** Statuses a fetch `Response` must have no body for. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * `app.fetch(request)`: a slow-serv app as a fetch handler. The `Request` is written out as
 * HTTP/1.1 bytes and served through the same parser, connection and writer as real traffic (the
 * `app.inject()` machinery, no socket), and the bytes written back become a `Response`. So
 * routing, hooks, sessions, CSRF, bodies, validation, static files, compression and error pages
 * behave exactly as on the engine, with these differences: one request per call (no keep-alive
 * or pipelining), the whole request body is read before the app starts and the whole response
 * before the promise resolves (an endless stream never resolves), and the connection facts are the
 * URL's scheme plus whatever `info` says.
 */
export async function fetchThroughApp(
  target: InjectTarget,
  request: Request,
  info: AppFetchInfo = {},
): Promise<Response> {
  if (!(request instanceof Request)) {
    throw new TypeError(
      'app.fetch() takes a Request, e.g. app.fetch(new Request("http://localhost/"))',
    );
  }
  const url = new URL(request.url);
  const method = request.method;
  const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
  let head = `${method} ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
  for (const [name, value] of request.headers) {
    if (HOP_BY_HOP.has(name) || name === "set-cookie") continue;
    head += `${name}: ${value}\r\n`;
  }
  if (body !== undefined) head += `Content-Length: ${body.length}\r\n`;
  head += "Connection: close\r\n\r\n";
  const bytes = Buffer.from(head, "latin1");
  const responses = await injectRaw(
    target,
    body === undefined ? bytes : Buffer.concat([bytes, body]),
    {
      remoteAddress: info.remoteAddress,
      remotePort: info.remotePort,
      encrypted: url.protocol === "https:",
    },
  );
  const final = responses.filter((response) => response.status >= 200);
  const answer = final[0];
  if (answer === undefined) {
    throw new Error(`The app closed the connection without answering ${method} ${url.pathname}`);
  }
  const headers = new Headers();
  for (const [name, value] of answer.headers.entries()) {
    if (name === "connection" || name === "keep-alive" || name === "transfer-encoding") continue;
    headers.append(name, value);
  }
  const hasBody = method !== "HEAD" && !NULL_BODY.has(answer.status);
  return new Response(hasBody ? answer.body : null, {
    status: answer.status,
    statusText: answer.statusText,
    headers,
  });
}
