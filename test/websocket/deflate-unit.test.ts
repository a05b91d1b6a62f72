import assert from "node:assert/strict";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import {
  DEFAULT_DEFLATE,
  type DeflateAgreement,
  deflateMessage,
  Inflater,
  maxConcurrentJobs,
  negotiateDeflate,
  parseExtensions,
  setMaxConcurrentJobs,
} from "../../src/wire/websocket/deflate.js";

/**
 * permessage-deflate without sockets: the parsed form of extension offers, the exact agreement
 * negotiated (RFC 7692 §7.1), the compressor's output, and the Inflater's limits, context and
 * process-wide job cap. compression.test.ts covers the same code over TCP.
 */

const base = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";

function agree(offer: string, options = {}): DeflateAgreement | undefined {
  const offers = parseExtensions(offer);
  assert.ok(offers !== undefined, `malformed: ${offer}`);
  return negotiateDeflate(offers, { ...DEFAULT_DEFLATE, ...options });
}

function compress(data: string | Buffer): Buffer {
  const output = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return output.subarray(0, output.length - 4);
}

describe("parseExtensions", () => {
  it("parses offers into lowercased names and their parameters, quotes removed", () => {
    assert.deepEqual(
      parseExtensions(
        'Permessage-Deflate ; client_max_window_bits ; server_max_window_bits = "10", x-other;a=b',
      ),
      [
        [
          "permessage-deflate",
          new Map<string, string | true>([
            ["client_max_window_bits", true],
            ["server_max_window_bits", "10"],
          ]),
        ],
        ["x-other", new Map([["a", "b"]])],
      ],
    );
  });

  it("marks a repeated parameter", () => {
    assert.deepEqual(parseExtensions("e; a=1; a=2"), [["e", new Map([["a", "\u0000duplicate"]])]]);
  });

  it("refuses malformed values", () => {
    for (const value of [
      "",
      "permessage-deflate;",
      "a b",
      "e; =1",
      "e; a b=1",
      'e; a="',
      'e; a="1',
      'e; a="10',
      'e; a=10"',
      "e; a=1 2",
      'e; a=""',
      "e; a=",
      'e; a="x y"',
      "e,",
      "e; a=1=2",
    ]) {
      assert.equal(parseExtensions(value), undefined, value);
    }
  });
});

describe("negotiateDeflate", () => {
  it("agrees on exactly the defaults for a bare offer", () => {
    assert.deepEqual(agree("permessage-deflate"), {
      header: `${base}; server_max_window_bits=12`,
      serverWindowBits: 12,
      clientNoContextTakeover: true,
      level: 1,
      threshold: 1024,
    });
  });

  it("carries the configured level and threshold", () => {
    const agreement = agree("permessage-deflate", { level: 6, threshold: 10 });
    assert.equal(agreement?.level, 6);
    assert.equal(agreement?.threshold, 10);
  });

  it("keeps the client's context when neither side asks otherwise", () => {
    assert.deepEqual(
      agree("permessage-deflate", { clientNoContextTakeover: false, serverMaxWindowBits: 15 }),
      {
        header: "permessage-deflate; server_no_context_takeover",
        serverWindowBits: 15,
        clientNoContextTakeover: false,
        level: 1,
        threshold: 1024,
      },
    );
    const asked = agree("permessage-deflate; client_no_context_takeover", {
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
    });
    assert.equal(asked?.header, `${base}`);
    assert.equal(asked?.clientNoContextTakeover, true);
  });

  it("uses the smaller of the server windows, and names it when the client asked", () => {
    assert.equal(agree("permessage-deflate; server_max_window_bits=9")?.serverWindowBits, 9);
    assert.equal(agree("permessage-deflate; server_max_window_bits=13")?.serverWindowBits, 12);
    assert.equal(
      agree("permessage-deflate; server_max_window_bits=15", { serverMaxWindowBits: 15 })?.header,
      `${base}; server_max_window_bits=15`,
    );
  });

  it("limits the client's window only below 15, and only if the client allows it", () => {
    assert.equal(
      agree("permessage-deflate; client_max_window_bits=15")?.header,
      `${base}; server_max_window_bits=12`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits=8")?.header,
      `${base}; server_max_window_bits=12; client_max_window_bits=8`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits=12", { clientMaxWindowBits: 10 })?.header,
      `${base}; server_max_window_bits=12; client_max_window_bits=10`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits=9", { clientMaxWindowBits: 10 })?.header,
      `${base}; server_max_window_bits=12; client_max_window_bits=9`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits", { clientMaxWindowBits: 10 })?.header,
      `${base}; server_max_window_bits=12; client_max_window_bits=10`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits")?.header,
      `${base}; server_max_window_bits=12`,
    );
    assert.equal(agree("permessage-deflate", { clientMaxWindowBits: 14 }), undefined);
    assert.notEqual(agree("permessage-deflate", { clientMaxWindowBits: 15 }), undefined);
  });

  it("declines what it cannot honour, and takes the next offer", () => {
    for (const offer of [
      "permessage-deflate; client_max_window_bits=7",
      "permessage-deflate; client_max_window_bits=16",
      "permessage-deflate; client_max_window_bits=010",
      "permessage-deflate; client_max_window_bits=91",
      "permessage-deflate; client_no_context_takeover=1",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; client_max_window_bits=155",
      "permessage-deflate; server_max_window_bits=105",
      "permessage-deflate; server_max_window_bits=8",
      "permessage-deflate; server_no_context_takeover=x",
      "permessage-deflate; client_max_window_bits; client_max_window_bits",
      "permessage-deflate; other",
      "deflate",
    ]) {
      assert.equal(agree(offer), undefined, offer);
      assert.equal(
        agree(`${offer}, permessage-deflate; server_max_window_bits=10`)?.serverWindowBits,
        10,
        `${offer} then a good one`,
      );
    }
    assert.equal(
      agree("permessage-deflate; server_no_context_takeover")?.header,
      `${base}; server_max_window_bits=12`,
    );
    assert.equal(
      agree("permessage-deflate; client_max_window_bits=10")?.header.endsWith("bits=10"),
      true,
    );
  });
});

