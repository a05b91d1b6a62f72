import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RelayedPublish } from "../../src/edges/worker-messages.js";
import { BoundedRelay, decodePublish, encodePublish } from "../../src/edges/worker-pubsub.js";
import { startWorkers } from "../../src/edges/workers.js";
import { ConfigError, Server } from "../../src/index.js";

/** The pieces of the workers' pub/sub relay that need no processes (ws-workers.test.ts has those). */

describe("relayed publish messages", () => {
  test("text crosses IPC as it is, with its options", () => {
    const message = encodePublish("room", "héllo", { binary: false, compress: true });
    assert.deepEqual(JSON.parse(JSON.stringify(message)), {
      slowServ: "publish",
      topic: "room",
      data: "héllo",
      base64: false,
      binary: false,
      compress: true,
    });
    assert.deepEqual(decodePublish(message), ["room", "héllo", { binary: false, compress: true }]);
  });

  test("bytes cross as base64 (only the view's bytes) and come back as the same bytes", () => {
    const whole = Buffer.from([9, 9, 0, 1, 254, 255, 9]);
    const view = whole.subarray(2, 6);
    const message = JSON.parse(JSON.stringify(encodePublish("t", view, {}))) as RelayedPublish;
    assert.equal(message.data, "AAH+/w==");
    const [topic, data, options] = decodePublish(message);
    assert.equal(topic, "t");
    assert.deepEqual([...(data as Buffer)], [0, 1, 254, 255]);
    // Options not given stay unset, so the receiving worker applies its own defaults.
    assert.deepEqual(options, {});
  });
});

describe("BoundedRelay", () => {
  test("holds at most maxQueued unwritten messages, drops beyond and logs the first and every 1000th drop", () => {
    const pending: Array<() => void> = [];
    const sent: string[] = [];
    const log: string[] = [];
    const relay = new BoundedRelay(
      2,
      "to worker 7",
      (message, written) => {
        sent.push(message.data);
        pending.push(written);
      },
      (line) => log.push(line),
    );
    const message = (data: string): RelayedPublish => encodePublish("t", data, {});
    assert.equal(relay.send(message("a")), true);
    assert.equal(relay.send(message("b")), true);
    assert.equal(relay.send(message("c")), false);
    assert.equal(log.length, 1);
    assert.match(log[0]!, /to worker 7: 2 messages queued, dropping \(1 so far\)/);
    for (let drop = 2; drop <= 1001; drop++) relay.send(message("x"));
    assert.equal(relay.dropped, 1001);
    assert.equal(log.length, 2);
    assert.match(log[1]!, /\(1001 so far\)/);
    // Once one is written, there is room for one more, in order.
    pending.shift()!();
    assert.equal(relay.send(message("d")), true);
    assert.equal(relay.send(message("e")), false);
    assert.deepEqual(sent, ["a", "b", "d"]);
  });
});

describe("Server.relayPublishes", () => {
  test("the relay sees every publish; what is delivered from elsewhere is not relayed again", () => {
    const app = new Server({ logger: false });
    const relayed: unknown[] = [];
    const deliver = app.relayPublishes((topic, data, options) =>
      relayed.push([topic, data, options]),
    );
    // Relayed even without local subscribers: the other processes may have some.
    assert.equal(app.publish("room", "one", { compress: false }), 0);
    assert.deepEqual(relayed, [["room", "one", { compress: false }]]);
    assert.equal(deliver("room", "two"), 0);
    assert.equal(relayed.length, 1);
    // The relay is back after a delivery.
    app.publish("room", "three");
    assert.deepEqual(relayed[1], ["room", "three", {}]);
  });
});

describe("relayPublish option", () => {
  test("a wrong value fails at start-up with a ConfigError that says what to give", async () => {
    const start = () => new Server({ logger: false });
    for (const [relayPublish, message] of [
      ["yes", /'relayPublish' must be true, false or \{ maxQueued: N \}/],
      [{ maxQueued: 0 }, /'relayPublish.maxQueued' must be a whole number ≥ 1, got 0/],
      [{ maxQueued: 1.5 }, /'relayPublish.maxQueued' must be a whole number ≥ 1, got 1.5/],
    ] as const) {
      await assert.rejects(
        // @ts-expect-error: the wrong types are the point
        startWorkers({ start, relayPublish }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
      );
    }
  });
});
