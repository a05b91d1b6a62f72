// Progressive enhancement for the demo: every page works without this file, except the live
// stream and the notes form, which exist to show off client-side code.

function onReady(run) {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
}

function mobileNav() {
  const toggle = document.querySelector(".nav-toggle");
  const nav = document.getElementById("site-nav");
  if (!toggle || !nav) return;
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    toggle.setAttribute("aria-expanded", String(!open));
    nav.classList.toggle("open", !open);
  });
}

function documentCookies() {
  const target = document.getElementById("document-cookie");
  if (target) target.textContent = document.cookie || "(empty)";
}

function liveStream() {
  const box = document.getElementById("sse");
  if (!box || !window.EventSource) return;
  const time = document.getElementById("sse-time");
  const count = document.getElementById("sse-count");
  const status = document.getElementById("sse-status");
  const progress = document.getElementById("sse-progress");
  const source = new EventSource(box.dataset.source);
  let received = 0;
  source.addEventListener("open", () => {
    status.textContent = "live";
    status.className = "badge badge-live";
  });
  source.addEventListener("tick", (event) => {
    const data = JSON.parse(event.data);
    received += 1;
    time.textContent = new Date(data.time).toLocaleTimeString();
    count.textContent = String(received);
    progress.value = data.index;
  });
  source.addEventListener("done", () => {
    source.close();
    status.textContent = "finished";
    status.className = "badge";
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) status.textContent = "closed";
  });
}

function notesForm() {
  const form = document.getElementById("note-form");
  if (!form) return;
  const error = document.getElementById("note-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { title: form.elements.title.value, body: form.elements.body.value };
    const response = await fetch(form.dataset.api, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) return location.reload();
    const problem = await response.json().catch(() => ({}));
    const issues = problem.details?.issues ?? [];
    error.textContent = issues.length
      ? issues.map((issue) => issue.message).join(". ")
      : problem.message || `Failed (${response.status})`;
    error.hidden = false;
  });
  for (const button of document.querySelectorAll("[data-delete-note]")) {
    button.addEventListener("click", async () => {
      const response = await fetch(`/api/notes/${button.dataset.deleteNote}`, { method: "DELETE" });
      if (response.ok) button.closest("li").remove();
    });
  }
}

function chat() {
  const box = document.getElementById("chat");
  if (!box || !window.WebSocket) return;
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-text");
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const socket = new WebSocket(`${scheme}//${location.host}${box.dataset.socket}`);
  socket.addEventListener("open", () => {
    status.textContent = "connected";
  });
  socket.addEventListener("close", () => {
    status.textContent = "disconnected";
  });
  socket.addEventListener("message", (event) => {
    const entry = JSON.parse(event.data);
    const item = document.createElement("li");
    item.className = `chat-${entry.kind}`;
    // textContent, never innerHTML: a message is text, whatever it contains.
    item.textContent =
      entry.kind === "message"
        ? `${entry.user}: ${entry.text}`
        : `${entry.user} ${entry.kind === "join" ? "joined" : "left"}`;
    log.append(item);
    log.scrollTop = log.scrollHeight;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (socket.readyState !== WebSocket.OPEN || input.value.trim() === "") return;
    socket.send(input.value);
    input.value = "";
  });
}

onReady(() => {
  mobileNav();
  documentCookies();
  liveStream();
  notesForm();
  chat();
});
