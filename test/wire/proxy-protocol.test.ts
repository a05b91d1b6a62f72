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

describe("PROXY protocol parser: exact addresses, reasons and bounds", () => {
  /** A v2 PROXY TCP6 header whose source is the given eight groups. */
  const v6Source = (groups: number[]): Buffer =>
    v2(1, 0x21, [...groups.flatMap(port), ...Array(15).fill(0), 1, ...port(1), ...port(2)]);
  const sourceOf = (bytes: Buffer): string | undefined => {
    const parsed = parseProxyHeader(bytes);
    assert.equal(parsed.kind, "header");
    return (parsed as { header: ProxyHeader }).header.source?.address;
  };

  it("writes v2 IPv6 addresses as RFC 5952 does", () => {
    const cases: Array<[number[], string]> = [
      [[0x2001, 0xdb8, 1, 2, 3, 4, 5, 6], "2001:db8:1:2:3:4:5:6"],
      [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"],
      [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 0], "2001:db8:0:0:1::"],
      [[0x2001, 0, 0, 1, 0, 0, 0, 1], "2001:0:0:1::1"],
      [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"],
      [[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
      [[0, 0, 0, 0, 0, 0, 0, 0], "::"],
      [[0xfe80, 0, 0, 0, 0, 0, 0, 0], "fe80::"],
      [[0, 0, 0xabcd, 0, 0, 0, 0, 0xffff], "0:0:abcd::ffff"],
      [[0, 0, 0, 0, 0, 0xfffe, 0x7f00, 1], "::fffe:7f00:1"],
      [[0, 0, 0, 0, 1, 0xffff, 0x7f00, 1], "::1:ffff:7f00:1"],
      [[1, 0, 0, 0, 0, 0xffff, 0x7f00, 1], "1::ffff:7f00:1"],
      [[0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201], "::ffff:192.0.2.1"],
    ];
    for (const [groups, text] of cases) assert.equal(sourceOf(v6Source(groups)), text, text);
  });

  it("reads v2 ports as 16-bit big-endian numbers", () => {
    const parsed = parseProxyHeader(v2(1, 0x11, [1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xfe, 0x01, 0x02]));
    assert.deepEqual(parsed, {
      kind: "header",
      header: {
        ...base,
        version: 2,
        source: { address: "1.2.3.4", port: 0xfffe },
        destination: { address: "5.6.7.8", port: 0x0102 },
      },
      length: 28,
    });
  });

  it("gives each refusal its exact reason", () => {
    const reasons: Array<[Buffer, string]> = [
      [
        Buffer.from("PROXY UDP4 1 2 3 4\r\n"),
        "v1 protocol must be TCP4, TCP6 or UNKNOWN, got 'UDP4'",
      ],
      [Buffer.from("PROXY \r\n"), "v1 protocol must be TCP4, TCP6 or UNKNOWN, got ''"],
      [
        Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"),
        "v1 header needs source, destination and two ports",
      ],
      [Buffer.from("PROXY TCP4 1.2.3.4 ::1 1 2\r\n"), "v1 addresses are not IPv4 addresses"],
      [Buffer.from("PROXY TCP6 ::1 1.2.3.4 1 2\r\n"), "v1 addresses are not IPv6 addresses"],
      [Buffer.from("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), "v1 addresses are not IPv6 addresses"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 65536\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 x 2\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 0x10 2\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1\t 2\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\t\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 02\r\n"), "v1 ports must be 0-65535"],
      [Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 123456 2\r\n"), "v1 ports must be 0-65535"],
      [
        Buffer.from("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n"),
        "v1 header needs source, destination and two ports",
      ],
      [Buffer.from("PROXY TCP4\n"), "v1 header not ended by CRLF"],
      [Buffer.from("PROXY \rX"), "v1 header not ended by CRLF"],
      [
        Buffer.concat([V2_SIGNATURE, Buffer.from([0x31, 0x11, 0, 0])]),
        "v2 version must be 2, got 3",
      ],
      [
        Buffer.concat([V2_SIGNATURE, Buffer.from([0x2f, 0x11, 0, 0])]),
        "v2 command must be LOCAL or PROXY, got 15",
      ],
      [
        Buffer.concat([V2_SIGNATURE, Buffer.from([0x21, 0x11, 0x10, 0x01])]),
        "v2 header longer than 4112 bytes",
      ],
      [v2(1, 0x21, Array(35).fill(0)), "v2 header too short for its addresses"],
      [v2(1, 0x11, [...IPV4_BODY, 0x20]), "v2 TLV truncated"],
      [v2(1, 0x11, [...IPV4_BODY, 0x01, 0, 1]), "v2 TLV longer than the header"],
      [v2(1, 0x11, [...IPV4_BODY, ...tlv(0x20, [1, 0, 0, 0])]), "v2 SSL TLV too short"],
    ];
    for (const [bytes, reason] of reasons) {
      assert.deepEqual(
        parseProxyHeader(bytes),
        { kind: "invalid", reason },
        JSON.stringify(bytes.toString("latin1")),
      );
    }
  });

  it("accepts a v1 line of exactly 107 bytes and refuses 107 bytes without CRLF", () => {
    const line = Buffer.from(`PROXY UNKNOWN ${"x".repeat(91)}\r\n`);
    assert.equal(line.length, 107);
    assert.deepEqual(parseProxyHeader(line), { kind: "header", header: local(1), length: 107 });
    const open = Buffer.from(`PROXY UNKNOWN ${"x".repeat(93)}`);
    assert.equal(open.length, 107);
    assert.deepEqual(parseProxyHeader(open), {
      kind: "invalid",
      reason: "v1 header longer than 107 bytes",
    });
    assert.deepEqual(parseProxyHeader(open.subarray(0, 106)), { kind: "incomplete" });
    // A CR as the last byte received may still be followed by LF.
    assert.deepEqual(parseProxyHeader(Buffer.from("PROXY TCP4\r")), { kind: "incomplete" });
  });

  it("accepts a v2 header of exactly the size limit, TLVs up to its last byte", () => {
    const padding = tlv(0xe0, Array(4096 - 12 - 3).fill(0));
    const bytes = v2(1, 0x11, [...IPV4_BODY, ...padding]);
    assert.equal(bytes.length, 16 + 4096);
    assert.equal(parseProxyHeader(bytes).kind, "header");
    assert.deepEqual(parseProxyHeader(bytes.subarray(0, bytes.length - 1)), { kind: "incomplete" });
    assert.deepEqual(parseProxyHeader(bytes.subarray(0, 15)), { kind: "incomplete" });
  });

  it("takes the last SSL and authority TLVs, an empty authority and an SSL TLV of exactly 5 bytes", () => {
    const parsed = parseProxyHeader(
      v2(1, 0x11, [
        ...IPV4_BODY,
        ...tlv(0x02, [...Buffer.from("a.example")]),
        ...tlv(0x20, [0x05, 0, 0, 0, 0]),
        ...tlv(0x02, []),
      ]),
    );
    assert.equal(parsed.kind, "header");
    const { header } = parsed as { header: ProxyHeader };
    assert.equal(header.tls, true);
    assert.equal(header.authority, "");
  });

  it("reads the authority TLV byte for byte (latin1)", () => {
    const parsed = parseProxyHeader(v2(1, 0x11, [...IPV4_BODY, ...tlv(0x02, [0x61, 0xe9, 0xff])]));
    assert.equal((parsed as { header: ProxyHeader }).header.authority, "a\xe9\xff");
  });

  it("keeps TLS and authority TLVs of a LOCAL header, and reads TLVs after TCP6 addresses", () => {
    const health = parseProxyHeader(v2(0, 0x00, [...SSL_TLV, ...AUTHORITY_TLV]));
    assert.deepEqual(health, {
      kind: "header",
      header: local(2, { tls: true, authority: "shop.example" }),
      length: 16 + SSL_TLV.length + AUTHORITY_TLV.length,
    });
    const six = parseProxyHeader(v2(1, 0x21, [...IPV6_BODY, ...AUTHORITY_TLV]));
    assert.equal((six as { header: ProxyHeader }).header.authority, "shop.example");
    assert.equal((six as { header: ProxyHeader }).header.source?.port, 4711);
    assert.equal((six as { header: ProxyHeader }).header.destination?.port, 8080);
  });
});