describe("deflateMessage", () => {
  it("compresses statelessly with the agreed window and drops the 00 00 FF FF tail", () => {
    const agreement = agree("permessage-deflate")!;
    const payload = Buffer.from("Hello Hello Hello Hello");
    const compressed = deflateMessage(payload, agreement);
    const full = zlib.deflateRawSync(payload, {
      level: 1,
      windowBits: 12,
      memLevel: 8,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    assert.deepEqual(compressed, full.subarray(0, full.length - 4));
    assert.deepEqual(full.subarray(full.length - 4), Buffer.from([0, 0, 0xff, 0xff]));
    const back = zlib.inflateRawSync(Buffer.concat([compressed, Buffer.from([0, 0, 0xff, 0xff])]), {
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    });
    assert.equal(back.toString(), "Hello Hello Hello Hello");
    const stored = deflateMessage(payload, { ...agreement, level: 0 });
    assert.ok(stored.includes(payload), "level 0 stores the bytes as they are");
  });
});

/** Inflater.write as a promise. */
function inflate(
  inflater: Inflater,
  payload: Buffer,
  last: boolean,
  limit = 1 << 20,
): Promise<{ error: Error | undefined; output: string; tooBig: boolean }> {
  return new Promise((resolve) => {
    inflater.write(payload, last, limit, (error, output, tooBig) =>
      resolve({ error, output: Buffer.concat(output).toString(), tooBig }),
    );
  });
}

describe("Inflater", () => {
  const agreement = agree("permessage-deflate")!;
  const keeping = agree("permessage-deflate", { clientNoContextTakeover: false })!;

  it("inflates a message given in pieces, then the next one on its own", async () => {
    const inflater = new Inflater(agreement);
    const bytes = compress("piece by piece, piece by piece");
    const head = await inflate(inflater, bytes.subarray(0, 3), false);
    assert.equal(head.error, undefined);
    assert.equal(head.tooBig, false);
    const rest = await inflate(inflater, bytes.subarray(3), true);
    assert.deepEqual([rest.error, rest.tooBig], [undefined, false]);
    assert.equal(head.output + rest.output, "piece by piece, piece by piece");
    assert.deepEqual(await inflate(inflater, compress("second"), true), {
      error: undefined,
      output: "second",
      tooBig: false,
    });
    assert.deepEqual(await inflate(inflater, Buffer.alloc(0), true), {
      error: undefined,
      output: "",
      tooBig: false,
    });
  });

  it("keeps the context between messages when the client keeps it", async () => {
    const deflater = zlib.createDeflateRaw();
    const next = (text: string): Promise<Buffer> =>
      new Promise((resolve) => {
        const chunks: Buffer[] = [];
        const onData = (chunk: Buffer): void => {
          chunks.push(chunk);
        };
        deflater.on("data", onData);
        deflater.write(text);
        deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          deflater.off("data", onData);
          const all = Buffer.concat(chunks);
          resolve(all.subarray(0, all.length - 4));
        });
      });
    const inflater = new Inflater(keeping);
    const first = await next("repeated words, repeated words");
    const second = await next("repeated words, repeated words");
    assert.equal((await inflate(inflater, first, true)).output, "repeated words, repeated words");
    // The second message refers back into the first one's window.
    assert.equal((await inflate(inflater, second, true)).output, "repeated words, repeated words");
    const fresh = await inflate(new Inflater(agreement), second, true);
    assert.notEqual(fresh.output, "repeated words, repeated words");
    deflater.close();
    inflater.close();
  });

  it("reports output past the limit as too big, keeping nothing beyond it", async () => {
    const inflater = new Inflater(agreement);
    const bomb = compress("a".repeat(100_000));
    const result = await inflate(inflater, bomb, true, 1000);
    assert.equal(result.tooBig, true);
    assert.equal(result.error, undefined);
    assert.ok(result.output.length <= 1000, `kept ${result.output.length} bytes`);
    const exact = await inflate(new Inflater(agreement), compress("b".repeat(1000)), true, 1000);
    assert.deepEqual(exact, { error: undefined, output: "b".repeat(1000), tooBig: false });
    assert.equal((await inflate(inflater, compress("ok"), true)).output, "ok", "usable after");
  });

  it("reports invalid deflate data as an error, and starts a fresh stream after it", async () => {
    const inflater = new Inflater(keeping);
    const result = await inflate(inflater, Buffer.from([0xff, 0xff, 0xff, 0xff]), true);
    assert.ok(result.error instanceof Error);
    assert.equal(result.output, "");
    assert.deepEqual(await inflate(inflater, compress("after"), true), {
      error: undefined,
      output: "after",
      tooBig: false,
    });
  });

  it("ends a running job when closed, with an error", async () => {
    const inflater = new Inflater(agreement);
    const pending = inflate(inflater, compress("x".repeat(10)), false);
    inflater.close();
    const result = await pending;
    assert.equal(result.error?.message, "The inflater was closed");
    inflater.close();
  });
});

