import type { PublishOptions, PublishRelay } from "../wire/websocket/topics.js";
import type { RelayedPublish } from "./worker-messages.js";

/**
 * Pub/sub across worker processes (`runWorkers({ relayPublish })`): every message a worker
 * publishes goes, besides to its own subscribers, over IPC to the primary, which hands it to every
 * other ready worker; they deliver it to their subscribers without relaying it again. Messages of
 * one publisher arrive in the order they were published (one ordered IPC channel per worker, and
 * the primary forwards in the order it reads); nothing is ordered across publishers.
 *
 * Queues are bounded: a worker (or the primary, per receiving worker) that has `maxQueued`
 * messages handed to IPC and not yet written drops further ones and says so in the log, rather
 * than growing without limit behind a stuck process.
 */

/** What a worker's app needs for the relay: slow-serv's `Server` has it. */
interface RelayHost {
  relayPublishes(
    relay: PublishRelay,
  ): (topic: string, data: string | Uint8Array, options?: PublishOptions) => number;
}

function isRelayHost(app: unknown): app is RelayHost {
  return (
    typeof app === "object" &&
    app !== null &&
    typeof (app as { relayPublishes?: unknown }).relayPublishes === "function"
  );
}

export function encodePublish(
  topic: string,
  data: string | Uint8Array,
  options: PublishOptions,
): RelayedPublish {
  const text = typeof data === "string";
  return {
    slowServ: "publish",
    topic,
    data: text
      ? data
      : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"),
    base64: !text,
    binary: options.binary,
    compress: options.compress,
  };
}

export function decodePublish(
  message: RelayedPublish,
): [topic: string, data: string | Buffer, options: PublishOptions] {
  const options: PublishOptions = {};
  if (typeof message.binary === "boolean") options.binary = message.binary;
  if (typeof message.compress === "boolean") options.compress = message.compress;
  const data = message.base64 ? Buffer.from(message.data, "base64") : message.data;
  return [message.topic, data, options];
}

/** Sends over one IPC channel with at most `max` messages not yet written; drops beyond. */
export class BoundedRelay {
  readonly #max: number;
  readonly #send: (message: RelayedPublish, written: () => void) => void;
  readonly #log: (message: string) => void;
  readonly #who: string;
  readonly #written = (): void => {
    this.#queued--;
  };
  #queued = 0;
  #dropped = 0;

  constructor(
    max: number,
    who: string,
    send: (message: RelayedPublish, written: () => void) => void,
    log: (message: string) => void,
  ) {
    this.#max = max;
    this.#who = who;
    this.#send = send;
    this.#log = log;
  }

  /** Messages dropped so far because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  send(message: RelayedPublish): boolean {
    if (this.#queued >= this.#max) {
      // Logged on the first drop and then every 1000th, not once per message.
      if (this.#dropped++ % 1000 === 0) {
        this.#log(
          `pub/sub relay ${this.#who}: ${this.#max} messages queued, dropping (${this.#dropped} so far); raise relayPublish.maxQueued or publish less`,
        );
      }
      return false;
    }
    this.#queued++;
    this.#send(message, this.#written);
    return true;
  }
}

/**
 * In a worker: hands what `app` publishes to the primary and returns what delivers a relayed
 * message to this worker's subscribers; undefined if the app has no pub/sub (not a Server).
 */
export function installWorkerRelay(
  app: unknown,
  maxQueued: number,
  log: (message: string) => void,
): ((message: RelayedPublish) => void) | undefined {
  if (!isRelayHost(app)) return undefined;
  const toPrimary = new BoundedRelay(
    maxQueued,
    `from worker ${process.pid}`,
    (message, written) => {
      if (process.connected) process.send?.(message, undefined, {}, written);
      else written();
    },
    log,
  );
  const deliver = app.relayPublishes((topic, data, options) => {
    toPrimary.send(encodePublish(topic, data, options));
  });
  return (message) => {
    const [topic, data, options] = decodePublish(message);
    deliver(topic, data, options);
  };
}
