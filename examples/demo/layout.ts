import type { Request, Response, SafeHtml } from "../../src/index.js";
import { html } from "../../src/index.js";
import { csrfToken } from "./session.js";

const NAV = [
  { href: "/", label: "Home" },
  { href: "/account", label: "Account" },
  { href: "/cookies", label: "Cookies" },
  { href: "/guestbook", label: "Guestbook" },
  { href: "/files", label: "Files" },
  { href: "/notes", label: "Notes API" },
  { href: "/stream", label: "Live stream" },
  { href: "/chat", label: "Chat" },
] as const;

export type NavHref = (typeof NAV)[number]["href"];

export interface PageOptions {
  title: string;
  /** Which nav entry is highlighted. */
  nav?: NavHref;
  status?: number;
}

export type NoticeKind = "success" | "info" | "error";

/** A message shown once, on the page the next redirect lands on (POST-redirect-GET). */
export function flashNotice(request: Request, kind: NoticeKind, text: string): void {
  request.session.flash("notice", { kind, text });
}

function notice(request: Request): SafeHtml | string {
  const flashed = request.session.consumeFlash("notice") as
    | { kind?: unknown; text?: unknown }
    | undefined;
  if (typeof flashed?.text !== "string") return "";
  const kind = flashed.kind === "error" || flashed.kind === "success" ? flashed.kind : "info";
  return html`<div class="notice notice-${kind}" role="status">${flashed.text}</div>`;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(request: Request): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${csrfToken(request)}">`;
}

function header(request: Request, active: NavHref | undefined): SafeHtml {
  const user = request.session.user;
  const links = NAV.map(
    ({ href, label }) =>
      html`<li><a href="${href}"${href === active ? html` aria-current="page"` : ""}>${label}</a></li>`,
  );
  const account =
    typeof user === "string"
      ? html`<form method="post" action="/signout" class="signout">
          ${csrfField(request)}<span class="who">Hi, <strong>${user}</strong></span>
          <button type="submit" class="button button-small button-ghost">Sign out</button>
        </form>`
      : html`<a class="button button-small" href="/account">Sign in</a>`;
  return html`<header class="site-header">
  <div class="container header-inner">
    <a class="brand" href="/"><img src="/static/logo.svg" alt="" width="32" height="32"><span>slow-serv</span></a>
    <button class="nav-toggle" type="button" aria-expanded="false" aria-controls="site-nav">Menu</button>
    <nav id="site-nav" class="site-nav" aria-label="Main"><ul>${links}</ul></nav>
    <div class="account">${account}</div>
  </div>
</header>`;
}

export function layout(request: Request, content: SafeHtml, options: PageOptions): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · slow-serv demo</title>
<link rel="icon" href="/static/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/site.css">
<script src="/static/app.js" defer></script>
</head>
<body>
${header(request, options.nav)}
<main class="container main">
${notice(request)}
${content}
</main>
<footer class="site-footer">
  <div class="container footer-inner">
    <p>Served by <strong>slow-serv</strong>: HTTP/1.1 on raw <code>node:net</code> sockets, its own parser, no <code>node:http</code>.</p>
    <p><a href="/">Home</a> · <a href="/api/notes">JSON API</a> · <a href="/stream">Live stream</a></p>
  </div>
</footer>
</body>
</html>
`;
}

/** Renders `content` in the site layout as the response. */
export function renderPage(
  request: Request,
  response: Response,
  content: SafeHtml,
  options: PageOptions,
): void {
  response.html(layout(request, content, options), options.status);
}
