import type { WebSocket } from "../../wire/websocket/websocket.js";
import type { FetchWebSocket, ServeInfo } from "./websocket.js";

/**
 * Hono's `upgradeWebSocket` on slow-serv, built on Hono's public helper API (`hono/ws`), which
 * the app passes in, so Hono is no dependency of slow-serv:
 *
 *     import { defineWebSocketHelper, WSContext } from "hono/ws";
 *     const { upgradeWebSocket, websocket } = createHonoWebSocket({ defineWebSocketHelper, WSContext });
 *     app.get("/ws", upgradeWebSocket(() => ({ onMessage: (event, ws) => ws.send(event.data) })));
 *     await serve({ fetch: app.fetch, websocket, port: 8000 });
 *
 * The types below are the parts of Hono's that this file touches, written out structurally.
 */

/** What Hono's WSContext is built from (`WSContextInit`). */
export interface HonoWSContextInit {
  send(data: string | ArrayBuffer | Uint8Array, options: { compress?: boolean }): void;
  close(code?: number, reason?: string): void;
  raw?: WebSocket<HonoSocketData>;
  readonly readyState: 0 | 1 | 2 | 3;
  url?: string | URL | null;
  protocol?: string | null;
}

/**
 * The events `upgradeWebSocket(c => events)` returns (Hono's `WSEvents`), over its WSContext.
 * Method syntax on purpose: Hono's event types (MessageEvent, CloseEvent) are wider DOM types.
 */
export interface HonoEvents<Context> {
  onOpen?(event: Event, ws: Context): void;
  onMessage?(event: Event & { readonly data: unknown }, ws: Context): void;
  onClose?(event: Event & { readonly code: number; readonly reason: string }, ws: Context): void;
  onError?(event: Event, ws: Context): void;
}

/** `ws.data` of the sockets Hono's helper opens: its events, URL and subprotocol. */
export interface HonoSocketData {
  readonly events: HonoEvents<unknown>;
  readonly url: URL;
  readonly protocol: string;
}

/** What of Hono's request context the helper reads: the raw Request and the fetch `info`. */
export interface HonoContextLike {
  readonly req: { readonly raw: Request; readonly url: string };
  readonly env: unknown;
}

/** The two exports of `hono/ws` the adapter is built on. */
export interface HonoWebSocketModule<Upgrade, Context> {
  defineWebSocketHelper(
    handler: (c: HonoContextLike, events: HonoEvents<Context>) => Response | undefined,
  ): Upgrade;
  WSContext: new (init: HonoWSContextInit) => Context;
}

function isServeInfo(env: unknown): env is ServeInfo<HonoSocketData> {
  return (
    typeof env === "object" &&
    env !== null &&
    typeof (env as { upgrade?: unknown }).upgrade === "function"
  );
}

/**
 * A failure of one of the app's events goes to its `onError`; without one (or if that fails too)
 * it is rethrown, and the WebSocket reports it and closes with 1011 as for any behaviour.
 */
function report(ws: WebSocket<HonoSocketData>, context: unknown, error: unknown): void {
  const onError = ws.data.events.onError;
  if (onError === undefined) throw error;
  onError(Object.assign(new Event("error"), { error }), context);
}

/** Runs one of the app's events; what it returns (a promise) goes back to the WebSocket. */
function run(ws: WebSocket<HonoSocketData>, context: unknown, event: () => unknown): unknown {
  try {
    const result = event();
    if (result instanceof Promise)
      return result.catch((error: unknown) => report(ws, context, error));
    return result;
  } catch (error) {
    report(ws, context, error);
    return undefined;
  }
}

/**
 * Returns Hono's `upgradeWebSocket` for slow-serv and the `websocket` behaviour to give `serve()`
 * (the pair `hono/bun`'s `createBunWebSocket()` gives Bun). Only `serve({ fetch: app.fetch,
 * websocket })` can upgrade: elsewhere (e.g. `app.mount`) the helper throws a TypeError.
 */
export function createHonoWebSocket<Upgrade, Context>(
  hono: HonoWebSocketModule<Upgrade, Context>,
): { upgradeWebSocket: Upgrade; websocket: FetchWebSocket<HonoSocketData> } {
  const { WSContext } = hono;
  const contexts = new WeakMap<WebSocket<HonoSocketData>, Context>();
  const contextOf = (ws: WebSocket<HonoSocketData>): Context => {
    let context = contexts.get(ws);
    if (context === undefined) {
      context = new WSContext({
        send: (data, options) => {
          ws.send(
            data,
            options.compress === undefined ? undefined : { compress: options.compress },
          );
        },
        close: (code, reason) => ws.close(code, reason),
        raw: ws,
        get readyState() {
          return ws.isOpen ? 1 : 3;
        },
        url: ws.data.url,
        protocol: ws.protocol,
      });
      contexts.set(ws, context);
    }
    return context;
  };

  const upgradeWebSocket = hono.defineWebSocketHelper((c, events) => {
    if (!isServeInfo(c.env)) {
      throw new TypeError(
        "upgradeWebSocket needs the app served by slow-serv's serve({ fetch: app.fetch, websocket })",
      );
    }
    const data: HonoSocketData = {
      events: events as HonoEvents<unknown>,
      url: new URL(c.req.url),
      protocol: "",
    };
    // A valid handshake: Hono's middleware expects a Response; slow-serv ignores it.
    return c.env.upgrade(c.req.raw, { data }) ? new Response(null) : undefined;
  });

  const websocket: FetchWebSocket<HonoSocketData> = {
    open(ws) {
      const { onOpen } = ws.data.events;
      const context = contextOf(ws);
      return onOpen && run(ws, context, () => onOpen(new Event("open"), context));
    },
    message(ws, message, isBinary) {
      const { onMessage } = ws.data.events;
      if (onMessage === undefined) return;
      // Hono hands binary messages over as ArrayBuffers (its `binaryType` is "arraybuffer").
      // A copy: the message's bytes may be a view into a larger buffer.
      const data: string | ArrayBuffer =
        isBinary && typeof message !== "string" ? new Uint8Array(message).buffer : String(message);
      const context = contextOf(ws);
      return run(ws, context, () => onMessage(new MessageEvent("message", { data }), context));
    },
    close(ws, code, reason) {
      const { onClose } = ws.data.events;
      const context = contextOf(ws);
      const event = Object.assign(new Event("close"), { code, reason, wasClean: code !== 1006 });
      contexts.delete(ws);
      return onClose && run(ws, context, () => onClose(event, context));
    },
  };
  return { upgradeWebSocket, websocket };
}
