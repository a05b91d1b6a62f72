import { setTimeout as sleep } from "node:timers/promises";
import type { Request, Response, Server } from "../../../src/index.js";
import { HttpError, html } from "../../../src/index.js";
import { renderPage } from "../layout.js";

export interface StreamSettings {
  /** Time between events. */
  intervalMs: number;
  /** Most events one stream sends (the client may ask for fewer with ?count=). */
  maxEvents: number;
}

function streamPage(request: Request, response: Response, settings: StreamSettings): void {
  renderPage(
    request,
    response,
    html`<h1>Live stream</h1>
<p class="lead">The response body below is an async generator: the server yields a
  <code>text/event-stream</code> event every ${settings.intervalMs / 1000} s and stops after
  ${settings.maxEvents} events, or as soon as you leave (the request's <code>AbortSignal</code> fires).</p>
<div class="card clock" id="sse" data-source="/stream/events">
  <p class="clock-time" id="sse-time">--:--:--</p>
  <p><span class="badge" id="sse-status">connecting…</span> events received: <strong id="sse-count">0</strong></p>
  <progress id="sse-progress" max="${settings.maxEvents}" value="0"></progress>
</div>
<noscript><p class="notice notice-info">This page needs JavaScript to show the stream. Open
  <a href="/stream/events">/stream/events</a> to see the raw events.</p></noscript>`,
    { title: "Live stream", nav: "/stream" },
  );
}

async function* ticks(
  count: number,
  intervalMs: number,
  signal: AbortSignal,
): AsyncGenerator<string> {
  // Tell EventSource not to reconnect too eagerly once the stream ends.
  yield "retry: 10000\n\n";
  for (let index = 1; index <= count; index++) {
    const data = JSON.stringify({ index, count, time: new Date().toISOString() });
    yield `id: ${index}\nevent: tick\ndata: ${data}\n\n`;
    if (index === count) break;
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return; // the client went away
    }
  }
  yield "event: done\ndata: {}\n\n";
}

function events(request: Request, response: Response, settings: StreamSettings): void {
  const asked = request.query.count;
  let count = settings.maxEvents;
  if (asked !== undefined) {
    count = Number(asked);
    if (!Number.isInteger(count) || count < 1 || count > settings.maxEvents) {
      throw new HttpError(400, `count must be a whole number from 1 to ${settings.maxEvents}`);
    }
  }
  response.headers.set("content-type", "text/event-stream; charset=utf-8");
  response.headers.set("cache-control", "no-store");
  // Proxies such as nginx buffer responses unless told otherwise.
  response.headers.set("x-accel-buffering", "no");
  response.body = ticks(count, settings.intervalMs, request.signal);
}

export function streamRoutes(app: Server, settings: StreamSettings): void {
  app.get("/stream", (request, response) => streamPage(request, response, settings));
  app.get("/stream/events", (request, response) => events(request, response, settings));
}
