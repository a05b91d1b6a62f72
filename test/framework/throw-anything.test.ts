import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { loggable } from "../../src/app/log-value.js";
import { consoleLogger } from "../../src/app/logger.js";
import { Server } from "../../src/app/server.js";

/**
 * Issue 13 item 3: whatever application code throws, from wherever it runs, the process survives,
 * the client gets a 500 (or, once the head is out, a cut connection) and a log line is written by
 * the default logger. A BigInt thrown from a stream used to make the logger throw, leaving the
 * socket open and the rejection unhandled.
 */

function hostileProxy(): object {
  const fail = (): never => {
    throw new Error("trap");
  };
  return new Proxy(
    {},
    {
      get: fail,
      has: fail,
      ownKeys: fail,
      getPrototypeOf: fail,
      getOwnPropertyDescriptor: fail,
    },
  );
}

function values(): Array<[label: string, value: unknown]> {
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  const nullPrototype = Object.assign(Object.create(null) as object, { a: 1, big: 2n });
  const badGetters = {
    get message(): string {
      throw 10n;
    },
    get stack(): string {
      throw Symbol("stack");
    },
  };
  const badError = new Error("bad");
  Object.defineProperty(badError, "message", {
    get() {
      throw new Error("message getter");
    },
  });
  const selfCaused = new Error("self-caused");
  (selfCaused as { cause?: unknown }).cause = selfCaused;
  return [
    ["bigint", 10n],
    ["symbol", Symbol("thrown")],
    ["null", null],
    ["undefined", undefined],
    ["string", "plain string"],
    ["number", Number.NaN],
    ["function", () => {}],
    ["circular object", circular],
    ["null-prototype object", nullPrototype],
    ["object with throwing getters", badGetters],
    ["Proxy whose traps throw", hostileProxy()],
    ["Error whose message getter throws", badError],
    ["Error that is its own cause", selfCaused],
  ];
}

/** Every place application code runs, each throwing `value`. Paths are `/<place>/<index>`. */
function appThrowing(all: ReadonlyArray<[string, unknown]>): Server {
  const app = new Server({ development: true });
  const thrownFor = (request: { params: Record<string, string> }): unknown =>
    all[Number(request.params.index)]![1];
  app.get("/handler/:index", (request) => {
    throw thrownFor(request);
  });
  app.get("/async-handler/:index", async (request) => {
    await Promise.resolve();
    throw thrownFor(request);
  });
  app.get("/before/:index", () => "unreachable", {
    before: [
      (request) => {
        throw thrownFor(request);
      },
    ],
  });
  app.get("/after/:index", () => "body", {
    after: [
      (request) => {
        throw thrownFor(request);
      },
    ],
  });
  app.get(
    "/error-hook/:index",
    () => {
      throw new Error("first failure");
    },
    {
      error: [
        (_error, request) => {
          throw thrownFor(request);
        },
      ],
    },
  );
  app.get("/getter/:index", (request) => ({
    ok: true,
    get broken(): unknown {
      throw thrownFor(request);
    },
  }));
  app.get("/stream/:index", (request, response) => {
    const value = thrownFor(request);
    let sent = false;
    response.body = new Readable({
      read() {
        if (!sent) {
          sent = true;
          this.push("first chunk");
        } else {
          setImmediate(() => {
            try {
              this.destroy(value as Error);
            } catch {
              // Node's destroy() reads `stack` of what it is given, so a value whose getters
              // throw fails here, before slow-serv sees it; the async iterable case has it.
              this.destroy(new Error("destroy() refused the value"));
            }
          });
        }
      },
    });
  });
  app.get("/iterable/:index", (request, response) => {
    const value = thrownFor(request);
    response.body = (async function* () {
      yield "first chunk";
      await new Promise((resolve) => setImmediate(resolve));
      throw value;
    })();
  });
  app.get("/ok", () => "still here");
  return app;
}

