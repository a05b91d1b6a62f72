import assert from "node:assert/strict";
import { once } from "node:events";
import { describe, it } from "node:test";
import zlib from "node:zlib";
import { WebSocket as WsClient } from "ws";
import type { Server } from "../../src/index.js";
import {
  DEFAULT_DEFLATE,
  negotiateDeflate,
  parseExtensions,
} from "../../src/wire/websocket/deflate.js";
import { withServer } from "../wire/harness.js";
import { clientFrame, RawWebSocket } from "./frames.js";

/** permessage-deflate (RFC 7692): negotiation (§5, §7.1) and compressed messages (§6, §7.2). */

function negotiated(offer: string, options = {}): string | undefined {
  const offers = parseExtensions(offer);
  assert.ok(offers !== undefined, `malformed: ${offer}`);
  return negotiateDeflate(offers, { ...DEFAULT_DEFLATE, ...options })?.header;
}

describe("permessage-deflate negotiation", () => {
  const base = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
  const cases: Array<[string, string | undefined, object?]> = [
    ["permessage-deflate", `${base}; server_max_window_bits=12`],
    ["permessage-deflate; client_max_window_bits", `${base}; server_max_window_bits=12`],
    ["permessage-deflate; server_max_window_bits=10", `${base}; server_max_window_bits=10`],
    ["permessage-deflate; server_max_window_bits=15", `${base}; server_max_window_bits=12`],
    ['permessage-deflate; server_max_window_bits="11"', `${base}; server_max_window_bits=11`],
    [
      "permessage-deflate; client_max_window_bits=9",
      `${base}; server_max_window_bits=12; client_max_window_bits=9`,
    ],
    [
      "permessage-deflate; client_max_window_bits",
      `${base}; server_max_window_bits=12; client_max_window_bits=10`,
      { clientMaxWindowBits: 10 },
    ],
    ["permessage-deflate", undefined, { clientMaxWindowBits: 10 }],
    [
      "permessage-deflate",
      `permessage-deflate; server_no_context_takeover; server_max_window_bits=12`,
      { clientNoContextTakeover: false },
    ],
    [
      "permessage-deflate; server_max_window_bits=15",
      `permessage-deflate; server_no_context_takeover; server_max_window_bits=15`,
      { clientNoContextTakeover: false, serverMaxWindowBits: 15 },
    ],
    // Declined offers: unknown or repeated parameters, bad values, a window zlib cannot honour.
    ["permessage-deflate; unknown=1", undefined],
    ["permessage-deflate; server_no_context_takeover; server_no_context_takeover", undefined],
    ["permessage-deflate; server_max_window_bits", undefined],
    ["permessage-deflate; server_max_window_bits=16", undefined],
    ["permessage-deflate; server_max_window_bits=08", undefined],
    ["permessage-deflate; server_max_window_bits=8", undefined],
    ["permessage-deflate; client_no_context_takeover=1", undefined],
    ["x-webkit-deflate-frame", undefined],
    // The first acceptable offer wins.
    [
      "permessage-deflate; bogus, permessage-deflate; server_max_window_bits=9",
      `${base}; server_max_window_bits=9`,
    ],
  ];
  for (const [offer, expected, options] of cases) {
    it(`${offer} → ${expected ?? "declined"}`, () =>
      assert.equal(negotiated(offer, options), expected));
  }
  it("rejects malformed headers", () => {
    assert.equal(parseExtensions("permessage-deflate;"), undefined);
    assert.equal(parseExtensions('permessage-deflate; a="b'), undefined);
    assert.equal(parseExtensions(", permessage-deflate"), undefined);
  });
});

/** Compresses a message as a client would: deflate-raw with the 00 00 FF FF tail removed. */
function compress(data: string | Buffer): Buffer {
  const output = zlib.deflateRawSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  return output.subarray(0, output.length - 4);
}

function echo(app: Server): void {
  app.ws(
    "/ws",
    { message: (ws, message, binary) => ws.send(message, { binary }) },
    { compression: true, maxMessageBytes: 64 * 1024 },
  );
  app.ws("/plain", { message: (ws, message) => ws.send(message) });
}

