import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Server } from "../../src/index.js";
import { parseResponses, RawClient } from "./client.js";
import { engineErrorPattern, withServer } from "./harness.js";

/**
 * The strictness rules of issue 13 over real TCP (items 10, 11, 13): each bad request gets the
 * engine's exact error response, then the connection closes and nothing sent after it is answered.
 * The header timeout is off, so input that waited for it instead of being refused at its first
 * invalid byte would fail on the client's deadline, not pass slowly.
 */

function routes(app: Server): void {
  app.route("/*", (request) => `${request.method} ${request.path} host=${request.host}`);
  app.post("/read", async (request) => `read ${(await request.bytes()).length}`);
}

const OPTIONS = { timeouts: { headers: 0 } };
const GOOD = "GET /good HTTP/1.1\r\nHost: x\r\n\r\n";
const NEXT = "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";

interface Refusal {
  readonly name: string;
  readonly request: string;
  readonly status: number;
  readonly reason: string;
  readonly message: string;
  /** Requests before the bad bytes that are answered first. */
  readonly answeredFirst?: number;
  /**
   * Sent without a request after it: the bytes can never become a complete head, so only a
   * refusal at the first invalid byte answers them (another request after them would complete a
   * head and be refused for its syntax instead).
   */
  readonly unfinished?: boolean;
}

const bad = (name: string, request: string, message: string): Refusal => ({
  name,
  request,
  status: 400,
  reason: "Bad Request",
  message,
});

const REFUSALS: readonly Refusal[] = [
  // Item 10: bytes that can never start or continue a request.
  {
    ...bad("NUL after a complete request", `${GOOD}\x00`, "Invalid byte in the request head"),
    answeredFirst: 1,
    unfinished: true,
  },
  {
    ...bad("{ after a complete request", `${GOOD}{"a":1}`, "Invalid byte in the request head"),
    answeredFirst: 1,
    unfinished: true,
  },
  { ...bad("a lone NUL", "\x00", "Invalid byte in the request head"), unfinished: true },
  {
    ...bad(
      "a CR not followed by LF in an unfinished head",
      "PUT /url HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\rabc",
      "Invalid byte in the request head",
    ),
    unfinished: true,
  },
  // Item 11: the absolute-form authority is checked like Host.
  bad(
    "markup as the authority of an absolute-form target",
    "GET http://<script>alert(1)<%2Fscript>/x HTTP/1.1\r\nHost: x\r\n\r\n",
    "Invalid authority in the request-target",
  ),
  // Item 13.
  bad("an empty Host", "GET / HTTP/1.1\r\nHost: \r\n\r\n", "Invalid Host header"),
  {
    name: "a method longer than the request-line limit",
    request: `${"M".repeat(9000)} / HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 501,
    reason: "Not Implemented",
    message: "Method too long: not implemented",
  },
  bad(
    "a second Content-Type",
    "POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    "More than one Content-Type",
  ),
  bad(
    "a Content-Length with leading zeros",
    "POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 005\r\n\r\nabcde",
    "Content-Length with a leading zero",
  ),
  bad(
    "a backslash in the target",
    "GET /\\evil.example HTTP/1.1\r\nHost: x\r\n\r\n",
    "Malformed request-line: request-target",
  ),
  bad(
    "a percent-encoded NUL in the path",
    "GET /file.txt%00.png HTTP/1.1\r\nHost: x\r\n\r\n",
    "Percent-encoded NUL, CR or LF in the path",
  ),
  bad(
    "a percent-encoded CR LF in the path",
    "GET /a%0d%0aSet-Cookie:%20x HTTP/1.1\r\nHost: x\r\n\r\n",
    "Percent-encoded NUL, CR or LF in the path",
  ),
];

describe("strictness over TCP (issue 13)", { timeout: 15_000 }, () => {
  for (const refusal of REFUSALS) {
    it(`${refusal.name} → ${refusal.status}, then close`, async () => {
      await withServer(
        routes,
        async ({ port }) => {
          const client = await RawClient.connect(port);
          client.write(refusal.unfinished ? refusal.request : refusal.request + NEXT);
          const raw = await client.untilClosed();
          const { responses } = parseResponses(raw, [], true);
          const first = refusal.answeredFirst ?? 0;
          assert.equal(responses.length, first + 1, raw.toString("latin1"));
          for (const answered of responses.slice(0, first)) assert.equal(answered.status, 200);
          assert.match(
            responses[first]!.raw.toString("latin1"),
            engineErrorPattern(refusal.status, refusal.reason, refusal.message),
          );
          assert.equal(client.error, undefined, "the error response must not be lost to a reset");
        },
        OPTIONS,
      );
    });
  }

  it("keeps 413 for a declared Content-Length above the body limit", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999999\r\n\r\n");
        const raw = await client.untilClosed();
        const { responses } = parseResponses(raw, ["POST"], true);
        assert.equal(responses.length, 1);
        assert.equal(responses[0]!.status, 413);
        assert.equal(responses[0]!.headers.connection, "close");
      },
      OPTIONS,
    );
  });

  it("still serves the well-formed neighbours of the refused forms", async () => {
    await withServer(
      routes,
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "GET http://a.example:/x%20y?q=%0d%0a%00 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: a/b\r\nContent-Length: 0\r\n\r\n",
        );
        const [first, second] = await client.responses(2, ["GET", "POST"]);
        assert.equal(first!.body.toString(), "GET /x%20y host=a.example");
        assert.equal(second!.body.toString(), "read 0");
        client.destroy();
      },
      OPTIONS,
    );
  });
});
