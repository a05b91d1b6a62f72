import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deferred } from "../wire/harness.js";
import { type RunningDemo, startDemo } from "./harness.js";

interface SseEvent {
  event?: string;
  id?: string;
  data?: string;
  retry?: string;
}

function parseEvents(text: string): SseEvent[] {
  return text
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const event: Record<string, string> = {};
      for (const line of block.split("\n")) {
        const colon = line.indexOf(":");
        event[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      return event as SseEvent;
    });
}

describe("demo: server-sent events", () => {
  let demo: RunningDemo;
  before(async () => {
    demo = await startDemo({ streamIntervalMs: 5, streamEvents: 20 });
  });
  after(() => demo.close());

  it("streams the asked number of tick events, then a done event", async () => {
    const response = await fetch(`${demo.url}/stream/events?count=4`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const events = parseEvents(await response.text());
    assert.equal(events[0]?.retry, "10000");
    const ticks = events.filter((event) => event.event === "tick");
    assert.deepEqual(
      ticks.map((event) => event.id),
      ["1", "2", "3", "4"],
    );
    for (const [index, tick] of ticks.entries()) {
      const data = JSON.parse(tick.data!);
      assert.equal(data.index, index + 1);
      assert.equal(data.count, 4);
      assert.ok(!Number.isNaN(Date.parse(data.time)));
    }
    assert.equal(events.at(-1)?.event, "done");
  });

  it("delivers events as they happen, and stops when the client leaves", async () => {
    // An hour between events: the generator sits in its wait for the next one when the client
    // leaves, and only the request's AbortSignal can end it.
    let stream: AsyncIterator<unknown> | undefined;
    const aborted = deferred();
    const long = await startDemo({ streamIntervalMs: 3_600_000, streamEvents: 20 }, (app) => {
      app.after((request, response) => {
        if (request.path !== "/stream/events") return;
        stream = response.body as AsyncIterator<unknown>;
        request.signal.addEventListener("abort", () => aborted.resolve());
      });
    });
    try {
      const controller = new AbortController();
      const response = await fetch(`${long.url}/stream/events`, { signal: controller.signal });
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes('"index":1')) {
        const { value, done } = await reader.read();
        assert.equal(done, false, "stream ended early");
        text += new TextDecoder().decode(value);
      }
      controller.abort();
      // The server sees the client leave and aborts the request's signal...
      await aborted.promise;
      // ...which ends the generator's wait: it has finished, not an hour from now.
      let timer: NodeJS.Timeout | undefined;
      const stillWaiting = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error("the generator is still waiting")), 5_000);
      });
      try {
        const next = await Promise.race([stream!.next(), stillWaiting]);
        assert.equal(next.done, true);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await long.close();
    }
  });

  for (const count of ["0", "21", "abc", "1.5"]) {
    it(`refuses count=${count} with a 400`, async () => {
      const response = await fetch(`${demo.url}/stream/events?count=${count}`, {
        headers: { accept: "text/html" },
      });
      assert.equal(response.status, 400);
      assert.ok((await response.text()).includes("count must be a whole number from 1 to 20"));
    });
  }
});
