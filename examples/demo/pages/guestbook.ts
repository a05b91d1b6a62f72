import type { Request, Response, SafeHtml, Server } from "../../../src/index.js";
import { html } from "../../../src/index.js";
import { csrfField, flashNotice, renderPage } from "../layout.js";
import { guestbookEntryInput, issuesByField } from "../schema.js";
import { type DemoStore, type GuestbookEntry, newId } from "../store.js";

interface FormState {
  name: string;
  message: string;
  errors: Readonly<Record<string, string>>;
}

function field(fields: Record<string, unknown>, name: string): string {
  const value = fields[name];
  return typeof value === "string" ? value : "";
}

function entryForm(request: Request, state: FormState): SafeHtml {
  const { errors } = state;
  const invalid = (name: string) =>
    errors[name] ? html` aria-invalid="true" aria-describedby="${name}-error"` : "";
  const error = (name: string) =>
    errors[name] ? html`<p class="field-error" id="${name}-error">${errors[name]}</p>` : "";
  return html`<form method="post" action="/guestbook" class="form card" id="guestbook-form" novalidate>
    ${csrfField(request)}
    ${
      Object.keys(errors).length > 0
        ? html`<div class="notice notice-error" role="alert">Please fix the highlighted fields.</div>`
        : ""
    }
    <label for="gb-name">Name</label>
    <input id="gb-name" name="name" value="${state.name}" maxlength="40" required${invalid("name")}>
    ${error("name")}
    <label for="gb-message">Message</label>
    <textarea id="gb-message" name="message" rows="4" maxlength="500" required${invalid("message")}>${state.message}</textarea>
    ${error("message")}
    <button type="submit" class="button">Sign the guestbook</button>
  </form>`;
}

function entryList(entries: readonly GuestbookEntry[]): SafeHtml {
  if (entries.length === 0) return html`<p class="empty">No entries yet. Be the first!</p>`;
  const items = [...entries].reverse().map(
    (entry) => html`<li class="entry">
      <div class="entry-head"><strong>${entry.name}</strong>
        <time datetime="${entry.createdAt}">${entry.createdAt.slice(0, 16).replace("T", " ")} UTC</time></div>
      <p class="entry-message">${entry.message}</p></li>`,
  );
  return html`<ol class="entries" id="entries">${items}</ol>`;
}

async function render(
  request: Request,
  response: Response,
  store: DemoStore,
  state: FormState,
  status = 200,
): Promise<void> {
  const entries = await store.guestbook.all();
  renderPage(
    request,
    response,
    html`<h1>Guestbook</h1>
<p class="lead">Entries go through the escaping <code>html</code> template: markup you type shows
  up as text. Try <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>.</p>
<div class="two-col two-col-wide">
  <div>${entryForm(request, state)}</div>
  <div><h2>${entries.length} ${entries.length === 1 ? "entry" : "entries"}</h2>${entryList(entries)}</div>
</div>`,
    { title: "Guestbook", nav: "/guestbook", status },
  );
}

const MAX_ENTRIES = 200;

export function guestbookRoutes(app: Server, store: DemoStore): void {
  app.get("/guestbook", (request, response) => {
    const user = request.session.user;
    return render(request, response, store, {
      name: typeof user === "string" ? user : "",
      message: "",
      errors: {},
    });
  });

  app.post(
    "/guestbook",
    async (request, response) => {
      const { fields } = await request.form();
      const result = await guestbookEntryInput["~standard"].validate(fields);
      if (result.issues !== undefined) {
        const state = {
          name: field(fields, "name"),
          message: field(fields, "message"),
          errors: issuesByField(result.issues),
        };
        return render(request, response, store, state, 400);
      }
      await store.guestbook.update((entries) => {
        entries.push({ id: newId(), ...result.value, createdAt: new Date().toISOString() });
        // Keep the file small: the oldest entries go first.
        entries.splice(0, Math.max(0, entries.length - MAX_ENTRIES));
      });
      flashNotice(request, "success", "Thanks for signing the guestbook!");
      response.redirect("/guestbook", 303);
    },
    { bodyLimit: 16 * 1024 },
  );
}
