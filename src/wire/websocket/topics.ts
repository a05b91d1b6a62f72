import { type DeflateAgreement, deflateMessage } from "./deflate.js";
import { encodeFrame, Opcode } from "./frame-writer.js";

/** What a subscriber must offer for a published frame to reach it. */
export interface Subscriber {
  /** The agreed compression, if any: a compressed frame is made once per distinct agreement. */
  readonly deflate: DeflateAgreement | undefined;
  /**
   * Takes an encoded frame (subject to the socket's backpressure policy). It may hold it until
   * the end of the loop iteration, to send everything published to it meanwhile in one write.
   */
  queueEncoded(frame: Buffer): unknown;
}

/** Sees every message published in this process, e.g. to fan it out to others. */
export type PublishRelay = (
  topic: string,
  data: string | Uint8Array,
  options: PublishOptions,
) => void;

export interface PublishOptions {
  binary?: boolean;
  /** Compress for subscribers that negotiated permessage-deflate. Default: by size threshold. */
  compress?: boolean;
}

/**
 * In-process pub/sub: topic → subscribers. A published message is encoded into one frame (and
 * at most one compressed frame per compression setting) shared by every subscriber, and what is
 * published in one loop iteration reaches each subscriber in one write (publish-queue.ts).
 */
export class Topics {
  readonly #topics = new Map<string, Set<Subscriber>>();
  /** Set by `Server.relayPublishes`; undefined (the default) keeps pub/sub in this process. */
  relay: PublishRelay | undefined = undefined;

  subscribe(subscriber: Subscriber, topic: string): boolean {
    let set = this.#topics.get(topic);
    if (set === undefined) {
      set = new Set();
      this.#topics.set(topic, set);
    }
    const before = set.size;
    set.add(subscriber);
    return set.size > before;
  }

  unsubscribe(subscriber: Subscriber, topic: string): boolean {
    const set = this.#topics.get(topic);
    if (set === undefined || !set.delete(subscriber)) return false;
    if (set.size === 0) this.#topics.delete(topic);
    return true;
  }

  /** Subscribers of `topic` right now. */
  subscriberCount(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  /**
   * Sends `data` to every subscriber of `topic` except `exclude`; returns how many it went to.
   * Text is sent as a text frame unless `binary`; bytes as binary unless `binary: false`.
   */
  publish(
    topic: string,
    data: string | Uint8Array,
    options: PublishOptions = {},
    exclude?: Subscriber,
  ): number {
    this.relay?.(topic, data, options);
    const set = this.#topics.get(topic);
    if (set === undefined) return 0;
    const binary = options.binary ?? typeof data !== "string";
    const opcode = binary ? Opcode.Binary : Opcode.Text;
    let plain: Buffer | undefined;
    let compressed: Map<string, Buffer> | undefined;
    let bytes: Uint8Array | undefined;
    let count = 0;
    const length = typeof data === "string" ? data.length : data.byteLength;
    for (const subscriber of set) {
      if (subscriber === exclude) continue;
      const deflate = subscriber.deflate;
      let frame: Buffer;
      if (deflate !== undefined && (options.compress ?? length >= deflate.threshold)) {
        compressed ??= new Map();
        // Sockets with the same settings get the same bytes (no context is kept between messages).
        const key = `${deflate.level}:${deflate.serverWindowBits}`;
        let shared = compressed.get(key);
        if (shared === undefined) {
          bytes ??= typeof data === "string" ? Buffer.from(data) : data;
          shared = encodeFrame(opcode, deflateMessage(bytes, deflate), true);
          compressed.set(key, shared);
        }
        frame = shared;
      } else {
        plain ??= encodeFrame(opcode, data);
        frame = plain;
      }
      subscriber.queueEncoded(frame);
      count++;
    }
    return count;
  }
}
