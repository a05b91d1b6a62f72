import { HttpError } from "../wire/http-error.js";
import { statusText } from "../wire/status.js";
import { appendVary } from "./compress.js";
import { loggable } from "./log-value.js";
import { preferredMediaType } from "./negotiate.js";
import type { Request } from "./request.js";
import type { Response } from "./response.js";
import { html } from "./template.js";

const OFFERS = ["text/html", "application/json", "text/plain"];

/** Headers that describe the failed body and must not survive into the error response. */
const BODY_HEADERS = [
  "content-type",
  "content-length",
  "content-encoding",
  "content-disposition",
  "etag",
  "last-modified",
  "content-range",
];

/**
 * The default error response, in the format the client prefers (HTML, JSON or text). 4xx messages
 * are shown as written; 5xx show only the reason phrase unless `development` is on, which adds the
 * stack. Headers set earlier (cookies, request id) are kept; body headers are dropped. The
 * response varies by Accept.
 */
export function renderErrorResponse(
  error: unknown,
  request: Request,
  response: Response,
  development: boolean,
): void {
  const httpError = asHttpError(error);
  const status = httpError?.status ?? 500;
  const reason = statusText(status);
  const message = httpError?.expose ? httpError.message : reason;
  const detail = development && status >= 500 ? stackOf(error) : undefined;
  const details = httpError?.expose ? serializable(httpError.details) : undefined;

  // A stream the failed response had set (e.g. an open file) is replaced: release it now.
  try {
    const previous = response.body as { destroy?: () => void } | null | undefined;
    if (typeof previous?.destroy === "function") previous.destroy();
  } catch {
    // A body whose destroy throws is dropped all the same.
  }
  const headers = response.headers;
  for (const name of BODY_HEADERS) headers.delete(name);
  if (httpError !== undefined)
    for (const [name, value] of Object.entries(httpError.headers)) headers.set(name, value);
  if (httpError?.close) headers.set("connection", "close");
  // The format follows Accept, so a shared cache must not give a JSON 404 to a browser.
  appendVary(headers, "Accept");
  response.status = status;
  response.ended = true;

  const type = preferredMediaType(request.headers.get("accept"), OFFERS) ?? "text/plain";
  if (type === "application/json") {
    const payload: Record<string, unknown> = { status, error: reason, message };
    if (details !== undefined) payload.details = details;
    if (detail !== undefined) payload.stack = detail;
    response.json(payload);
  } else if (type === "text/html") {
    response.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} ${reason}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}pre{background:#f4f4f4;padding:1rem;overflow:auto;font-size:13px}</style></head>
<body><h1>${status} ${reason}</h1>${message === reason ? "" : html`<p>${message}</p>`}${
      details === undefined ? "" : html`<pre>${JSON.stringify(details, null, 2)}</pre>`
    }${detail === undefined ? "" : html`<pre>${detail}</pre>`}</body></html>
`);
  } else {
    let text = message === reason ? `${status} ${reason}\n` : `${status} ${reason}: ${message}\n`;
    if (details !== undefined) text += `${JSON.stringify(details, null, 2)}\n`;
    if (detail !== undefined) text += `\n${detail}\n`;
    response.text(text);
  }
}

/**
 * `error` if it is an HttpError. Never throws: a thrown Proxy can make `instanceof` itself throw,
 * and this runs while reporting that very failure.
 */
export function asHttpError(error: unknown): HttpError | undefined {
  try {
    return error instanceof HttpError ? error : undefined;
  } catch {
    return undefined;
  }
}

/** The stack of a thrown Error for development pages; undefined for anything unreadable. */
function stackOf(error: unknown): string | undefined {
  try {
    if (!(error instanceof Error)) return undefined;
    const stack = error.stack;
    return typeof stack === "string" ? stack : String(error);
  } catch {
    return undefined;
  }
}

/** `details` as given if JSON can encode it, else a copy that it can (BigInt, cycles…). */
function serializable(details: unknown): unknown {
  try {
    JSON.stringify(details);
    return details;
  } catch {
    return loggable(details);
  }
}
