import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { describe, it } from "node:test";
import { html, type ResponseBody } from "../../src/index.js";
import { newApp } from "./matrix.js";

/**
 * What a handler may return or assign as a body, checked by `tsc` when the tests compile: the
 * kinds the response refuses at run time must not compile (each `@ts-expect-error` must hit an
 * error), and everything it sends must. The runtime half checks that types and run time agree.
 */

interface User {
  name: string;
  tags: string[];
  joined: Date;
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  length(): number {
    return Math.hypot(this.x, this.y);
  }
}

describe("response body types", () => {
  it("refuse what the run time refuses", () => {
    const app = newApp();
    // @ts-expect-error a Map would be sent as {}
    app.get("/map", () => new Map([["a", 1]]));
    // @ts-expect-error a Set would be sent as {}
    app.get("/set", () => new Set([1]));
    // @ts-expect-error a function is a forgotten call
    app.get("/function", () => () => "x");
    // @ts-expect-error a RegExp would be sent as {}
    app.get("/regexp", () => /x/);
    // @ts-expect-error an ArrayBuffer is not Uint8Array: wrap it in one
    app.get("/array-buffer", () => new ArrayBuffer(4));
    // @ts-expect-error only Uint8Array (and Buffer) are sent as bytes
    app.get("/int16", () => new Int16Array(2));
    // @ts-expect-error an array of Maps
    app.get("/maps", () => [new Map()]);
    // @ts-expect-error async handlers too
    app.get("/async-map", async () => new Map());
    async function* numbers() {
      yield 1;
    }
    // @ts-expect-error an async iterable of numbers cannot be streamed
    app.get("/numbers", () => numbers());
    app.get("/assigned", (_request, response) => {
      // @ts-expect-error assigning is checked like returning
      response.body = new Map();
      // @ts-expect-error a promise must be awaited first
      response.body = Promise.resolve("x");
    });
    assert.equal(app.routes().length, 10);
  });

  it("accept what the run time sends", () => {
    const app = newApp();
    const user: User = { name: "ada", tags: ["a"], joined: new Date(0) };
    const bodies: ResponseBody[] = [
      "text",
      42,
      true,
      null,
      Buffer.from("bytes"),
      new Uint8Array(2),
      html`<p>${"x"}</p>`,
      { plain: { nested: [1, "two", null] } },
      [1, 2, 3],
      user,
      [user, user],
      new Point(3, 4),
      new Date(0),
      Readable.from(["a"]),
      (async function* () {
        yield "chunk";
      })(),
    ];
    app.get("/user", () => user);
    app.get("/users", async () => [user]);
    app.get("/point", () => new Point(3, 4));
    app.get("/response", (_request, response) => response.json({ ok: true }));
    assert.equal(bodies.length, 15);
  });

  it("send an interface value, a class instance and a Date as JSON; refuse a Map with 500", async () => {
    const app = newApp();
    app.get("/user", () => ({ name: "ada", tags: ["a"], joined: new Date(0) }) satisfies User);
    app.get("/point", () => new Point(3, 4));
    app.get("/error", () => new Error("secret") as unknown as ResponseBody);
    app.get("/map", () => new Map([["a", 1]]) as unknown as ResponseBody);
    const user = await app.inject({ url: "/user" });
    assert.equal(user.text(), '{"name":"ada","tags":["a"],"joined":"1970-01-01T00:00:00.000Z"}');
    const point = await app.inject({ url: "/point" });
    assert.equal(point.status, 200);
    assert.equal(point.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(point.text(), '{"x":3,"y":4}');
    for (const url of ["/error", "/map"]) {
      const refused = await app.inject({ url, headers: { accept: "text/plain" } });
      assert.equal(refused.status, 500, url);
      assert.equal(refused.text(), "500 Internal Server Error\n", url);
    }
  });
});
