import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ProxyHeader, parseProxyHeader, V2_SIGNATURE } from "../../src/wire/proxy-protocol.js";

/** Exact bytes in, exact verdicts out: every case also parsed from every split of its bytes. */

function v2(command: number, family: number, body: number[]): Buffer {
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head);
  head[12] = 0x20 | command;
  head[13] = family;
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, Buffer.from(body)]);
}

const port = (value: number): number[] => [value >> 8, value & 0xff];
const tlv = (type: number, value: number[]): number[] => [type, ...port(value.length), ...value];
const IPV4_BODY = [192, 0, 2, 1, 198, 51, 100, 2, ...port(54321), ...port(443)];
const IPV6_BODY = [
  0x20,
  0x01,
  0x0d,
  0xb8,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0x17, // 2001:db8::17
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0,
  0xff,
  0xff,
  127,
  0,
  0,
  1, // ::ffff:127.0.0.1
  ...port(4711),
  ...port(8080),
];
const SSL_TLV = tlv(0x20, [0x01, 0, 0, 0, 0, ...tlv(0x21, [...Buffer.from("TLSv1.3")])]);
const AUTHORITY_TLV = tlv(0x02, [...Buffer.from("shop.example")]);

const base = { tls: false, authority: undefined, local: false };
const local = (version: 1 | 2, extra: Partial<ProxyHeader> = {}): ProxyHeader => ({
  ...base,
  version,
  local: true,
  source: undefined,
  destination: undefined,
  ...extra,
});

interface Valid {
  name: string;
  bytes: Buffer;
  header: ProxyHeader;
}

const VALID: Valid[] = [
  {
    name: "v1 TCP4",
    bytes: Buffer.from("PROXY TCP4 192.0.2.1 198.51.100.2 54321 443\r\n"),
    header: {
      ...base,
      version: 1,
      source: { address: "192.0.2.1", port: 54321 },
      destination: { address: "198.51.100.2", port: 443 },
    },
  },
  {
    name: "v1 TCP6",
    bytes: Buffer.from("PROXY TCP6 2001:db8::17 ::1 0 65535\r\n"),
    header: {
      ...base,
      version: 1,
      source: { address: "2001:db8::17", port: 0 },
      destination: { address: "::1", port: 65535 },
    },
  },
  { name: "v1 UNKNOWN", bytes: Buffer.from("PROXY UNKNOWN\r\n"), header: local(1) },
  {
    name: "v1 UNKNOWN with addresses (ignored)",
    bytes: Buffer.from("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"),
    header: local(1),
  },
  {
    name: "v2 PROXY TCP4",
    bytes: v2(1, 0x11, IPV4_BODY),
    header: {
      ...base,
      version: 2,
      source: { address: "192.0.2.1", port: 54321 },
      destination: { address: "198.51.100.2", port: 443 },
    },
  },
  {
    name: "v2 PROXY TCP6, IPv4-mapped destination",
    bytes: v2(1, 0x21, IPV6_BODY),
    header: {
      ...base,
      version: 2,
      source: { address: "2001:db8::17", port: 4711 },
      destination: { address: "::ffff:127.0.0.1", port: 8080 },
    },
  },
  {
    name: "v2 PROXY TCP4 with SSL and authority TLVs",
    bytes: v2(1, 0x11, [...IPV4_BODY, ...SSL_TLV, ...AUTHORITY_TLV]),
    header: {
      ...base,
      version: 2,
      source: { address: "192.0.2.1", port: 54321 },
      destination: { address: "198.51.100.2", port: 443 },
      tls: true,
      authority: "shop.example",
    },
  },
  {
    name: "v2 SSL TLV without the client-SSL bit is not TLS",
    bytes: v2(1, 0x11, [...IPV4_BODY, ...tlv(0x20, [0x00, 0, 0, 0, 0])]),
    header: {
      ...base,
      version: 2,
      source: { address: "192.0.2.1", port: 54321 },
      destination: { address: "198.51.100.2", port: 443 },
    },
  },
  { name: "v2 LOCAL (health check)", bytes: v2(0, 0x00, []), header: local(2) },
  {
    name: "v2 LOCAL with addresses (ignored)",
    bytes: v2(0, 0x11, IPV4_BODY),
    header: local(2),
  },
  {
    name: "v2 PROXY over UNIX sockets: no address",
    bytes: v2(1, 0x31, Array(216).fill(0)),
    header: local(2),
  },
  {
    name: "v2 unknown TLV skipped",
    bytes: v2(1, 0x11, [...IPV4_BODY, ...tlv(0xe0, [1, 2, 3])]),
    header: {
      ...base,
      version: 2,
      source: { address: "192.0.2.1", port: 54321 },
      destination: { address: "198.51.100.2", port: 443 },
    },
  },
];

