import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toWireResponse } from "../../src/app/fetch/response.js";
import { undiciResponse } from "../../src/app/fetch/undici-response.js";
import { WireResponse } from "../../src/wire/response.js";

/**
 * Converting a fetch Response for the engine, through both ways of reading it: undici's state
 * (Node 20 and 22) and the public getters (subclasses, ponyfills, Node 24). Both must give the
 * same status, header lines and body bytes.
 */

const undiciMajor = Number(process.versions.undici?.split(".")[0] ?? "0");
const paths = [
  { name: "the public getters", access: null },
  ...(undiciResponse === null ? [] : [{ name: "undici's state", access: undiciResponse }]),
];

interface Converted {
  status: number;
  lines: string[];
  body: string | null | "(empty iterable)";
}

async function convert(
  response: unknown,
  access: typeof undiciResponse,
  isHead = false,
): Promise<Converted> {
  const target = new WireResponse<unknown>();
  await toWireResponse(response, target, isHead, access);
  const lines = (target.headersIfAny?.serialize(undefined) ?? "").split("\r\n").filter(Boolean);
  let body: Converted["body"];
  if (target.body === null) body = null;
  else if (typeof target.body === "string") body = target.body;
  else if (target.body instanceof Uint8Array) body = Buffer.from(target.body).toString();
  else {
    const chunks: Uint8Array[] = [];
    for await (const chunk of target.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
    body = chunks.length === 0 ? "(empty iterable)" : Buffer.concat(chunks).toString();
  }
  // Header order is not part of the contract (Headers iteration sorts, undici's list does not).
  return { status: target.status, lines: lines.sort(), body };
}

describe("toWireResponse", () => {
  it("reads undici's state on undici 6 (Node 20, 22), where the probe must find it", () => {
    if (undiciMajor === 6) assert.notEqual(undiciResponse, null);
    else assert.equal(undiciResponse, null, `undici ${process.versions.undici}`);
  });

  for (const { name, access } of paths) {
    describe(`through ${name}`, () => {
      it("copies status, headers (as set after construction too), cookies and body", async () => {
        const headers = new Headers({ "Content-Type": "text/plain", "X-Multi": "a" });
        headers.append("x-multi", "b");
        headers.append("Set-Cookie", "a=1; Path=/");
        headers.append("set-cookie", "b=2, c=3");
        const response = new Response("héllo", { status: 201, headers });
        response.headers.set("x-late", "yes");
        assert.deepEqual(await convert(response, access), {
          status: 201,
          lines: [
            "content-type: text/plain",
            "set-cookie: a=1; Path=/",
            "set-cookie: b=2, c=3",
            "x-late: yes",
            "x-multi: a, b",
          ],
          body: "héllo",
        });
      });

      it("sends bytes, ArrayBuffer and Blob bodies whole, and JSON", async () => {
        const bytes = await convert(new Response(new TextEncoder().encode("bytes")), access);
        assert.equal(bytes.body, "bytes");
        const buffer = await convert(new Response(new TextEncoder().encode("ab").buffer), access);
        assert.equal(buffer.body, "ab");
        const blob = await convert(new Response(new Blob(["blob"], { type: "x/y" })), access);
        assert.deepEqual(blob, { status: 200, lines: ["content-type: x/y"], body: "blob" });
        const json = await convert(Response.json({ a: 1 }), access);
        assert.deepEqual(json, {
          status: 200,
          lines: ["content-type: application/json"],
          body: '{"a":1}',
        });
      });

      it("takes status and headers from a subclass's own getters", async () => {
        class Teapot extends Response {}
        Object.defineProperties(Teapot.prototype, {
          status: { get: () => 418 },
          headers: { get: () => new Headers({ "x-from": "getter" }) },
        });
        const converted = await convert(
          new Teapot("tea", { headers: { "x-from": "init" } }),
          access,
        );
        assert.deepEqual(converted, { status: 418, lines: ["x-from: getter"], body: "tea" });
      });

      it("answers a null body with nothing, and HEAD of it without a false length", async () => {
        const get = await convert(new Response(null, { headers: { "x-a": "1" } }), access);
        assert.deepEqual(get, { status: 200, lines: ["x-a: 1"], body: null });
        const head = await convert(new Response(null), access, true);
        assert.deepEqual(head, { status: 200, lines: [], body: "(empty iterable)" });
      });

      it("answers a subclass's null body with nothing (undici keeps no body state for it)", async () => {
        class Empty extends Response {}
        assert.deepEqual(await convert(new Empty(null), access), {
          status: 200,
          lines: [],
          body: null,
        });
      });

      it("HEAD with a declared length cancels the stream unread; GET sends it whole", async () => {
        const pulls: string[] = [];
        const stream = (name: string) =>
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulls.push(`pull ${name}`);
              controller.enqueue(Buffer.from("abc"));
              controller.close();
            },
            cancel() {
              pulls.push(`cancel ${name}`);
            },
          });
        const headers = { "content-length": "3" };
        const head = new WireResponse<unknown>();
        // Answered at once: nothing to wait for, as nothing is read.
        assert.equal(
          toWireResponse(new Response(stream("head"), { headers }), head, true, access),
          undefined,
        );
        const get = await convert(new Response(stream("get"), { headers }), access);
        assert.deepEqual(get, { status: 200, lines: ["content-length: 3"], body: "abc" });
        assert.deepEqual(pulls, ["cancel head", "pull get"]);
        const chunks: Uint8Array[] = [];
        for await (const chunk of head.body as AsyncIterable<Uint8Array>) chunks.push(chunk);
        assert.deepEqual(chunks, []);
        // Without any header at all, HEAD of a stream reads it (the engine sends no body).
        const bare = await convert(new Response(stream("bare")), access, true);
        assert.deepEqual(bare, { status: 200, lines: [], body: "abc" });
      });

      it("a stream still producing is handed on: return() and destroy() cancel it once", async () => {
        let cancels = 0;
        const slow = () =>
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(Buffer.from("first"));
            },
            cancel() {
              cancels++;
            },
          });
        const returned = new WireResponse<unknown>();
        await toWireResponse(new Response(slow()), returned, false, access);
        const iterator = (returned.body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
        const first = await iterator.next();
        assert.equal(Buffer.from(first.value as Uint8Array).toString(), "first");
        assert.deepEqual(await iterator.return!(), { done: true, value: undefined });
        assert.equal(cancels, 1);
        assert.deepEqual(await iterator.next(), { done: true, value: undefined });

        const destroyed = new WireResponse<unknown>();
        await toWireResponse(new Response(slow()), destroyed, false, access);
        const body = destroyed.body as AsyncIterable<Uint8Array> & { destroy(): void };
        body.destroy();
        body.destroy();
        assert.equal(cancels, 2);
        // The chunk already read is dropped with the rest.
        assert.deepEqual(await body[Symbol.asyncIterator]().next(), {
          done: true,
          value: undefined,
        });
      });

      it("refuses a body already read, Response.error() and a 1xx status", async () => {
        const read = new Response("once");
        await read.text();
        await assert.rejects(convert(read, access), /already read/);
        const cancelled = new Response("once");
        await cancelled.body!.cancel();
        await assert.rejects(convert(cancelled, access), /already read/);
        await assert.rejects(convert(Response.error(), access), /status 0/);
        class Early extends Response {}
        Object.defineProperty(Early.prototype, "status", { get: () => 103 });
        await assert.rejects(convert(new Early(null), access), /cannot answer with 103/);
      });
    });
  }

  // What the fast path is for: no ReadableStream, no sorting copy of the headers.
  describe("undici's state, where it is in reach", { skip: undiciResponse === null }, () => {
    const access = undiciResponse!;

    it("takes a known body as made, at once, without touching the body stream", async () => {
      const text = new Response("héllo");
      const target = new WireResponse<unknown>();
      assert.equal(toWireResponse(text, target, false, access), undefined);
      assert.equal(target.body, "héllo");
      for (const make of [
        () => new Response(new TextEncoder().encode("bytes")),
        () => new Response(new TextEncoder().encode("bytes").buffer),
      ]) {
        const response = make();
        const bytes = new WireResponse<unknown>();
        assert.equal(toWireResponse(response, bytes, false, access), undefined);
        assert.ok(bytes.body instanceof Uint8Array);
        assert.equal(Buffer.from(bytes.body).toString(), "bytes");
        assert.equal(response.body!.locked, false);
      }
      const blob = new Response(new Blob(["blob"]));
      const fromBlob = new WireResponse<unknown>();
      await toWireResponse(blob, fromBlob, false, access);
      assert.equal(Buffer.from(fromBlob.body as Uint8Array).toString(), "blob");
      for (const response of [text, blob]) {
        assert.equal(response.bodyUsed, false);
        assert.equal(response.body!.locked, false);
      }
    });

    it("copies header fields in the order they were set, and none when there are none", () => {
      const target = new WireResponse<unknown>();
      toWireResponse(
        new Response(null, {
          headers: [
            ["x-b", "1"],
            ["x-a", "2"],
          ],
        }),
        target,
        false,
        access,
      );
      assert.equal(target.headersIfAny?.serialize(undefined), "x-b: 1\r\nx-a: 2\r\n");
      const bare = new WireResponse<unknown>();
      toWireResponse(new Response(null), bare, false, access);
      assert.equal(bare.headersIfAny, undefined);
    });
  });
});
