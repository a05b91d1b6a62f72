import type { Request, Response, Server } from "../../../src/index.js";
import { html } from "../../../src/index.js";
import { csrfField, flashNotice, renderPage } from "../layout.js";
import { SESSION_COOKIE } from "../session.js";

/** The plain cookie, named as in the prototype's README (`response.cookie["name"] = "Leo"`). */
export const NORMAL_COOKIE = "name";

function isSessionCookie(name: string): boolean {
  // Chunks are "<name>.1", "<name>.2"; over HTTPS the name carries the __Host- prefix.
  const bare = name.replace(/^__Host-|^__Secure-/, "");
  return bare === SESSION_COOKIE || bare.startsWith(`${SESSION_COOKIE}.`);
}

function readable(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function cookiesPage(request: Request, response: Response): void {
  const sent = Object.entries(request.cookies);
  const secrets = request.session.secrets;
  const rows = sent.map(([name, value]) => {
    const secret = isSessionCookie(name);
    return html`<tr class="${secret ? "cookie-secret" : "cookie-normal"}">
      <td><code>${name}</code></td>
      <td><span class="badge ${secret ? "badge-secret" : ""}">${secret ? "secret (sealed)" : "normal"}</span></td>
      <td class="cookie-value"><code>${secret ? value : readable(value)}</code></td></tr>`;
  });
  renderPage(
    request,
    response,
    html`<h1>Cookies, normal and secret</h1>
<p class="lead">As in the prototype: one handler sets a normal cookie
  <code>name</code> and three secret values <code>a</code>, <code>b</code>, <code>c</code>. The secret
  values are sealed together into one encrypted session cookie: the browser stores a single opaque row.</p>
<div class="two-col">
  <form method="post" action="/cookies" class="form card">
    ${csrfField(request)}
    <label for="cookie-name">Value for the normal <code>name</code> cookie</label>
    <input id="cookie-name" name="name" value="Leo" maxlength="40">
    <button class="button" type="submit">Set both cookies</button>
  </form>
  <form method="post" action="/cookies/clear" class="form card">
    ${csrfField(request)}
    <p>Remove the normal cookie and the secret values again.</p>
    <button class="button button-ghost" type="submit">Clear</button>
  </form>
</div>
<h2>What your browser sent with this request</h2>
${
  sent.length === 0
    ? html`<p class="empty">No cookies yet. Use the form above.</p>`
    : html`<div class="table-wrap"><table class="table" id="cookie-table">
  <thead><tr><th>Cookie</th><th>Kind</th><th>Value as sent</th></tr></thead>
  <tbody>${rows}</tbody></table></div>`
}
<h2>What the server decrypted</h2>
<p>${
      secrets === undefined
        ? html`<span class="muted">No secret values in the session.</span>`
        : html`<code id="secrets">a=${secrets.a}, b=${secrets.b}, c=${secrets.c}</code>`
    }</p>
<h2>What page scripts can see</h2>
<p class="muted">The session cookie is <code>HttpOnly</code>, so <code>document.cookie</code> shows only the normal one:</p>
<pre class="code"><code id="document-cookie">(enable JavaScript to see document.cookie)</code></pre>`,
    { title: "Cookies", nav: "/cookies" },
  );
}

async function setCookies(request: Request, response: Response): Promise<void> {
  const { fields } = await request.form();
  const given = typeof fields.name === "string" ? fields.name.trim().slice(0, 40) : "";
  const value = given === "" ? "Leo" : given;
  response.cookies.set(NORMAL_COOKIE, encodeURIComponent(value), {
    path: "/",
    maxAge: 24 * 60 * 60,
    sameSite: "Lax",
    secure: request.secure,
  });
  request.session.secrets = { a: 1, b: 2, c: 3 };
  flashNotice(request, "success", "Set a normal cookie and three secret values.");
  response.redirect("/cookies", 303);
}

function clearCookies(request: Request, response: Response): void {
  response.cookies.delete(NORMAL_COOKIE, { path: "/" });
  delete request.session.secrets;
  flashNotice(request, "info", "Cleared the normal cookie and the secret values.");
  response.redirect("/cookies", 303);
}

export function cookieRoutes(app: Server): void {
  app.get("/cookies", cookiesPage);
  app.post("/cookies", setCookies);
  app.post("/cookies/clear", clearCookies);
}
