import { ConfigError } from "../wire/options.js";
import type { WireRequest } from "../wire/request.js";

/**
 * Whether to believe `Forwarded` / `X-Forwarded-*` headers. `false` (the default): never, because
 * any client can send them. `true`: every proxy in the chain is trusted (the leftmost address is
 * the client). A number: that many proxies in front of this server are trusted.
 */
export type ProxyTrust = boolean | number;

export interface ClientAddress {
  readonly ip: string;
  readonly protocol: "http" | "https";
  readonly host: string;
}

const cache = new WeakMap<WireRequest, ClientAddress>();

export function checkProxyTrust(value: unknown): ProxyTrust {
  if (value === undefined) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  throw new ConfigError(
    `'trustProxy' must be false, true, or the number of proxies in front of the server (e.g. 1), got ${String(value)}`,
  );
}

function stripPort(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end === -1 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(":");
  return colon === -1 ? host : host.slice(0, colon);
}

function unquote(value: string): string {
  const trimmed = value.trim();
  return trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/** Parses RFC 7239 `Forwarded` into one record per hop (lowercased parameter names). */
function forwardedHops(header: string): Array<Record<string, string>> {
  return header.split(",").map((element) => {
    const hop: Record<string, string> = {};
    for (const pair of element.split(";")) {
      const equals = pair.indexOf("=");
      if (equals > 0)
        hop[pair.slice(0, equals).trim().toLowerCase()] = unquote(pair.slice(equals + 1));
    }
    return hop;
  });
}

function listOf(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function pick<T>(chain: readonly T[], trust: ProxyTrust): T | undefined {
  if (chain.length === 0) return undefined;
  if (trust === true) return chain[0];
  const index = chain.length - (trust as number);
  return chain[Math.max(0, index)];
}

export function clientAddress(request: WireRequest, trust: ProxyTrust): ClientAddress {
  let found = cache.get(request);
  if (found !== undefined) return found;
  const connection = request.connection;
  let ip = connection.remoteAddress;
  let protocol: "http" | "https" = connection.encrypted ? "https" : "http";
  // The target's authority for absolute-form (RFC 9112 §3.2.2), else the Host header.
  let host = request.authority;
  if (trust !== false && trust !== 0) {
    const forwarded = request.headers.get("forwarded");
    if (forwarded !== undefined) {
      const hop = pick(forwardedHops(forwarded), trust);
      if (hop?.for !== undefined) ip = stripPort(hop.for).replace(/^\[|\]$/g, "");
      // Schemes are case-insensitive (RFC 3986 §3.1): "proto=HTTPS" is HTTPS.
      const proto = hop?.proto?.toLowerCase();
      if (proto === "https" || proto === "http") protocol = proto;
      if (hop?.host !== undefined) host = hop.host;
    } else {
      ip = pick(listOf(request.headers.get("x-forwarded-for")), trust) ?? ip;
      // Each proxy appends to these lists like to X-Forwarded-For: pick the same hop, never the
      // leftmost entry that the client itself may have written.
      const proto = pick(listOf(request.headers.get("x-forwarded-proto")), trust)?.toLowerCase();
      if (proto === "https" || proto === "http") protocol = proto;
      host = pick(listOf(request.headers.get("x-forwarded-host")), trust) || host;
    }
  }
  found = { ip, protocol, host: stripPort(host) };
  cache.set(request, found);
  return found;
}
