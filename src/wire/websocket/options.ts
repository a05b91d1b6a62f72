/** Per-route WebSocket limits and timeouts (milliseconds), with their defaults. */
export interface WebSocketLimits {
  /** Largest message, after decompression, across all its fragments. Over it: close 1009. */
  maxMessageBytes: number;
  /** Most frames one message may be split into. Over it: close 1009. */
  maxFragments: number;
  /** Bytes queued for a slow client before `backpressurePolicy` applies. */
  maxBackpressure: number;
  /** Past `maxBackpressure`: drop further messages ("drop", send returns "dropped") or close 1008. */
  backpressurePolicy: "drop" | "close";
  /** No frame from the client for this long: the connection is cut. 0 switches it off. */
  idleTimeout: number;
  /** Ping a quiet client halfway through `idleTimeout`, so a live one answers in time. */
  sendPings: boolean;
  /** After our Close frame, how long the client has to answer before the socket is cut. */
  closeTimeout: number;
}

export const DEFAULT_WEBSOCKET_LIMITS: Readonly<WebSocketLimits> = Object.freeze({
  maxMessageBytes: 1024 * 1024,
  maxFragments: 1024,
  maxBackpressure: 1024 * 1024,
  backpressurePolicy: "drop",
  idleTimeout: 120_000,
  sendPings: true,
  closeTimeout: 5_000,
});
