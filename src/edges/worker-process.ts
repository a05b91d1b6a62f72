import { served } from "../app/served.js";
import { provideInheritedHandle } from "../wire/inherited-socket.js";
import type { BoundAddress } from "../wire/listener.js";
import { processHealth } from "./health.js";
import { type FromWorker, isMessage, type ToWorker } from "./worker-messages.js";
import { installWorkerRelay } from "./worker-pubsub.js";

/** The worker side of `runWorkers`: start the app, answer the watchdog, drain when told. */

export interface Closable {
  close(): Promise<void>;
}

export interface WorkerSideSettings {
  /** Requests after which this worker asks to be replaced (jitter applied); 0: never. */
  readonly maxRequests: number;
  /** Relay pub/sub through the primary (worker-pubsub.ts), with this queue bound; 0: off. */
  readonly relayQueue: number;
  readonly log: (message: string) => void;
}

function send(message: FromWorker): void {
  process.send?.(message);
}

/** One line for the operator: the message of the error, never its stack. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split("\n")[0]!;
}

function addressesOf(app: Closable): readonly BoundAddress[] {
  const addresses = (app as { addresses?: unknown }).addresses;
  return Array.isArray(addresses) ? (addresses as BoundAddress[]) : [];
}

/** The primary's socket for `host|port` (see shared-socket.ts), before the app asks for it. */
function receiveSocket(address: string): Promise<void> {
  const bar = address.lastIndexOf("|");
  const host = address.slice(0, bar);
  const port = Number(address.slice(bar + 1));
  return new Promise((resolve) => {
    const onMessage = (message: unknown, handle: unknown): void => {
      if (!isMessage<ToWorker>(message) || message.slowServ !== "socket") return;
      process.off("message", onMessage);
      if (typeof handle === "object" && handle !== null) provideInheritedHandle(host, port, handle);
      resolve();
    };
    process.on("message", onMessage);
    send({ slowServ: "socket" });
  });
}

export async function runWorkerSide(
  start: () => Promise<Closable> | Closable,
  sharedAddress: string | undefined,
  settings: WorkerSideSettings,
): Promise<void> {
  if (sharedAddress !== undefined) await receiveSocket(sharedAddress);
  let app: Closable;
  try {
    app = await start();
  } catch (error) {
    send({ slowServ: "fatal", message: oneLine(error) });
    // Exit code 78 (EX_CONFIG): the primary tells a start-up mistake from a crash by the message.
    process.exit(78);
  }
  const relay =
    settings.relayQueue > 0
      ? installWorkerRelay(app, settings.relayQueue, settings.log)
      : undefined;
  if (settings.relayQueue > 0 && relay === undefined) {
    settings.log("relayPublish: the app is not a slow-serv Server; its pub/sub stays per worker");
  }
  let draining = false;
  let retired = false;
  const drain = (delay: number): void => {
    if (draining) return;
    draining = true;
    processHealth.markDraining();
    setTimeout(() => {
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }, delay);
  };
  process.on("message", (message: unknown) => {
    if (!isMessage<ToWorker>(message)) return;
    switch (message.slowServ) {
      case "ping":
        send({ slowServ: "pong", id: message.id, served: served.count });
        if (!retired && settings.maxRequests > 0 && served.count >= settings.maxRequests) {
          retired = true;
          send({ slowServ: "retire" });
        }
        break;
      case "drain":
        drain(message.delay);
        break;
      case "publish":
        relay?.(message);
        break;
    }
  });
  // The primary forwards signals as messages; a terminal's SIGINT reaches the whole group.
  process.on("SIGINT", () => {});
  process.on("SIGTERM", () => drain(0));
  // The primary is gone: nobody will restart or stop us, so leave cleanly.
  process.on("disconnect", () => drain(0));
  send({ slowServ: "ready", addresses: addressesOf(app) });
}
