import { isIPv4, isIPv6 } from "node:net";

/**
 * The PROXY protocol (haproxy's specification, versions 1 and 2): a header a proxy writes at the
 * very start of a connection to tell the server who the client is, before any byte of the
 * client's own (so before TLS, too). haproxy sends it with `send-proxy` / `send-proxy-v2`, nginx
 * with `proxy_protocol on` (version 1). The parser is pure: it is given everything received so
 * far and says whether a complete header is there, how long it is and what it says; the listener
 * (proxy-listener.ts) decides what to accept.
 */

export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  /**
   * The proxy's own connection (v2 LOCAL, e.g. a health check; v1 UNKNOWN; or a family other
   * than TCP over IPv4/IPv6): no client address, use the socket's.
   */
  readonly local: boolean;
  readonly source: ProxyEndpoint | undefined;
  readonly destination: ProxyEndpoint | undefined;
  /** v2: the client spoke TLS to the proxy (PP2_TYPE_SSL with PP2_CLIENT_SSL). */
  readonly tls: boolean;
  /** v2: the host name the client asked for (PP2_TYPE_AUTHORITY, usually TLS SNI). */
  readonly authority: string | undefined;
}

export type ProxyParse =
  /** Not enough bytes yet to decide. */
  | { readonly kind: "incomplete" }
  /** These bytes cannot start a PROXY header: the connection speaks HTTP (or TLS) directly. */
  | { readonly kind: "absent" }
  | { readonly kind: "header"; readonly header: ProxyHeader; readonly length: number }
  | { readonly kind: "invalid"; readonly reason: string };

/** v1's longest line, CRLF included (the specification's own bound). */
export const V1_MAX_BYTES = 107;
/** A v2 header and its TLVs beyond this are refused: proxies send a few hundred bytes at most. */
export const V2_MAX_BYTES = 16 + 4096;

const V1_PREFIX = Buffer.from("PROXY ", "latin1");
export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

const INCOMPLETE: ProxyParse = { kind: "incomplete" };
const ABSENT: ProxyParse = { kind: "absent" };

function invalid(reason: string): ProxyParse {
  return { kind: "invalid", reason };
}

/** Whether `bytes` and `prefix` agree on their common length. */
function agrees(bytes: Buffer, prefix: Buffer): boolean {
  const length = Math.min(bytes.length, prefix.length);
  return bytes.subarray(0, length).equals(prefix.subarray(0, length));
}

export function parseProxyHeader(bytes: Buffer): ProxyParse {
  if (bytes.length === 0) return INCOMPLETE;
  if (agrees(bytes, V2_SIGNATURE)) {
    return bytes.length < V2_SIGNATURE.length ? INCOMPLETE : parseV2(bytes);
  }
  if (agrees(bytes, V1_PREFIX)) {
    return bytes.length < V1_PREFIX.length ? INCOMPLETE : parseV1(bytes);
  }
  return ABSENT;
}

// ---- version 1: one text line ----------------------------------------------------------------

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined || !/^(?:0|[1-9][0-9]{0,4})$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

function parseV1(bytes: Buffer): ProxyParse {
  const end = bytes.indexOf("\r\n", 0, "latin1");
  if (end === -1) {
    if (bytes.length >= V1_MAX_BYTES) return invalid("v1 header longer than 107 bytes");
    // A bare LF, or a CR not followed by LF, can never become a valid line.
    const stray = bytes.subarray(0, bytes.length - 1).indexOf(0x0d);
    if (bytes.includes(0x0a) || stray !== -1) return invalid("v1 header not ended by CRLF");
    return INCOMPLETE;
  }
  const length = end + 2;
  if (length > V1_MAX_BYTES) return invalid("v1 header longer than 107 bytes");
  const line = bytes.toString("latin1", V1_PREFIX.length, end);
  const [protocol, ...fields] = line.split(" ");
  if (protocol === "UNKNOWN") {
    return { kind: "header", header: localHeader(1, false, undefined), length };
  }
  if (protocol !== "TCP4" && protocol !== "TCP6") {
    return invalid(`v1 protocol must be TCP4, TCP6 or UNKNOWN, got '${protocol}'`);
  }
  if (fields.length !== 4) return invalid("v1 header needs source, destination and two ports");
  const [source, destination, sourcePort, destinationPort] = fields as [
    string,
    string,
    string,
    string,
  ];
  const valid = protocol === "TCP4" ? isIPv4 : isIPv6;
  if (!valid(source) || !valid(destination)) {
    return invalid(`v1 addresses are not ${protocol === "TCP4" ? "IPv4" : "IPv6"} addresses`);
  }
  const from = parsePort(sourcePort);
  const to = parsePort(destinationPort);
  if (from === undefined || to === undefined) return invalid("v1 ports must be 0-65535");
  return {
    kind: "header",
    header: {
      version: 1,
      local: false,
      source: { address: source, port: from },
      destination: { address: destination, port: to },
      tls: false,
      authority: undefined,
    },
    length,
  };
}

