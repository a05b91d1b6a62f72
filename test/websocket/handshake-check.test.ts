import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseHead, RequestHead } from "../../src/wire/head.js";
import { DEFAULT_DEFLATE } from "../../src/wire/websocket/deflate.js";
import {
  acceptValue,
  checkHandshake,
  type Handshake,
  type HandshakeRefusal,
  isRefusal,
  switchingProtocols,
} from "../../src/wire/websocket/handshake.js";

/**
 * The opening handshake's checks (RFC 6455 §4.2.1) without a socket: every refusal with its exact
 * status, message and headers, and the exact bytes of the 101 (§4.2.2).
 */

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** A parsed request: `GET /ws HTTP/1.1` with Connection: Upgrade and the given field lines. */
function request(fields: string[], method = "GET"): RequestHead {
  const text = `${method} /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n${fields.map((line) => `${line}\r\n`).join("")}\r\n`;
  const source = Buffer.from(text, "latin1");
  const parsed = parseHead(source, 0, source.length);
  assert.ok(parsed instanceof RequestHead, String(parsed));
  return parsed;
}

function check(
  fields: string[],
  options: { method?: string; deflate?: boolean } = {},
): Handshake | HandshakeRefusal {
  const head = request(fields, options.method);
  return checkHandshake(
    { method: head.method, headers: head.headers, head },
    options.deflate === true ? DEFAULT_DEFLATE : undefined,
  );
}

const GOOD = ["Upgrade: websocket", "Sec-WebSocket-Version: 13", `Sec-WebSocket-Key: ${KEY}`];
const without = (name: string): string[] => GOOD.filter((line) => !line.startsWith(name));

const NOT_WEBSOCKET: HandshakeRefusal = {
  status: 426,
  message: "This address speaks WebSocket: send an Upgrade: websocket request",
  headers: { connection: "Upgrade", upgrade: "websocket" },
};

describe("checkHandshake refusals", () => {
  const refusals: Array<[string, string[], HandshakeRefusal, string?]> = [
    ["no Upgrade", without("Upgrade"), NOT_WEBSOCKET],
    ["Upgrade: h2c", ["Upgrade: h2c", ...without("Upgrade")], NOT_WEBSOCKET],
    ["Upgrade: websocketx", ["Upgrade: websocketx", ...without("Upgrade")], NOT_WEBSOCKET],
    ["POST", GOOD, { status: 405, message: "A WebSocket handshake is a GET" }, "POST"],
    [
      "no version",
      without("Sec-WebSocket-Version"),
      { status: 400, message: "Missing Sec-WebSocket-Version" },
    ],
    ...["8", "", "13, 8", "130", "1 3"].map((version): [string, string[], HandshakeRefusal] => [
      `version '${version}'`,
      [`Sec-WebSocket-Version: ${version}`, ...without("Sec-WebSocket-Version")],
      {
        status: 426,
        message: "Unsupported WebSocket version: this server speaks version 13",
        headers: { "sec-websocket-version": "13" },
      },
    ]),
    ...[
      "",
      "short==",
      "dGhlIHNhbXBsZSBub25jZQ=",
      "dGhlIHNhbXBsZSBub25jZR==",
      "dGhlIHNhbXBsZSBub25jZQ==x",
      "xdGhlIHNhbXBsZSBub25jZQ==",
      "dGhlIHNhbXBsZSBub25j-Q==",
      `${KEY}, ${KEY}`,
    ].map((key): [string, string[], HandshakeRefusal] => [
      `key '${key}'`,
      [`Sec-WebSocket-Key: ${key}`, ...without("Sec-WebSocket-Key")],
      { status: 400, message: "Missing or invalid Sec-WebSocket-Key" },
    ]),
    [
      "no key",
      without("Sec-WebSocket-Key"),
      { status: 400, message: "Missing or invalid Sec-WebSocket-Key" },
    ],
    ...["chat, chat", "chat,", "a b", "", "chat, v{2}"].map(
      (value): [string, string[], HandshakeRefusal] => [
        `protocols '${value}'`,
        [...GOOD, `Sec-WebSocket-Protocol: ${value}`],
        { status: 400, message: "Invalid Sec-WebSocket-Protocol" },
      ],
    ),
    [
      "malformed extensions",
      [...GOOD, "Sec-WebSocket-Extensions: permessage-deflate;"],
      { status: 400, message: "Invalid Sec-WebSocket-Extensions" },
    ],
  ];
  for (const [name, fields, expected, method] of refusals) {
    it(`${name} → ${expected.status}`, () => {
      const result = check(fields, { method });
      assert.deepEqual(result, expected);
      assert.equal(isRefusal(result), true);
    });
  }

  it("an HTTP/1.0 request carries no upgrade: 426", () => {
    const text = `GET /ws HTTP/1.0\r\nConnection: Upgrade\r\n${GOOD.map((line) => `${line}\r\n`).join("")}\r\n`;
    const source = Buffer.from(text, "latin1");
    const head = parseHead(source, 0, source.length) as RequestHead;
    assert.deepEqual(
      checkHandshake({ method: "GET", headers: head.headers, head }, undefined),
      NOT_WEBSOCKET,
    );
  });
});

