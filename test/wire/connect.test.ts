import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { engineErrorPattern, withServer } from "./harness.js";

/**
 * CONNECT over real TCP. slow-serv does not tunnel, and a 2xx to CONNECT would switch the
 * connection to a tunnel (RFC 9110 §9.3.6), so the engine answers every well-formed CONNECT with
 * its own 501 and closes: no handler or hook runs (not even one that answers every method), and
 * no byte after the CONNECT is read as tunnel data or as another request.
 */

const MESSAGE = "CONNECT is not supported: this server does not tunnel";

/** The engine's 501 for CONNECT, byte for byte apart from the Date value. */
const NOT_IMPLEMENTED = engineErrorPattern(501, "Not Implemented", MESSAGE);

/** Every way an app can answer any method, each counting the requests it saw. */
function catchAll(seen: string[]): (app: Server) => void {
  return (app) => {
    app.before((request) => {
      seen.push(`before ${request.method}`);
    });
    app.all("/", (request) => {
      seen.push(`all ${request.method}`);
      return "tunnel established";
    });
    app.route("/*", (request, response) => {
      seen.push(`route ${request.method}`);
      response.status = 200;
      response.body = "tunnel established";
    });
  };
}

// What a client that does not wait for the 200 sends next: a TLS ClientHello's first bytes, and
// a request that must not be smuggled in through the would-be tunnel.
const TUNNEL_BYTES = "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03";
const SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

describe("CONNECT", { timeout: 10_000 }, () => {
  const requests: ReadonlyArray<readonly [string, string]> = [
    ["CONNECT host:port", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"],
    ["CONNECT to an IPv6 literal", "CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n"],
    ["CONNECT in HTTP/1.0", "CONNECT a:443 HTTP/1.0\r\n\r\n"],
    [
      "CONNECT with a body",
      "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\nContent-Length: 5\r\n\r\nhello",
    ],
  ];
  for (const [name, request] of requests) {
    it(`${name} → exactly the engine's 501, then close, with no handler run`, async () => {
      const seen: string[] = [];
      await withServer(catchAll(seen), async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(request + TUNNEL_BYTES + SMUGGLED);
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, NOT_IMPLEMENTED);
        assert.equal(client.error, undefined, "the 501 must not be lost to a reset");
        assert.deepEqual(seen, []);
      });
    });
  }

  it("answers requests pipelined before a CONNECT, then the 501, then closes", async () => {
    const seen: string[] = [];
    await withServer(catchAll(seen), async ({ port }) => {
      const client = await RawClient.connect(port);
      client.write(
        `GET /first HTTP/1.1\r\nHost: x\r\n\r\nCONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n${SMUGGLED}`,
      );
      const raw = await client.untilClosed();
      const { responses, rest } = parseResponses(raw, [], true);
      assert.deepEqual(
        responses.map((response) => [response.status, response.body.toString()]),
        [
          [200, "tunnel established"],
          [501, `${MESSAGE}\n`],
        ],
      );
      assert.equal(responses[0]!.headers.connection, undefined);
      assert.equal(responses[1]!.headers.connection, "close");
      assert.equal(rest.length, 0);
      assert.deepEqual(seen, ["before GET", "route GET"]);
    });
  });

  it("is a 501 through app.inject() too (same engine)", async () => {
    const seen: string[] = [];
    const app = new Server({ logger: false });
    catchAll(seen)(app);
    const response = await app.inject({ method: "CONNECT", url: "a:443" });
    assert.equal(response.status, 501);
    assert.equal(response.text(), `${MESSAGE}\n`);
    assert.deepEqual(seen, []);
  });
});
