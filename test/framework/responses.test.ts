import assert from "node:assert/strict";
import { Readable } from "node:stream";
import type { Response } from "../../src/app/response.js";
import { html } from "../../src/app/template.js";
import { matrix, newApp } from "./matrix.js";

matrix("response bodies and helpers", (check) => {
  check("each kind of body gets its default Content-Type and framing", async (serve) => {
    const app = newApp();
    app.get("/string", () => "plain text");
    app.get("/buffer", () => Buffer.from([0, 1, 2, 255]));
    app.get("/object", () => ({ a: 1, nested: { b: [true, null] } }));
    app.get("/array", () => [1, "two"]);
    app.get("/number", () => 42);
    app.get("/html", () => html`<p>${"<script>alert(1)</script>"}</p>`);
    app.get("/null", (_request, response) => {
      response.body = null;
    });
    app.get("/nothing", () => {});
    app.get("/typed", (_request, response) => {
      response.headers.set("content-type", "text/csv");
      return "a,b\n1,2\n";
    });
    const client = await serve(app);
    const table: Array<[string, string | null, string]> = [
      ["/string", "text/plain; charset=utf-8", "plain text"],
      ["/object", "application/json; charset=utf-8", '{"a":1,"nested":{"b":[true,null]}}'],
      ["/array", "application/json; charset=utf-8", '[1,"two"]'],
      ["/number", "application/json; charset=utf-8", "42"],
      ["/html", "text/html; charset=utf-8", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"],
      ["/null", null, ""],
      ["/nothing", null, ""],
      ["/typed", "text/csv", "a,b\n1,2\n"],
    ];
    for (const [url, type, text] of table) {
      const response = await client.get(url);
      assert.equal(response.status, 200, url);
      assert.equal(response.headers.get("content-type"), type, url);
      assert.equal(response.text, text, url);
      assert.equal(response.headers.get("content-length"), String(Buffer.byteLength(text)), url);
    }
    const bytes = await client.get("/buffer");
    assert.equal(bytes.headers.get("content-type"), "application/octet-stream");
    assert.deepEqual(bytes.body, Buffer.from([0, 1, 2, 255]));
  });

  check("streams are sent chunked, or with their declared Content-Length", async (serve) => {
    const app = newApp();
    app.get("/readable", () => Readable.from(["first,", Buffer.from("second,"), "third"]));
    app.get("/generator", () =>
      (async function* () {
        for (let index = 0; index < 3; index++) yield `part${index};`;
      })(),
    );
    app.get("/declared", (_request, response) => {
      response.headers.set("content-length", "6");
      return Readable.from(["abc", "def"]);
    });
    const client = await serve(app);
    const readable = await client.get("/readable");
    assert.equal(readable.text, "first,second,third");
    assert.equal(readable.headers.get("transfer-encoding"), "chunked");
    assert.equal(readable.headers.get("content-length"), null);
    assert.equal((await client.get("/generator")).text, "part0;part1;part2;");
    const declared = await client.get("/declared");
    assert.equal(declared.headers.get("content-length"), "6");
    assert.equal(declared.headers.get("transfer-encoding"), null);
    assert.equal(declared.text, "abcdef");
  });

  check("json(), html(), text() set type, status and body and can be returned", async (serve) => {
    const app = newApp();
    app.get("/json", (_request, response) => response.json({ created: true }, 201));
    app.get("/async-json", async (_request, response) => response.json({ created: true }, 201));
    app.get("/html", (_request, response) => response.html(html`<b>${"&"}</b>`, 202));
    app.get("/text", (_request, response) => {
      response.setStatus(203).text("plain");
    });
    const client = await serve(app);
    const json = await client.get("/json");
    assert.deepEqual(
      [json.status, json.headers.get("content-type"), json.text],
      [201, "application/json; charset=utf-8", '{"created":true}'],
    );
    const asyncJson = await client.get("/async-json");
    assert.deepEqual([asyncJson.status, asyncJson.text], [201, '{"created":true}']);
    const markup = await client.get("/html");
    assert.deepEqual(
      [markup.status, markup.headers.get("content-type"), markup.text],
      [202, "text/html; charset=utf-8", "<b>&amp;</b>"],
    );
    const text = await client.get("/text");
    assert.deepEqual(
      [text.status, text.headers.get("content-type"), text.text],
      [203, "text/plain; charset=utf-8", "plain"],
    );
  });

  check("redirect() defaults to 302, takes other 3xx, and encodes the location", async (serve) => {
    const app = newApp();
    app.get("/old", (_request, response) => response.redirect("/new"));
    app.get("/moved", (_request, response) => response.redirect("/permanent", 301));
    app.get("/see-other", (_request, response) => response.redirect("/done", 303));
    app.get("/keep", (_request, response) => response.redirect("/same-method", 307));
    app.get("/unicode", (_request, response) => response.redirect("/café?q=a b"));
    app.get("/split", (_request, response) => response.redirect("/x\r\nSet-Cookie: evil=1"));
    app.get("/bad", (_request, response) => response.redirect("/x", 200));
    const client = await serve(app);
    const table: Array<[string, number, string]> = [
      ["/old", 302, "/new"],
      ["/moved", 301, "/permanent"],
      ["/see-other", 303, "/done"],
      ["/keep", 307, "/same-method"],
      ["/unicode", 302, "/caf%C3%A9?q=a%20b"],
      ["/split", 302, "/x%0D%0ASet-Cookie:%20evil=1"],
    ];
    for (const [url, status, location] of table) {
      const response = await client.get(url);
      assert.equal(response.status, status, url);
      assert.equal(response.headers.get("location"), location, url);
      assert.deepEqual(response.headers.getSetCookie(), [], url);
    }
    const bad = await client.get("/bad", { headers: { accept: "text/plain" } });
    assert.equal(bad.status, 500, "a non-3xx redirect status is a programming error");
  });

  check("cookies set and delete produce exact Set-Cookie lines", async (serve) => {
    const app = newApp();
    app.get("/cookies", (_request, response) => {
      response.cookies
        .set("session", "abc123", { path: "/", httpOnly: true, secure: true, sameSite: "Lax" })
        .set("theme", "dark", { maxAge: 3600, domain: "example.com", path: "/app" })
        .set("replaced", "first")
        .set("replaced", "second")
        .delete("old", { path: "/" });
      return "ok";
    });
    app.get("/bad-cookie", (_request, response) => {
      response.cookies.set("bad", "has space");
    });
    const client = await serve(app);
    const response = await client.get("/cookies");
    assert.deepEqual(response.headers.getSetCookie(), [
      "session=abc123; Path=/; HttpOnly; Secure; SameSite=Lax",
      "theme=dark; Max-Age=3600; Domain=example.com; Path=/app",
      "replaced=second",
      "old=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ]);
    const bad = await client.get("/bad-cookie", { headers: { accept: "text/plain" } });
    assert.equal(bad.status, 500);
    assert.deepEqual(bad.headers.getSetCookie(), []);
  });

  check("a bad body or status is a 500 that still sets each cookie once", async (serve) => {
    const app = newApp();
    const withCookies = (response: Response): void => {
      response.headers.append("set-cookie", "manual=1");
      response.cookies.set("jar", "2");
    };
    // @ts-expect-error a Map is refused by the types too; this checks the run time for JS callers
    app.get("/map", (_request, response) => {
      withCookies(response);
      return new Map([["not", "json"]]);
    });
    // @ts-expect-error as is a function
    app.get("/function", (_request, response) => {
      withCookies(response);
      return () => "forgot to call me";
    });
    app.get("/status", (_request, response) => {
      withCookies(response);
      response.status = 200.5;
      return "x";
    });
    const client = await serve(app);
    for (const url of ["/map", "/function", "/status"]) {
      const response = await client.get(url, { headers: { accept: "text/plain" } });
      assert.equal(response.status, 500, url);
      assert.equal(response.text, "500 Internal Server Error\n", url);
      assert.deepEqual(response.headers.getSetCookie(), ["manual=1", "jar=2"], url);
    }
  });
});