describe("checkHandshake acceptance", () => {
  it("accepts the RFC's example, trimming the key and the version", () => {
    const result = check([
      "Upgrade: WebSocket",
      "Sec-WebSocket-Version:  13 ",
      `Sec-WebSocket-Key:  ${KEY}  `,
    ]);
    assert.deepEqual(result, { key: KEY, protocols: [], deflate: undefined });
    assert.equal(isRefusal(result), false);
  });

  it("finds websocket in an Upgrade list, in any case", () => {
    const result = check(["Upgrade: h2c, WebSocket ", ...without("Upgrade")]);
    assert.equal(isRefusal(result), false);
  });

  it("accepts every base64 character and each of the four last characters a 16-byte key allows", () => {
    for (const last of "AQgw") {
      const key = `+/09AZaz${"x".repeat(13)}${last}==`;
      const result = check([`Sec-WebSocket-Key: ${key}`, ...without("Sec-WebSocket-Key")]);
      assert.deepEqual(result, { key, protocols: [], deflate: undefined });
    }
    for (const last of "BRhx") {
      const key = `${"x".repeat(21)}${last}==`;
      const result = check([`Sec-WebSocket-Key: ${key}`, ...without("Sec-WebSocket-Key")]);
      assert.equal(isRefusal(result), true, key);
    }
  });

  it("lists the offered subprotocols in order, trimmed, from one or more lines", () => {
    const result = check([
      ...GOOD,
      "Sec-WebSocket-Protocol: v2.chat , v1.chat",
      "Sec-WebSocket-Protocol: !#$%&'*+-.^_`|~09AZaz",
    ]);
    assert.deepEqual(result, {
      key: KEY,
      protocols: ["v2.chat", "v1.chat", "!#$%&'*+-.^_`|~09AZaz"],
      deflate: undefined,
    });
  });

  it("negotiates permessage-deflate only when enabled", () => {
    const offer = [...GOOD, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits"];
    assert.deepEqual(check(offer), { key: KEY, protocols: [], deflate: undefined });
    const enabled = check(offer, { deflate: true }) as Handshake;
    assert.equal(
      enabled.deflate?.header,
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12",
    );
    // Unknown extensions are not an error: the connection goes on without them.
    assert.deepEqual(check([...GOOD, "Sec-WebSocket-Extensions: x-unknown"], { deflate: true }), {
      key: KEY,
      protocols: [],
      deflate: undefined,
    });
  });
});

describe("the 101 response", () => {
  it("computes Sec-WebSocket-Accept as RFC 6455 §1.3 shows", () => {
    assert.equal(acceptValue(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("has exactly the handshake's lines, then the extra lines, then the empty line", () => {
    const plain: Handshake = { key: KEY, protocols: [], deflate: undefined };
    assert.equal(
      switchingProtocols(plain, undefined, ""),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
    );
    const full = check([...GOOD, "Sec-WebSocket-Extensions: permessage-deflate"], {
      deflate: true,
    }) as Handshake;
    assert.equal(
      switchingProtocols(full, "chat", "set-cookie: a=1\r\n"),
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
        "Sec-WebSocket-Protocol: chat\r\n" +
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=12\r\n" +
        "set-cookie: a=1\r\n\r\n",
    );
  });
});
