import net, { type Socket } from "node:net";
import tls, { type TlsOptions } from "node:tls";
import { type AddressMatcher, compileAddressList } from "./address-match.js";
import type { ReportedPeer } from "./connection.js";
import { ConfigError } from "./options.js";
import { type ProxyHeader, parseProxyHeader } from "./proxy-protocol.js";

/**
 * Reads the PROXY protocol header (proxy-protocol.ts) off new connections before the HTTP
 * `Connection` exists, and decides who may send one.
 */

export interface ProxyProtocolOptions {
  /**
   * Peers allowed to send a PROXY header: addresses, CIDR ranges (IPv4/IPv6) and presets
   * ("loopback", "private", "linklocal", "uniquelocal"), as an array or a comma-separated string.
   * Connections from anyone else are closed (unless `allowPlain`).
   */
  trusted: string | readonly string[];
  /**
   * Also serve connections without a PROXY header on the same port (from trusted peers that send
   * none, and from every untrusted peer, whose PROXY header would then be answered 400).
   * Default false: a port behind a proxy answers only that proxy.
   */
  allowPlain?: boolean;
  /** Milliseconds to wait for the complete header before closing. Default: `timeouts.headers`. */
  timeout?: number;
}

export interface ProxyGate {
  readonly matcher: AddressMatcher;
  readonly allowPlain: boolean;
  readonly timeout: number;
}

export function checkProxyProtocol(value: unknown, defaultTimeout: number): ProxyGate {
  const options = value as Partial<ProxyProtocolOptions> | null;
  if (typeof options !== "object" || options === null || options.trusted === undefined) {
    throw new ConfigError(
      '\'proxyProtocol\' needs { trusted: [...] }: the addresses of your proxies, e.g. { trusted: "loopback" } or { trusted: ["10.0.0.0/8"] }',
    );
  }
  const timeout = options.timeout ?? defaultTimeout;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new ConfigError(
      `'proxyProtocol.timeout' must be a whole number of milliseconds > 0, got ${String(timeout)}`,
    );
  }
  if (options.allowPlain !== undefined && typeof options.allowPlain !== "boolean") {
    throw new ConfigError("'proxyProtocol.allowPlain' must be true or false");
  }
  return {
    matcher: compileAddressList(options.trusted, "proxyProtocol.trusted"),
    allowPlain: options.allowPlain === true,
    timeout,
  };
}

/** Where a gated connection goes: on to HTTP (with the reported client, if any) or closed. */
export type Admit = (socket: Socket, peer: ReportedPeer | undefined, leftover: Buffer) => void;

const EMPTY = Buffer.alloc(0);

function reportedPeer(header: ProxyHeader): ReportedPeer | undefined {
  if (header.source === undefined) {
    // The proxy's own connection (a health check): its address stands, TLS as reported.
    return undefined;
  }
  return {
    remoteAddress: header.source.address,
    remotePort: header.source.port,
    encrypted: header.tls,
  };
}

/**
 * Admits `socket` once its PROXY header (if it must or may send one) has arrived, or closes it:
 * an untrusted peer without `allowPlain`, an invalid header, a missing header without
 * `allowPlain`, or no complete header within the timeout.
 */
export function readProxyHeader(socket: Socket, gate: ProxyGate, admit: Admit): void {
  socket.on("error", () => {});
  if (!gate.matcher(socket.remoteAddress ?? "")) {
    if (gate.allowPlain) admit(socket, undefined, EMPTY);
    else socket.destroy();
    return;
  }
  let received: Buffer = EMPTY;
  const refuse = (): void => {
    cleanup();
    socket.destroy();
  };
  const timer = setTimeout(refuse, gate.timeout);
  const onData = (chunk: Buffer): void => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const parsed = parseProxyHeader(received);
    if (parsed.kind === "incomplete") return;
    if (parsed.kind === "invalid" || (parsed.kind === "absent" && !gate.allowPlain)) {
      refuse();
      return;
    }
    cleanup();
    // Same tick as this 'data' event: nothing more can arrive before the connection listens.
    if (parsed.kind === "absent") admit(socket, undefined, received);
    else admit(socket, reportedPeer(parsed.header), received.subarray(parsed.length));
  };
  const cleanup = (): void => {
    clearTimeout(timer);
    socket.off("data", onData);
    socket.off("end", refuse);
    socket.off("close", cleanup);
  };
  socket.on("data", onData);
  socket.on("end", refuse);
  socket.on("close", cleanup);
}

/** A socket as the engine accepts it: plain or TLS, with the client a proxy reported. */
export type Accept = (socket: Socket, peer: ReportedPeer | undefined, leftover: Buffer) => void;

/**
 * A listening server whose connections pass the PROXY gate first. The header precedes the TLS
 * handshake, so with `tls` the raw TCP connection is gated and only then handed to a TLS server
 * that never listens itself (what it already received is put back for the handshake to read).
 */
export function gatedServer(
  gate: ProxyGate,
  tlsOptions: TlsOptions | undefined,
  accept: Accept,
  reportError: (error: Error) => void,
): net.Server {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true });
  if (tlsOptions === undefined) {
    server.on("connection", (socket: Socket) =>
      readProxyHeader(socket, gate, (admitted, peer, leftover) => accept(admitted, peer, leftover)),
    );
    return server;
  }
  const peers = new WeakMap<Socket, ReportedPeer>();
  const secure = tls.createServer({ ...tlsOptions, allowHalfOpen: true });
  secure.on("secureConnection", (socket: tls.TLSSocket) => {
    const raw = (socket as unknown as { _parent?: Socket })._parent;
    accept(socket, raw === undefined ? undefined : peers.get(raw), EMPTY);
  });
  secure.on("tlsClientError", (_error: Error, socket: Socket) => socket.destroy());
  secure.on("error", reportError);
  server.on("connection", (socket: Socket) =>
    readProxyHeader(socket, gate, (admitted, peer, leftover) => {
      if (peer !== undefined) peers.set(admitted, peer);
      // Paused first: a flowing socket would emit the bytes put back with nobody listening.
      admitted.pause();
      if (leftover.length > 0) admitted.unshift(leftover);
      secure.emit("connection", admitted);
    }),
  );
  return server;
}
