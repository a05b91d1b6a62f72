import type { Request, Response, Server } from "../../../src/index.js";
import { HttpError, html } from "../../../src/index.js";
import { renderPage } from "../layout.js";

/**
 * Live chat: one WebSocket route, rooms as pub/sub topics, the sender's name from the session.
 * The page works as a plain form-less page without JavaScript; the chat itself needs it.
 */

const ROOM = /^[a-z0-9-]{1,32}$/;
const MAX_TEXT = 500;

interface ChatData {
  room: string;
  user: string;
}

function roomOf(request: Request): string {
  const room = request.query.room ?? "lobby";
  if (typeof room !== "string" || !ROOM.test(room)) {
    throw new HttpError(400, "A room name is 1–32 lowercase letters, digits or dashes");
  }
  return room;
}

function chatPage(request: Request, response: Response): void {
  const room = roomOf(request);
  const user = request.session.user;
  const body =
    typeof user !== "string"
      ? html`<h1>Chat</h1>
<p class="lead">Sign in first: messages carry the name in your session.</p>
<p><a class="button" href="/account">Sign in</a></p>`
      : html`<h1>Chat: <span id="chat-room">${room}</span></h1>
<p class="lead">Messages go over a WebSocket to everyone in this room (a pub/sub topic on the
  server). You are <strong class="user-name">${user}</strong>.</p>
<div class="card" id="chat" data-socket="/chat/${room}/socket">
  <p><span class="badge" id="chat-status">connecting…</span></p>
  <ul id="chat-log" class="chat-log" aria-live="polite"></ul>
  <form id="chat-form" class="form">
    <label for="chat-text">Message</label>
    <input id="chat-text" name="text" maxlength="${MAX_TEXT}" autocomplete="off" required>
    <button class="button" type="submit">Send</button>
  </form>
</div>
<p class="muted">Other rooms: <a href="/chat?room=lobby">lobby</a> · <a href="/chat?room=random">random</a></p>
<noscript><p class="notice notice-info">The chat needs JavaScript.</p></noscript>`;
  renderPage(request, response, body, { title: "Chat", nav: "/chat" });
}

function line(kind: string, user: string, text = ""): string {
  return JSON.stringify({ kind, user, text, time: new Date().toISOString() });
}

export function chatRoutes(app: Server): void {
  app.get("/chat", chatPage);
  app.ws(
    "/chat/:room/socket",
    {
      upgrade(request): ChatData {
        const user = request.session.user;
        if (typeof user !== "string") throw new HttpError(401, "Sign in to chat");
        if (!ROOM.test(request.params.room)) throw new HttpError(400, "Invalid room name");
        return { room: request.params.room, user };
      },
      open(ws) {
        ws.subscribe(ws.data.room);
        app.publish(ws.data.room, line("join", ws.data.user));
      },
      message(ws, message, isBinary) {
        if (isBinary || typeof message !== "string") return ws.close(1003, "Text only");
        const text = message.trim();
        if (text === "" || text.length > MAX_TEXT) return;
        app.publish(ws.data.room, line("message", ws.data.user, text));
      },
      close(ws) {
        app.publish(ws.data.room, line("leave", ws.data.user));
      },
    },
    { maxMessageBytes: 4 * MAX_TEXT, idleTimeout: 60_000 },
  );
}
