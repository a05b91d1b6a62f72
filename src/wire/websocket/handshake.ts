import { createHash } from "node:crypto";
import type { RequestHeaders } from "../headers.js";
import {
  type DeflateAgreement,
  type DeflateOptions,
  negotiateDeflate,
  parseExtensions,
} from "./deflate.js";

/** The opening handshake, server side (RFC 6455 §4.2). */

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/** Base64 of 16 bytes: 22 characters and "==" (§4.2.1 item 5). */
const KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface HandshakeRequest {
  readonly method: string;
  readonly headers: RequestHeaders;
  readonly head: { readonly upgrade: string | undefined; readonly versionMinor: number };
}

export interface Handshake {
  readonly key: string;
  /** Subprotocols the client offered, in its order of preference. */
  readonly protocols: readonly string[];
  readonly deflate: DeflateAgreement | undefined;
}

export interface HandshakeRefusal {
  readonly status: number;
  readonly message: string;
  readonly headers?: Readonly<Record<string, string>>;
}

function listHas(list: string, token: string): boolean {
  return list.split(",").some((element) => element.trim().toLowerCase() === token);
}

/**
 * Checks a request against §4.2.1 and negotiates permessage-deflate (`deflate` undefined: off).
 * A client speaking another version gets 426 with the version we speak (§4.4).
 */
export function checkHandshake(
  request: HandshakeRequest,
  deflate: DeflateOptions | undefined,
): Handshake | HandshakeRefusal {
  const upgrade = request.head.upgrade;
  if (upgrade === undefined || !listHas(upgrade, "websocket")) {
    return {
      status: 426,
      message: "This address speaks WebSocket: send an Upgrade: websocket request",
      headers: { connection: "Upgrade", upgrade: "websocket" },
    };
  }
  if (request.method !== "GET") return { status: 405, message: "A WebSocket handshake is a GET" };
  const headers = request.headers;
  const version = headers.get("sec-websocket-version");
  if (version === undefined) return { status: 400, message: "Missing Sec-WebSocket-Version" };
  if (version.trim() !== "13") {
    return {
      status: 426,
      message: "Unsupported WebSocket version: this server speaks version 13",
      headers: { "sec-websocket-version": "13" },
    };
  }
  const key = headers.get("sec-websocket-key");
  // A repeated header would have been joined with ", " and fails the pattern too.
  if (key === undefined || !KEY.test(key.trim())) {
    return { status: 400, message: "Missing or invalid Sec-WebSocket-Key" };
  }
  const protocols: string[] = [];
  const protocolHeader = headers.get("sec-websocket-protocol");
  if (protocolHeader !== undefined) {
    for (const element of protocolHeader.split(",")) {
      const protocol = element.trim();
      if (!TOKEN.test(protocol) || protocols.includes(protocol)) {
        return { status: 400, message: "Invalid Sec-WebSocket-Protocol" };
      }
      protocols.push(protocol);
    }
  }
  let agreement: DeflateAgreement | undefined;
  const extensions = headers.get("sec-websocket-extensions");
  if (extensions !== undefined) {
    const offers = parseExtensions(extensions);
    if (offers === undefined) return { status: 400, message: "Invalid Sec-WebSocket-Extensions" };
    if (deflate !== undefined) agreement = negotiateDeflate(offers, deflate);
  }
  return { key: key.trim(), protocols, deflate: agreement };
}

export function isRefusal(result: Handshake | HandshakeRefusal): result is HandshakeRefusal {
  return "status" in result;
}

/** Sec-WebSocket-Accept for a key (§4.2.2 item 5.4). */
export function acceptValue(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/** The 101 response, with any extra header lines (already validated) the app added. */
export function switchingProtocols(
  handshake: Handshake,
  protocol: string | undefined,
  extraLines: string,
): string {
  let response =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${acceptValue(handshake.key)}\r\n`;
  if (protocol !== undefined) response += `Sec-WebSocket-Protocol: ${protocol}\r\n`;
  if (handshake.deflate !== undefined) {
    response += `Sec-WebSocket-Extensions: ${handshake.deflate.header}\r\n`;
  }
  return `${response}${extraLines}\r\n`;
}