const INVALID: Array<{ name: string; bytes: Buffer; reason: RegExp }> = [
  {
    name: "v1 bad protocol",
    bytes: Buffer.from("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"),
    reason: /TCP4, TCP6 or UNKNOWN/,
  },
  { name: "v1 family mismatch", bytes: Buffer.from("PROXY TCP4 ::1 ::1 1 2\r\n"), reason: /IPv4/ },
  {
    name: "v1 port too large",
    bytes: Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n"),
    reason: /ports/,
  },
  {
    name: "v1 port with a leading zero",
    bytes: Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 080 2\r\n"),
    reason: /ports/,
  },
  {
    name: "v1 missing port",
    bytes: Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 80\r\n"),
    reason: /two ports/,
  },
  {
    name: "v1 double space",
    bytes: Buffer.from("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n"),
    reason: /two ports/,
  },
  { name: "v1 bare LF", bytes: Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"), reason: /CRLF/ },
  { name: "v1 CR without LF", bytes: Buffer.from("PROXY TCP4\r 1.2.3.4"), reason: /CRLF/ },
  {
    name: "v1 over 107 bytes",
    bytes: Buffer.from(`PROXY UNKNOWN ${"x".repeat(100)}`),
    reason: /107/,
  },
  {
    name: "v1 line of 108 bytes",
    bytes: Buffer.from(`PROXY UNKNOWN ${"x".repeat(92)}\r\n`),
    reason: /107/,
  },
  {
    name: "v2 version 1",
    bytes: Buffer.concat([V2_SIGNATURE, Buffer.from([0x11, 0x11, 0, 0])]),
    reason: /version must be 2/,
  },
  {
    name: "v2 command 2",
    bytes: Buffer.concat([V2_SIGNATURE, Buffer.from([0x22, 0x11, 0, 0])]),
    reason: /LOCAL or PROXY/,
  },
  { name: "v2 TCP4 too short", bytes: v2(1, 0x11, IPV4_BODY.slice(0, 11)), reason: /too short/ },
  { name: "v2 TCP6 too short", bytes: v2(1, 0x21, IPV4_BODY), reason: /too short/ },
  {
    name: "v2 truncated TLV",
    bytes: v2(1, 0x11, [...IPV4_BODY, 0x20, 0]),
    reason: /TLV truncated/,
  },
  {
    name: "v2 TLV overrunning",
    bytes: v2(1, 0x11, [...IPV4_BODY, 0x02, 0, 9, 1]),
    reason: /longer than the header/,
  },
  {
    name: "v2 SSL TLV too short",
    bytes: v2(1, 0x11, [...IPV4_BODY, ...tlv(0x20, [1])]),
    reason: /SSL TLV too short/,
  },
  {
    name: "v2 over the size limit",
    bytes: Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x20, 0x00])]),
    reason: /longer than/,
  },
];

describe("PROXY protocol parser", () => {
  for (const { name, bytes, header } of VALID) {
    it(`${name}: parsed whole, with HTTP after it, and incomplete at every split`, () => {
      assert.deepEqual(parseProxyHeader(bytes), { kind: "header", header, length: bytes.length });
      const withRequest = Buffer.concat([bytes, Buffer.from("GET / HTTP/1.1\r\n\r\n")]);
      assert.deepEqual(parseProxyHeader(withRequest), {
        kind: "header",
        header,
        length: bytes.length,
      });
      for (let split = 0; split < bytes.length; split++) {
        assert.deepEqual(
          parseProxyHeader(bytes.subarray(0, split)),
          { kind: "incomplete" },
          `split ${split}`,
        );
      }
    });
  }

  for (const { name, bytes, reason } of INVALID) {
    it(`${name}: refused, and never accepted from any prefix`, () => {
      const parsed = parseProxyHeader(bytes);
      assert.equal(parsed.kind, "invalid");
      assert.match((parsed as { reason: string }).reason, reason);
      for (let split = 0; split < bytes.length; split++) {
        const kind = parseProxyHeader(bytes.subarray(0, split)).kind;
        assert.ok(kind === "incomplete" || kind === "invalid", `split ${split}: ${kind}`);
      }
    });
  }

  it("plain HTTP and TLS are absent from the first byte that differs", () => {
    for (const text of ["GET / HTTP/1.1\r\n", "P", "POST / HTTP/1.1\r\n", "PROXZ", "\r\n\r\nGET"]) {
      const bytes = Buffer.from(text, "latin1");
      const expected = text === "P" ? "incomplete" : "absent";
      assert.equal(parseProxyHeader(bytes).kind, expected, JSON.stringify(text));
    }
    assert.equal(parseProxyHeader(Buffer.from([0x16, 0x03, 0x01])).kind, "absent");
    assert.equal(parseProxyHeader(Buffer.from("PROX")).kind, "incomplete");
  });
});
