import { isIP } from "node:net";
import { type AddressMatcher, compileAddressList, unmapAddress } from "../wire/address-match.js";
import { ConfigError } from "../wire/options.js";
import type { WireRequest } from "../wire/request.js";

/** Which proxies to believe: every one, a count from the server outwards, or addresses. */
export type TrustedProxies = boolean | number | string | readonly string[];

/**
 * Whether to believe `X-Forwarded-*` / `Forwarded` headers. `false` (the default): never, because
 * any client can send them. `true`: every proxy in the chain (the leftmost address is the client).
 * A number: that many proxies in front of this server. Addresses, CIDR ranges and presets
 * (`"loopback"`, `"private"`, `"linklocal"`, `"uniquelocal"`), as an array or one comma-separated
 * string: believe a hop only while the address it came from is in the list.
 *
 * The object form also says which header the proxies write: `"x-forwarded"` (the default:
 * X-Forwarded-For/-Proto/-Host, as nginx, haproxy and most load balancers send) or `"forwarded"`
 * (RFC 7239). Only that header is read: the other one can only have come from the client.
 */
export type ProxyTrust =
  | TrustedProxies
  | { readonly proxies: TrustedProxies; readonly header?: "x-forwarded" | "forwarded" };

/** `trustProxy` compiled at start-up. */
export interface TrustPolicy {
  /** Whether the peer at `address`, `hop` steps from this server (0: the socket's peer), is trusted. */
  readonly trusts: ((address: string, hop: number) => boolean) | undefined;
  readonly header: "x-forwarded" | "forwarded";
}

export interface ClientAddress {
  readonly ip: string;
  readonly protocol: "http" | "https";
  /** The host the client addressed, without its port. */
  readonly host: string;
  /** The same with the port, as the trusted hop (or the request itself) wrote it. */
  readonly authority: string;
}

const cache = new WeakMap<WireRequest, ClientAddress>();

const HELP =
  "'trustProxy' must be false, true, the number of proxies in front of the server (e.g. 1), " +
  'addresses/CIDR ranges/presets (e.g. "loopback" or ["10.0.0.0/8"]), or { proxies, header }';

function compileProxies(value: unknown): TrustPolicy["trusts"] {
  if (value === false || value === 0) return undefined;
  if (value === true) return () => true;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) {
    return (_address, hop) => hop < value;
  }
  if (typeof value === "string" || Array.isArray(value)) {
    const matcher: AddressMatcher = compileAddressList(value as string | string[], "trustProxy");
    return (address) => matcher(address);
  }
  throw new ConfigError(`${HELP}, got ${String(value)}`);
}

export function checkProxyTrust(value: unknown): TrustPolicy {
  if (value === undefined) return { trusts: undefined, header: "x-forwarded" };
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const { proxies, header = "x-forwarded" } = value as { proxies?: unknown; header?: unknown };
    if (header !== "x-forwarded" && header !== "forwarded") {
      throw new ConfigError(
        `'trustProxy.header' must be "x-forwarded" or "forwarded" (the header your proxy writes), got ${String(header)}`,
      );
    }
    return { trusts: compileProxies(proxies), header };
  }
  return { trusts: compileProxies(value), header: "x-forwarded" };
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
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')
    ? trimmed.slice(1, -1)
    : trimmed;
}

interface Hop {
  readonly for: string | undefined;
  readonly proto: string | undefined;
  readonly host: string | undefined;
}

/** RFC 7239 `Forwarded`: one record per hop, parameter names case-insensitive. */
function forwardedHops(header: string): Hop[] {
  return header.split(",").map((element) => {
    const hop: Record<string, string> = {};
    for (const pair of element.split(";")) {
      const equals = pair.indexOf("=");
      if (equals > 0)
        hop[pair.slice(0, equals).trim().toLowerCase()] = unquote(pair.slice(equals + 1));
    }
    return { for: hop.for, proto: hop.proto, host: hop.host };
  });
}