// ---- version 2: binary -------------------------------------------------------------------------

const COMMAND_LOCAL = 0x0;
const COMMAND_PROXY = 0x1;
const FAMILY_TCP4 = 0x11;
const FAMILY_TCP6 = 0x21;
const TLV_AUTHORITY = 0x02;
const TLV_SSL = 0x20;
const CLIENT_SSL = 0x01;

function localHeader(version: 1 | 2, tls: boolean, authority: string | undefined): ProxyHeader {
  return { version, local: true, source: undefined, destination: undefined, tls, authority };
}

function ipv6(bytes: Buffer, offset: number): string {
  const groups: number[] = [];
  for (let index = 0; index < 8; index++) groups.push(bytes.readUInt16BE(offset + index * 2));
  // IPv4-mapped: written as ::ffff:a.b.c.d, the form sockets report and people configure.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes[offset + 12]}.${bytes[offset + 13]}.${bytes[offset + 14]}.${bytes[offset + 15]}`;
  }
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function parseV2(bytes: Buffer): ProxyParse {
  if (bytes.length < 16) return INCOMPLETE;
  const versionCommand = bytes[12]!;
  if (versionCommand >> 4 !== 2) return invalid(`v2 version must be 2, got ${versionCommand >> 4}`);
  const command = versionCommand & 0x0f;
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) {
    return invalid(`v2 command must be LOCAL or PROXY, got ${command}`);
  }
  const family = bytes[13]!;
  const length = 16 + bytes.readUInt16BE(14);
  if (length > V2_MAX_BYTES) return invalid(`v2 header longer than ${V2_MAX_BYTES} bytes`);
  if (bytes.length < length) return INCOMPLETE;
  const addressBytes = family === FAMILY_TCP4 ? 12 : family === FAMILY_TCP6 ? 36 : 0;
  if (length - 16 < addressBytes) return invalid("v2 header too short for its addresses");
  const tlvs = parseTlvs(bytes.subarray(16 + addressBytes, length));
  if (typeof tlvs === "string") return invalid(tlvs);
  if (command === COMMAND_LOCAL || addressBytes === 0) {
    return { kind: "header", header: localHeader(2, tlvs.tls, tlvs.authority), length };
  }
  let source: ProxyEndpoint;
  let destination: ProxyEndpoint;
  if (family === FAMILY_TCP4) {
    source = { address: [...bytes.subarray(16, 20)].join("."), port: bytes.readUInt16BE(24) };
    destination = { address: [...bytes.subarray(20, 24)].join("."), port: bytes.readUInt16BE(26) };
  } else {
    source = { address: ipv6(bytes, 16), port: bytes.readUInt16BE(48) };
    destination = { address: ipv6(bytes, 32), port: bytes.readUInt16BE(50) };
  }
  const header: ProxyHeader = {
    version: 2,
    local: false,
    source,
    destination,
    tls: tlvs.tls,
    authority: tlvs.authority,
  };
  return { kind: "header", header, length };
}

interface Tlvs {
  tls: boolean;
  authority: string | undefined;
}

/** Type-length-value records after the addresses; unknown types are skipped, as the spec asks. */
function parseTlvs(bytes: Buffer): Tlvs | string {
  const found: Tlvs = { tls: false, authority: undefined };
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 3 > bytes.length) return "v2 TLV truncated";
    const type = bytes[offset]!;
    const length = bytes.readUInt16BE(offset + 1);
    const start = offset + 3;
    if (start + length > bytes.length) return "v2 TLV longer than the header";
    if (type === TLV_SSL) {
      // client (1 byte), verify (4 bytes), then sub-TLVs about the TLS session.
      if (length < 5) return "v2 SSL TLV too short";
      found.tls = (bytes[start]! & CLIENT_SSL) !== 0;
    } else if (type === TLV_AUTHORITY) {
      found.authority = bytes.toString("latin1", start, start + length);
    }
    offset = start + length;
  }
  return found;
}
