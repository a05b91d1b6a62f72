import type { BoundAddress } from "../wire/listener.js";

/** What the primary and its workers say to each other over the cluster's IPC channel. */

export type ToWorker =
  /** Comes with the primary's listening socket as the message's handle. */
  | { readonly slowServ: "socket" }
  | { readonly slowServ: "ping"; readonly id: number }
  /** Finish in-flight requests and exit (after `delay` ms of answering readiness 503). */
  | { readonly slowServ: "drain"; readonly delay: number };

export type FromWorker =
  /** Send me the listening socket (shared-socket.ts). */
  | { readonly slowServ: "socket" }
  | { readonly slowServ: "ready"; readonly addresses: readonly BoundAddress[] }
  | { readonly slowServ: "pong"; readonly id: number; readonly served: number }
  /** Start-up failed: a one-line message for the operator; the worker exits. */
  | { readonly slowServ: "fatal"; readonly message: string }
  /** `maxRequests` reached: replace this worker. */
  | { readonly slowServ: "retire" };

export function isMessage<T extends { slowServ: string }>(value: unknown): value is T {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { slowServ?: unknown }).slowServ === "string"
  );
}