const OFFER = { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" };

describe("Compressed messages over TCP (sections 12 and 13)", { timeout: 20_000 }, () => {
  it("echoes messages of every size with the ws client, compressed both ways", async () => {
    await withServer(echo, async ({ port }) => {
      const client = new WsClient(`ws://127.0.0.1:${port}/ws`, {
        perMessageDeflate: { threshold: 0 },
      });
      await once(client, "open");
      assert.match(client.extensions, /permessage-deflate/);
      for (const size of [0, 16, 64, 256, 1024, 4096, 16384, 65536]) {
        const text = "abcdefghij".repeat(size / 10 + 1).slice(0, size);
        client.send(text);
        const [reply] = (await once(client, "message")) as [Buffer];
        assert.equal(reply.toString(), text, `size ${size}`);
      }
      client.close();
      await once(client, "close");
    });
  });

  it("inflates fragmented compressed messages with control frames between, sent byte by byte", async () => {
    await withServer(echo, async ({ port }) => {
      const client = await RawWebSocket.open(port, "/ws", OFFER);
      assert.match(
        client.response,
        /Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover/,
      );
      const text = "Hello, compressed world! ".repeat(100);
      const body = compress(text);
      const third = Math.floor(body.length / 3);
      const frames = Buffer.concat([
        clientFrame(1, body.subarray(0, third), { fin: false, rsv: 4 }),
        clientFrame(9, "ping"),
        clientFrame(0, body.subarray(third, 2 * third), { fin: false }),
        clientFrame(0, body.subarray(2 * third)),
        clientFrame(1, compress("second"), { rsv: 4 }),
        clientFrame(1, "uncompressed"),
      ]);
      for (const byte of frames) client.send(Buffer.of(byte));
      const [pong, first, second, third3] = await client.frames(4);
      assert.equal(pong!.opcode, 10);
      // Large replies are compressed (rsv1), small ones go as they are.
      assert.equal(first!.rsv1, true);
      assert.equal(
        zlib
          .inflateRawSync(Buffer.concat([first!.payload, Buffer.from([0, 0, 0xff, 0xff])]), {
            finishFlush: zlib.constants.Z_SYNC_FLUSH,
          })
          .toString(),
        text,
      );
      assert.deepEqual([second!.rsv1, second!.payload.toString()], [false, "second"]);
      assert.equal(third3!.payload.toString(), "uncompressed");
      client.raw.destroy();
    });
  });

  it("fails invalid UTF-8 inside a compressed fragment with 1007 before the message ends", async () => {
    await withServer(echo, async ({ port }) => {
      const client = await RawWebSocket.open(port, "/ws", OFFER);
      const invalid = compress(
        Buffer.concat([Buffer.from("fine so far "), Buffer.from([0xed, 0xa0, 0x80])]),
      );
      client.send(clientFrame(1, invalid, { fin: false, rsv: 4 }));
      assert.equal((await client.closed()).code, 1007);
    });
  });

  it("fails a decompression bomb with 1009 (the limit applies after inflating)", async () => {
    await withServer(echo, async ({ port }) => {
      const client = await RawWebSocket.open(port, "/ws", OFFER);
      const bomb = compress(Buffer.alloc(10 * 1024 * 1024));
      assert.ok(bomb.length < 64 * 1024);
      client.send(clientFrame(2, bomb, { rsv: 4 }));
      assert.equal((await client.closed()).code, 1009);
    });
  });

  it("fails RSV1 on a continuation frame, or when not negotiated, with 1002; garbage with 1007", async () => {
    await withServer(echo, async ({ port }) => {
      const continuation = await RawWebSocket.open(port, "/ws", OFFER);
      continuation.send(
        Buffer.concat([
          clientFrame(1, compress("ab"), { fin: false, rsv: 4 }),
          clientFrame(0, "", { rsv: 4 }),
        ]),
      );
      assert.equal((await continuation.closed()).code, 1002);
      const plain = await RawWebSocket.open(port, "/plain", OFFER);
      assert.doesNotMatch(plain.response, /Sec-WebSocket-Extensions/);
      plain.send(clientFrame(1, compress("ab"), { rsv: 4 }));
      assert.equal((await plain.closed()).code, 1002);
      const garbage = await RawWebSocket.open(port, "/ws", OFFER);
      garbage.send(clientFrame(2, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: 4 }));
      assert.equal((await garbage.closed()).code, 1007);
    });
  });

  it("sends one compressed frame, shared, to every compressing subscriber", async () => {
    await withServer(
      (app) => app.ws("/t", { open: (ws) => ws.subscribe("news") }, { compression: true }),
      async ({ port, app }) => {
        const a = await RawWebSocket.open(port, "/t", OFFER);
        const b = await RawWebSocket.open(port, "/t", OFFER);
        const plain = await RawWebSocket.open(port, "/t");
        const news = "breaking ".repeat(500);
        assert.equal(app.publish("news", news), 3);
        const [fromA] = await a.frames(1);
        const [fromB] = await b.frames(1);
        const [fromPlain] = await plain.frames(1);
        assert.equal(fromA!.rsv1, true);
        assert.deepEqual(fromA!.payload, fromB!.payload);
        assert.deepEqual([fromPlain!.rsv1, fromPlain!.payload.toString()], [false, news]);
        for (const client of [a, b, plain]) client.raw.destroy();
      },
    );
  });
});

describe("The process-wide cap on inflate jobs", { timeout: 20_000 }, () => {
  it("frees its slots when sockets fail or go away mid-message", async () => {
    const { maxConcurrentJobs } = await import("../../src/wire/websocket/deflate.js");
    await withServer(echo, async ({ port }) => {
      // More failing and vanishing sockets than there are slots; a leaked slot would stall the last.
      for (let round = 0; round < maxConcurrentJobs() * 2; round++) {
        const garbage = await RawWebSocket.open(port, "/ws", OFFER);
        garbage.send(clientFrame(2, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: 4 }));
        assert.equal((await garbage.closed()).code, 1007);
        const gone = await RawWebSocket.open(port, "/ws", OFFER);
        gone.send(clientFrame(1, compress("x".repeat(50_000)), { rsv: 4, fin: false }));
        gone.raw.destroy();
      }
      const last = await RawWebSocket.open(port, "/ws", OFFER);
      last.send(clientFrame(1, compress("still inflating"), { rsv: 4 }));
      assert.equal((await last.frames(1))[0]!.payload.toString(), "still inflating");
      last.raw.destroy();
    });
  });
});
