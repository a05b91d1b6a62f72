import type { Request, Response } from "../../../src/index.js";
import { html } from "../../../src/index.js";
import { renderPage } from "../layout.js";

const FEATURES = [
  {
    href: "/account",
    title: "Encrypted sessions",
    text: "Sign in and watch a visit counter live in an AES-256-GCM sealed cookie the browser cannot read or forge.",
  },
  {
    href: "/cookies",
    title: "Cookies, normal and secret",
    text: "A plain cookie next to the session cookie, exactly as the browser sends them back.",
  },
  {
    href: "/guestbook",
    title: "Forms & escaping",
    text: "Validated form posts, CSRF tokens, and templates that escape every value: try a <script> tag.",
  },
  {
    href: "/files",
    title: "Streaming uploads",
    text: "Multipart uploads streamed to disk with size limits; downloads with Range and ETags.",
  },
  {
    href: "/notes",
    title: "JSON API",
    text: "A small REST API with Standard Schema validation and JSON errors.",
  },
  {
    href: "/stream",
    title: "Server-sent events",
    text: "An async generator as the response body, one event per second, live in the page.",
  },
] as const;

const EXAMPLE = `import { Server, html } from "slow-serv";

const app = new Server();

app.get("/hello/:name", (request, response) => {
  response.html(html\`<h1>Hello, \${request.params.name}!</h1>\`);
});

await app.run({ port: 8000 });`;

export function homePage(request: Request, response: Response): void {
  const cards = FEATURES.map(
    (feature) => html`<a class="card card-link" href="${feature.href}">
      <h3>${feature.title}</h3><p>${feature.text}</p><span class="card-more">Open →</span></a>`,
  );
  renderPage(
    request,
    response,
    html`<section class="hero">
  <div>
    <p class="eyebrow">HTTP/1.1 server + microframework for TypeScript</p>
    <h1>Small apps, strict HTTP, <span class="accent">no magic</span>.</h1>
    <p class="lead">This whole site is one slow-serv app: routes, hooks, escaping templates,
      encrypted sessions, uploads, a JSON API and a live stream, in a handful of small files.</p>
    <p class="hero-actions"><a class="button" href="/account">Try the session</a>
      <a class="button button-ghost" href="/guestbook">Sign the guestbook</a></p>
  </div>
  <img class="hero-logo" src="/static/logo.svg" alt="slow-serv logo" width="160" height="160">
</section>
<section>
  <h2>What you can try here</h2>
  <div class="grid">${cards}</div>
</section>
<section class="two-col">
  <div>
    <h2>A whole app</h2>
    <pre class="code"><code>${EXAMPLE}</code></pre>
  </div>
  <div>
    <h2>This request</h2>
    <dl class="facts">
      <dt>Method</dt><dd><code>${request.method}</code></dd>
      <dt>Path</dt><dd><code>${request.url}</code></dd>
      <dt>Request id</dt><dd><code>${request.id}</code></dd>
      <dt>Your address</dt><dd><code>${request.ip}</code></dd>
      <dt>User agent</dt><dd>${request.headers.get("user-agent") ?? "(none)"}</dd>
    </dl>
    <p class="muted">Responses carry <code>Server-Timing</code> and <code>X-Response-Time</code>
      headers from an after hook. Broken links get a <a href="/no-such-page">friendly 404</a>,
      wrong methods a <a href="/signout">405</a>.</p>
  </div>
</section>`,
    { title: "Home", nav: "/" },
  );
}
