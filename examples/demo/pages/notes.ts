import type { Request, Response, Server } from "../../../src/index.js";
import { html, join, type SafeHtml } from "../../../src/index.js";
import { renderPage } from "../layout.js";
import type { DemoStore } from "../store.js";

const ENDPOINTS = [
  ["GET", "/api/notes", "All notes"],
  ["GET", "/api/notes/:id", "One note, or 404 JSON"],
  ["POST", "/api/notes", "Create from JSON {title, body}; 400 lists the issues"],
  ["DELETE", "/api/notes/:id", "Delete; 204, or 404 JSON"],
] as const;

/** A path that a narrow screen may break after a "/" only, never inside a segment. */
function breakablePath(path: string): SafeHtml {
  return html`<code class="path">${join(path.split("/"), html`/<wbr>`)}</code>`;
}

async function notesPage(request: Request, response: Response, store: DemoStore): Promise<void> {
  const notes = await store.notes.all();
  const endpoints = ENDPOINTS.map(
    ([method, path, what]) =>
      html`<tr><td><span class="method method-${method.toLowerCase()}">${method}</span></td><td>${breakablePath(path)}</td><td>${what}</td></tr>`,
  );
  const items = notes.map(
    (note) => html`<li class="note" data-id="${note.id}">
      <div><strong>${note.title}</strong>${note.body ? html`<p>${note.body}</p>` : ""}</div>
      <button type="button" class="button button-small button-ghost" data-delete-note="${note.id}">Delete</button></li>`,
  );
  renderPage(
    request,
    response,
    html`<h1>Notes API</h1>
<p class="lead">A JSON API validated with a hand-written <a href="https://standardschema.dev">Standard Schema</a>
  validator passed as the route's <code>schema</code> option.</p>
<div class="table-wrap"><table class="table">
  <thead><tr><th>Method</th><th>Path</th><th>What it does</th></tr></thead>
  <tbody>${endpoints}</tbody></table></div>
<pre class="code"><code>curl -X POST -H 'content-type: application/json' \\
  -d '{"title":"Hello","body":"From curl"}' http://${request.headers.get("host") ?? "127.0.0.1:8000"}/api/notes</code></pre>
<div class="two-col">
  <form class="form card" id="note-form" data-api="/api/notes">
    <label for="note-title">Title</label>
    <input id="note-title" name="title" maxlength="100" required>
    <label for="note-body">Body</label>
    <textarea id="note-body" name="body" rows="3" maxlength="2000"></textarea>
    <p class="field-error" id="note-error" hidden></p>
    <button class="button" type="submit">Add through the API</button>
  </form>
  <div><h2>Notes</h2>${
    notes.length === 0
      ? html`<p class="empty">No notes yet.</p>`
      : html`<ul class="notes">${items}</ul>`
  }</div>
</div>`,
    { title: "Notes API", nav: "/notes" },
  );
}

export function notesPageRoutes(app: Server, store: DemoStore): void {
  app.get("/notes", (request, response) => notesPage(request, response, store));
}
