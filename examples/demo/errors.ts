import type { ErrorHook, Request, Response, SafeHtml, Server } from "../../src/index.js";
import { HttpError, html } from "../../src/index.js";
// The reason phrases of the library's own error responses, so the two JSON shapes cannot differ.
import { statusText } from "../../src/wire/status.js";
import { renderPage } from "./layout.js";

/** Headers describing a body that failed half-way (e.g. a download) must not describe the error page. */
const BODY_HEADERS = [
  "content-type",
  "content-length",
  "content-disposition",
  "content-range",
  "etag",
  "last-modified",
];

const PAGES: Readonly<Record<number, { title: string; hint: SafeHtml }>> = {
  400: {
    title: "That didn't look right",
    hint: html`The request was malformed or a field was invalid. Go back and try again.`,
  },
  403: {
    title: "Not allowed",
    hint: html`Forms on this site only work from this site, and expire with your session. Reload the page you came from and submit again.`,
  },
  404: {
    title: "Page not found",
    hint: html`There is nothing at this address: check it for typos, or start again from the home page.`,
  },
  405: {
    title: "Method not allowed",
    hint: html`This address exists, but not for that kind of request.`,
  },
  413: {
    title: "That was too large",
    hint: html`The upload exceeds the size limit. <a href="/files">Pick a smaller file</a>.`,
  },
  415: {
    title: "Unsupported content",
    hint: html`The request body was not in a format this address accepts.`,
  },
  416: {
    title: "Range not satisfiable",
    hint: html`The requested part of the file is beyond its end. <a href="/files">Download the whole file</a> instead.`,
  },
};

function statusOf(error: unknown): number {
  return error instanceof HttpError ? error.status : 500;
}

function wantsJson(request: Request): boolean {
  if (request.path === "/api" || request.path.startsWith("/api/")) return true;
  const accept = request.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

function prepare(error: unknown, response: Response, status: number): void {
  for (const name of BODY_HEADERS) response.headers.delete(name);
  if (error instanceof HttpError) {
    for (const [name, value] of Object.entries(error.headers)) response.headers.set(name, value);
    if (error.close) response.headers.set("connection", "close");
  }
  response.status = status;
}

/**
 * Every failure becomes a page in the site layout (or JSON under /api): never a stack trace.
 * 5xx details are logged, not shown.
 */
export function errorPages(app: Server): ErrorHook {
  return (error, request, response) => {
    const status = statusOf(error);
    const exposed = error instanceof HttpError && error.expose;
    if (status >= 500) {
      app.logger.error("Unhandled error", {
        error,
        requestId: request.id,
        method: request.method,
        path: request.path,
      });
    }
    prepare(error, response, status);
    if (wantsJson(request)) {
      // The library's default shape ({ status, error, message, details }), always as JSON here.
      const reason = statusText(status);
      const body: Record<string, unknown> = {
        status,
        error: reason,
        message: exposed ? error.message : reason,
      };
      const details = exposed ? error.details : undefined;
      if (details !== undefined) body.details = details;
      response.json(body).end();
      return;
    }
    const page = PAGES[status] ?? {
      title: status >= 500 ? "Something went wrong" : "Request failed",
      hint: html`Sorry about that. Please try again in a moment.`,
    };
    renderPage(
      request,
      response,
      html`<div class="error-page">
  <p class="error-code">${status}</p>
  <h1>${page.title}</h1>
  ${exposed ? html`<p class="error-message">${error.message}</p>` : ""}
  <p>${page.hint}</p>
  <p><a class="button" href="/">Back to the home page</a></p>
</div>`,
      { title: page.title, status },
    );
    response.end();
  };
}
