import { type DeferredWriter, writeNowOrDefer } from "../../src/wire/deferred-writes.js";

/**
 * A stand-in socket for tests of output held back to the end of the loop iteration
 * (src/wire/deferred-writes.ts): it records every write and end in order, so "not yet" and
 * "before" are exact, where a real socket would only show what reached the client by the time
 * the test looked. Just enough of a socket for a connection and an upgrade's hand-off.
 */

export type Call = ["write", string] | ["end"];

export class RecordingSocket {
  readonly calls: Call[] = [];
  #onWrite: (() => void) | undefined;
  destroyed = false;
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 50_000;
  readonly localPort = 80;
  on(): this {
    return this;
  }
  once(): this {
    return this;
  }
  off(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  write(data: string | Uint8Array): boolean {
    this.calls.push(["write", Buffer.from(data).toString("latin1")]);
    this.#onWrite?.();
    return true;
  }
  /** Resolves with everything written once it contains `text`. */
  written(text: string): Promise<string> {
    return new Promise((resolve) => {
      this.#onWrite = () => {
        if (this.text.includes(text)) resolve(this.text);
      };
      this.#onWrite();
    });
  }
  end(): this {
    this.calls.push(["end"]);
    return this;
  }
  cork(): void {}
  uncork(): void {}
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  /** Everything written, an end shown as `<end>`. */
  get text(): string {
    return this.calls.map((call) => (call[0] === "write" ? call[1] : "<end>")).join("");
  }
}

export const nextIteration = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Leaves no connection marked as having written at once: deferred output resets that mark. */
export async function startClean(): Promise<void> {
  const noop: DeferredWriter = { writeDeferred() {} };
  writeNowOrDefer(noop);
  writeNowOrDefer({ writeDeferred() {} });
  await nextIteration();
}

/** A GET for `path`, with `extra` header lines. */
export const getRequest = (path: string, extra = ""): Buffer =>
  Buffer.from(`GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`);

/** The status lines in `text`, in order. */
export const statusLines = (text: string): string[] => text.match(/HTTP\/1\.1 \d{3}/g) ?? [];
