import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { engineErrorPattern, withServer } from "./harness.js";

/**
 * Request-target forms and Host over real TCP: where the path and host come from for each form,
 * and the exact error (then close, with nothing after it answered) for a Host or a form misused.
 */

function routes(app: Server): void {
  app.route("/*", (request) => `${request.method} path=${request.path} host=${request.host}`);
}

const NEXT = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

/** The engine's own 400 for `message`, byte for byte apart from the Date value. */
function badRequest(message: string): RegExp {
  return engineErrorPattern(400, "Bad Request", message);
}

describe("request-target forms", { timeout: 10_000 }, () => {
  it("takes the path and host of an absolute-form target and ignores Host (RFC 9112 §3.2.2)", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        "GET http://target.example:8080/a/b?x=/y HTTP/1.1\r\nHost: other.example\r\n\r\n" +
          // A "/" in the query of a target without a path is not the path: it is "/".
          "GET http://target.example?q=/admin HTTP/1.1\r\nHost: target.example\r\n\r\n" +
          "GET HTTP://[::1]:81 HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /origin?q=/admin HTTP/1.1\r\nHost: origin.example:8000\r\n\r\n",
      );
      const bodies = (await client.responses(4)).map((response) => response.body.toString());
      assert.deepEqual(bodies, [
        "GET path=/a/b host=target.example",
        "GET path=/ host=target.example",
        "GET path=/ host=[::1]",
        "GET path=/origin host=origin.example",
      ]);
      client.destroy();
    });
  });

  it("answers OPTIONS * and keeps the connection", async () => {
    await withServer(routes, async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(`OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n${NEXT}`);
      const [options, next] = await client.responses(2);
      assert.ok(options!.status < 300, `OPTIONS * got ${options!.status}`);
      assert.equal(options!.headers.connection, undefined);
      assert.equal(next!.body.toString(), "GET path=/next host=x");
      client.destroy();
    });
  });

  const misuses: ReadonlyArray<readonly [string, string, string]> = [
    [
      "asterisk-form with GET",
      "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
      "Asterisk-form is only allowed with OPTIONS",
    ],
    ["authority-form with GET", "GET x:80 HTTP/1.1\r\nHost: x\r\n\r\n", "Malformed request-target"],
    [
      "CONNECT with origin-form",
      "CONNECT / HTTP/1.1\r\nHost: x\r\n\r\n",
      "CONNECT needs an authority-form target",
    ],
    [
      "CONNECT with asterisk-form",
      "CONNECT * HTTP/1.1\r\nHost: x\r\n\r\n",
      "CONNECT needs an authority-form target",
    ],
    [
      "CONNECT without a port",
      "CONNECT x HTTP/1.1\r\nHost: x\r\n\r\n",
      "CONNECT needs an authority-form target",
    ],
    ["Host with two colons", "GET / HTTP/1.1\r\nHost: a:b:c\r\n\r\n", "Invalid Host header"],
    [
      "Host with an unclosed IP literal",
      "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n",
      "Invalid Host header",
    ],
    [
      "Host with a non-numeric port",
      "GET / HTTP/1.1\r\nHost: a:http\r\n\r\n",
      "Invalid Host header",
    ],
    [
      "Host with a six-digit port",
      "GET / HTTP/1.1\r\nHost: a:100000\r\n\r\n",
      "Invalid Host header",
    ],
    ["Host with userinfo", "GET / HTTP/1.1\r\nHost: u@a\r\n\r\n", "Invalid Host header"],
    ["Host with a port but no host", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n", "Invalid Host header"],
    [
      "two Host fields",
      "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
      "More than one Host header",
    ],
    ["no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", "Missing Host header"],
    [
      "absolute-form with a different Host that is malformed",
      "GET http://a/ HTTP/1.1\r\nHost: a b\r\n\r\n",
      "Invalid Host header",
    ],
  ];
  for (const [name, request, message] of misuses) {
    it(`${name} → exactly one 400, then close`, async () => {
      await withServer(routes, async ({ port }) => {
        const client = await RawClient.connect(port);
        // The pipelined request after the bad one must never be parsed or answered.
        client.write(request + NEXT);
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, badRequest(message));
        assert.equal(parseResponses(Buffer.from(raw, "latin1"), [], true).responses.length, 1);
        assert.equal(client.error, undefined, "the 400 must not be lost to a reset");
      });
    });
  }
});
