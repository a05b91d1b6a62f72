import type { BoundAddress } from "../wire/listener.js";

/** What the primary and its workers say to each other over the cluster's IPC channel. */

/**
 * A pub/sub message relayed between workers (worker-pubsub.ts), both ways. IPC carries JSON, so
 * bytes travel as base64.
 */
export interface RelayedPublish {
  readonly slowServ: "publish";
  readonly topic: string;
  readonly data: string;
  readonly base64: boolean;
  readonly binary: boolean | undefined;
  readonly compress: boolean | undefined;
}

export type ToWorker =
  /** Comes with the primary's listening socket as the message's handle. */
  | { readonly slowServ: "socket" }
  | { readonly slowServ: "ping"; readonly id: number }
  /** Finish in-flight requests and exit (after `delay` ms of answering readiness 503). */
  | { readonly slowServ: "drain"; readonly delay: number }
  | RelayedPublish;

export type FromWorker =
  /** Send me the listening socket (shared-socket.ts). */
  | { readonly slowServ: "socket" }
  | { readonly slowServ: "ready"; readonly addresses: readonly BoundAddress[] }
  | { readonly slowServ: "pong"; readonly id: number; readonly served: number }
  /** Start-up failed: a one-line message for the operator; the worker exits. */
  | { readonly slowServ: "fatal"; readonly message: string }
  /** `maxRequests` reached: replace this worker. */
  | { readonly slowServ: "retire" }
  | RelayedPublish;

export function isMessage<T extends { slowServ: string }>(value: unknown): value is T {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { slowServ?: unknown }).slowServ === "string"
  );
}