function listOf(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** A node identifier's address, or undefined for `unknown`, obfuscated names and garbage. */
function addressOf(node: string | undefined): string | undefined {
  if (node === undefined) return undefined;
  let address = node;
  if (address.startsWith("[")) {
    const end = address.indexOf("]");
    address = end === -1 ? "" : address.slice(1, end);
  } else if (isIP(address) === 0) {
    // "192.0.2.1:4711" (X-Forwarded-For written with a port by some proxies).
    const colon = address.lastIndexOf(":");
    if (colon > 0 && address.indexOf(":") === colon) address = address.slice(0, colon);
  }
  return isIP(address) === 0 ? undefined : unmapAddress(address);
}

function schemeOf(value: string | undefined): "http" | "https" | undefined {
  const scheme = value?.toLowerCase();
  return scheme === "http" || scheme === "https" ? scheme : undefined;
}

// A reg-name, an IPv4 address or a bracketed IPv6 address, with an optional port (RFC 3986 §3.2.2).
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+=]+|%[0-9A-Fa-f]{2}|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;

function hostOf(value: string | undefined): string | undefined {
  if (value === undefined || value === "" || !HOST.test(value)) return undefined;
  if (value.startsWith("[") && isIP(value.slice(1, value.indexOf("]"))) !== 6) return undefined;
  return value;
}

/**
 * Walks the proxy chain from the right: the socket's peer first, then each address the previous
 * (trusted) hop reported. The first untrusted address is the client; the hop it was read from
 * also supplies the scheme and host. A missing or invalid address ends the walk at the hop that
 * wrote it (that proxy's address stays the client's).
 */
function resolveChain(request: WireRequest, policy: TrustPolicy): ClientAddress {
  const trusts = policy.trusts!;
  const connection = request.connection;
  const peer = unmapAddress(connection.remoteAddress);
  const ownProtocol: "http" | "https" = connection.encrypted ? "https" : "http";
  const ownHost = request.authority;
  let hops: Hop[];
  if (policy.header === "forwarded") {
    const header = request.headers.get("forwarded");
    hops = header === undefined ? [] : forwardedHops(header);
  } else {
    const fors = listOf(request.headers.get("x-forwarded-for"));
    const protos = listOf(request.headers.get("x-forwarded-proto"));
    const hosts = listOf(request.headers.get("x-forwarded-host"));
    // Proxies append to -Proto and -Host like to -For, or (most often) write one value: align
    // them from the right, so the entry for a hop is never one the client itself wrote.
    if (fors.length === 0 && (protos.length > 0 || hosts.length > 0)) fors.push("");
    hops = fors.map((value, index) => {
      const fromRight = fors.length - index;
      return {
        for: value,
        proto: protos[protos.length - fromRight] ?? (protos.length === 1 ? protos[0] : undefined),
        host: hosts[hosts.length - fromRight] ?? (hosts.length === 1 ? hosts[0] : undefined),
      };
    });
  }
  let ip = peer;
  let protocol = ownProtocol;
  let host = ownHost;
  for (let step = 0; step < hops.length && trusts(ip, step); step++) {
    const hop = hops[hops.length - 1 - step]!;
    // What a trusted hop says of its client's scheme and host holds even where it named no
    // address (a proxy that sets only X-Forwarded-Proto).
    protocol = schemeOf(hop.proto) ?? protocol;
    host = hostOf(hop.host) ?? host;
    const next = addressOf(hop.for);
    if (next === undefined) break;
    ip = next;
  }
  return { ip, protocol, host: stripPort(host), authority: host };
}

export function clientAddress(request: WireRequest, policy: TrustPolicy): ClientAddress {
  let found = cache.get(request);
  if (found !== undefined) return found;
  if (policy.trusts === undefined) {
    const connection = request.connection;
    found = {
      ip: unmapAddress(connection.remoteAddress),
      protocol: connection.encrypted ? "https" : "http",
      // The target's authority for absolute-form (RFC 9112 §3.2.2), else the Host header.
      host: stripPort(request.authority),
      authority: request.authority,
    };
  } else {
    found = resolveChain(request, policy);
  }
  cache.set(request, found);
  return found;
}