const BUFFERED = ["handler", "async-handler", "before", "after", "error-hook", "getter"];
const STREAMED = ["stream", "iterable"];

/** Sends one GET on a fresh connection and returns everything until the server closes. */
async function exchange(port: number, path: string): Promise<string> {
  const socket = net.connect(port, "127.0.0.1");
  let text = "";
  socket.setEncoding("latin1").on("data", (chunk: string) => {
    text += chunk;
  });
  socket.on("error", () => {});
  socket.write(`GET ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  await once(socket, "close");
  return text;
}

describe("throwing anything from anywhere", { timeout: 60_000 }, () => {
  const all = values();
  const written: string[] = [];
  const problems: unknown[] = [];
  const onProblem = (error: unknown): void => {
    problems.push(error);
  };
  const realWrite = process.stderr.write;
  let app: Server;

  before(async () => {
    app = appThrowing(all);
    await app.run({ port: 0 });
    process.on("unhandledRejection", onProblem);
    process.on("uncaughtException", onProblem);
    process.stderr.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  after(async () => {
    process.stderr.write = realWrite;
    process.off("unhandledRejection", onProblem);
    process.off("uncaughtException", onProblem);
    await app.close();
  });

  for (const place of [...BUFFERED, ...STREAMED]) {
    test(`from ${place}: 500 or a cut connection, a log line, the process lives`, async () => {
      for (let index = 0; index < all.length; index++) {
        const label = `${place} throwing ${all[index]![0]}`;
        written.length = 0;
        const reply = await exchange(app.port, `/${place}/${index}`);
        if (BUFFERED.includes(place)) {
          assert.match(reply, /^HTTP\/1\.1 500 /, label);
        } else {
          // The head went out before the failure: the body is cut short, never completed.
          assert.match(reply, /^HTTP\/1\.1 200 /, label);
          assert.ok(reply.includes("first chunk"), label);
          assert.ok(!reply.endsWith("0\r\n\r\n"), `${label}: the body must not look complete`);
        }
        const lines = written.join("").split("\n").filter(Boolean);
        assert.ok(lines.length >= 1, `${label}: a log line`);
        for (const line of lines) assert.equal(JSON.parse(line).level, "error", label);
      }
      assert.deepEqual(problems, []);
      assert.match(await exchange(app.port, "/ok"), /still here$/);
    });
  }
});

describe("the default logger and loggable()", () => {
  test("never throw, and always write one JSON line", () => {
    const realWrite = process.stderr.write;
    const lines: string[] = [];
    process.stderr.write = ((chunk: string) => {
      lines.push(chunk);
      return true;
    }) as typeof process.stderr.write;
    try {
      for (const [label, value] of values()) {
        consoleLogger.error("failure", { error: value, nested: { value, list: [value] } });
        assert.doesNotThrow(() => JSON.stringify(loggable(value)), label);
      }
    } finally {
      process.stderr.write = realWrite;
    }
    assert.equal(lines.length, values().length);
    for (const line of lines) assert.equal(JSON.parse(line).message, "failure");
  });

  test("keeps what can be read", () => {
    const circular: Record<string, unknown> = { name: "loop" };
    circular.self = circular;
    assert.deepEqual(loggable({ big: 10n, circular, date: new Date(0), sym: Symbol("s") }), {
      big: "10n",
      circular: { name: "loop", self: "[circular]" },
      date: "1970-01-01T00:00:00.000Z",
      sym: "Symbol(s)",
    });
    const error = loggable(new TypeError("boom")) as Record<string, unknown>;
    assert.equal(error.name, "TypeError");
    assert.equal(error.message, "boom");
    const withProto = loggable(JSON.parse('{"__proto__": {"polluted": 1}}')) as object;
    assert.equal(Object.getPrototypeOf(withProto), Object.prototype);
    assert.deepEqual(Object.keys(withProto), ["__proto__"]);
  });
});
