import type { Request, Response, Server, StandardSchemaIssue } from "../../../src/index.js";
import { html } from "../../../src/index.js";
import { csrfField, flashNotice, renderPage } from "../layout.js";
import { issuesByField, signInInput } from "../schema.js";

function signInForm(
  request: Request,
  name: string,
  errors: Readonly<Record<string, string>>,
): ReturnType<typeof html> {
  return html`<form method="post" action="/signin" class="form card" novalidate>
    ${csrfField(request)}
    <label for="name">Your name</label>
    <input id="name" name="name" value="${name}" maxlength="40" autocomplete="nickname" required
      ${errors.name ? html`aria-invalid="true" aria-describedby="name-error"` : ""}>
    ${errors.name ? html`<p class="field-error" id="name-error">${errors.name}</p>` : ""}
    <button type="submit" class="button">Sign in</button>
    <p class="muted small">No password: this demo shows the session, not authentication.</p>
  </form>`;
}

function accountPage(request: Request, response: Response): void {
  const session = request.session;
  if (typeof session.user !== "string") {
    renderPage(
      request,
      response,
      html`<h1>Sign in</h1>
<p class="lead">Your name and a visit counter will live in an encrypted, HttpOnly session cookie.</p>
${signInForm(request, "", {})}`,
      { title: "Sign in", nav: "/account" },
    );
    return;
  }
  session.visits = (session.visits ?? 0) + 1;
  renderPage(
    request,
    response,
    html`<h1>Hello, <span class="user-name">${session.user}</span>!</h1>
<div class="card stat">
  <p class="stat-number" id="visit-count">${session.visits}</p>
  <p>visits to this page in this session. Reload to count up: the number is stored only in your
    encrypted cookie, the server keeps nothing.</p>
</div>
<p class="muted">Session id (safe to show, it is not the cookie): <code>${session.sessionId}</code></p>
<form method="post" action="/signout">${csrfField(request)}
  <button type="submit" class="button button-ghost">Sign out</button></form>`,
    { title: "Account", nav: "/account" },
  );
}

async function signIn(request: Request, response: Response): Promise<void> {
  const { fields } = await request.form();
  const result = await signInInput["~standard"].validate(fields);
  if (result.issues !== undefined) {
    const name = typeof fields.name === "string" ? fields.name : "";
    renderPage(
      request,
      response,
      html`<h1>Sign in</h1>${signInForm(request, name, issuesByField(result.issues as StandardSchemaIssue[]))}`,
      { title: "Sign in", nav: "/account", status: 400 },
    );
    return;
  }
  const session = request.session;
  // A new id and CSRF secret on every privilege change defeats session fixation.
  session.regenerate();
  session.user = result.value.name;
  session.visits = 0;
  flashNotice(request, "success", `Welcome, ${result.value.name}! You are signed in.`);
  response.redirect("/account", 303);
}

function signOut(request: Request, response: Response): void {
  const session = request.session;
  const name = session.user;
  session.destroy();
  flashNotice(request, "info", typeof name === "string" ? `Goodbye, ${name}.` : "Signed out.");
  response.redirect("/", 303);
}

export function accountRoutes(app: Server): void {
  app.get("/account", accountPage);
  app.post("/signin", signIn);
  app.post("/signout", signOut);
}