describe("the process-wide job cap", () => {
  it("defaults to 4 and refuses anything but a whole number ≥ 1", () => {
    assert.equal(maxConcurrentJobs(), 4);
    for (const jobs of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => setMaxConcurrentJobs(jobs), {
        name: "RangeError",
        message: `The compression job limit must be a whole number ≥ 1, got ${jobs}`,
      });
    }
    assert.equal(maxConcurrentJobs(), 4);
  });

  it("runs at most that many jobs at once, starting a waiting one when a slot frees", async () => {
    setMaxConcurrentJobs(1);
    try {
      assert.equal(maxConcurrentJobs(), 1);
      const first = new Inflater(agree("permessage-deflate")!);
      const second = new Inflater(agree("permessage-deflate")!);
      const one = inflate(first, compress("one"), true);
      const two = inflate(second, compress("two"), true);
      // The second job waits for the slot, so it has no stream yet that close() could end.
      second.close();
      assert.deepEqual(await one, { error: undefined, output: "one", tooBig: false });
      assert.deepEqual(await two, { error: undefined, output: "two", tooBig: false });
      // Both slots were given back: a third job runs.
      const third = await inflate(new Inflater(agree("permessage-deflate")!), compress("3"), true);
      assert.equal(third.output, "3");
    } finally {
      setMaxConcurrentJobs(4);
    }
  });

  it("with the default cap, a second socket's job starts at once", async () => {
    const first = new Inflater(agree("permessage-deflate")!);
    const second = new Inflater(agree("permessage-deflate")!);
    const one = inflate(first, compress("one"), true);
    const two = inflate(second, compress("two"), true);
    second.close();
    assert.equal((await two).error?.message, "The inflater was closed");
    assert.equal((await one).output, "one");
  });
});
