// Which peers exist, how each one is started, and how a started one is stopped.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { type PinnedChild, spawnPinned } from "./children.js";
import { uwsBinaryPath } from "./peers/uws-path.js";
import { nginxCommand, startNginx } from "./peers-nginx.js";
import { waitForPort } from "./verify.js";

export const PEER_NAMES = [
  "slow-serv",
  "node-http",
  "fastify",
  "hono",
  "express",
  "bun",
  "uws",
  "nginx",
  "bare-net",
  "ws",
  "hono-slow-serv",
  "hono-srvx",
  "hono-bun",
] as const;
export type PeerName = (typeof PEER_NAMES)[number];
export const BASELINE_PEER: PeerName = "node-http";
/** The baseline of the fetch-handler scenarios: the Hono app on @hono/node-server. */
export const FETCH_BASELINE: PeerName = "hono";

/** References that run only when installed, skipped without a warning when absent. */
const OPTIONAL_PEERS: ReadonlySet<PeerName> = new Set(["bun", "hono-bun", "uws", "nginx"]);
/** Peers run by Bun instead of Node. */
const BUN_PEERS: ReadonlySet<PeerName> = new Set(["bun", "hono-bun"]);
/**
 * Hosts of the one Hono app (peers/hono-app.ts) in the fetch-handler scenarios; "hono" (on
 * @hono/node-server) is their baseline and also runs everywhere else as a framework peer.
 */
const FETCH_HOSTS: ReadonlySet<PeerName> = new Set([
  "hono",
  "hono-slow-serv",
  "hono-srvx",
  "hono-bun",
]);

/** Peers with /ws/echo and /ws/broadcast; `ws` (the ws package on node:http) is the baseline. */
const WEBSOCKET_PEERS: ReadonlySet<PeerName> = new Set(["slow-serv", "ws", "bun", "uws"]);
export const WEBSOCKET_BASELINE: PeerName = "ws";

/** Peers started without the control protocol of peers/common.ts (no READY line, no `mem`). */
const EXTERNAL_PEERS: ReadonlySet<PeerName> = new Set(["nginx"]);

/**
 * Why `name` is not measured in a scenario, or undefined if it is. nginx answers only fixed GETs
 * from its configuration and stands in for TLS termination, so it joins the TLS scenarios only.
 * Memory is compared for Node servers only: the C++ servers keep their connections outside the
 * JavaScript heap, and uWebSockets.js closes idle connections after 10 s.
 */
export function notMeasuredReason(
  name: PeerName,
  scenario: {
    kind: "load" | "memory" | "websocket";
    tls?: boolean;
    method?: string;
    mode?: string;
    fetchApp?: boolean;
  },
): string | undefined {
  if (scenario.fetchApp === true) {
    return FETCH_HOSTS.has(name) ? undefined : "not a host of the Hono app";
  }
  if (FETCH_HOSTS.has(name) && name !== "hono") return "fetch-handler scenarios only";
  if (scenario.kind === "websocket") {
    if (!WEBSOCKET_PEERS.has(name)) return "no WebSocket scenario";
    if (scenario.mode === "idle" && (name === "uws" || BUN_PEERS.has(name)))
      return "not a Node heap";
    return undefined;
  }
  // The ws package on node:http is the WebSocket baseline; its HTTP side is node:http's.
  if (name === "ws") return "WebSocket peer only";
  if (scenario.kind === "memory") {
    return name === "nginx" || name === "uws" ? "not a Node heap" : undefined;
  }
  if (name === "nginx") {
    if (scenario.tls !== true) return "TLS reference only";
    if (scenario.method !== "GET") return "answers fixed GETs only";
  }
  return undefined;
}

export function peerScript(name: PeerName): string {
  return fileURLToPath(new URL(`./peers/${name}.js`, import.meta.url));
}

function onPath(command: string): boolean {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * Bun from PATH, or from the npm package installed without saving it (`npm install --no-save
 * bun`): it is an optional reference, too large to make every `npm ci` download it.
 */
function bunCommand(): string | undefined {
  if (onPath("bun")) return "bun";
  const local = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
  return existsSync(local) ? local : undefined;
}

/** Why a peer cannot run here, or undefined if it can. */
export function unavailableReason(name: PeerName): string | undefined {
  if (BUN_PEERS.has(name) && bunCommand() === undefined) {
    return "bun is not installed (npm install --no-save bun, or put bun on PATH)";
  }
  if (name === "uws" && !existsSync(uwsBinaryPath())) {
    return `uWebSockets.js is not installed for Node ABI ${process.versions.modules} (npm install --no-save uws-pack)`;
  }
  if (name === "nginx") {
    return nginxCommand() === undefined
      ? "nginx is not installed (apt-get install -y nginx-light)"
      : undefined;
  }
  if (
    name === "slow-serv" &&
    !existsSync(fileURLToPath(new URL("../src/index.js", import.meta.url)))
  ) {
    return "build/src/index.js does not exist yet (src/index.ts not written or not compiled)";
  }
  if (!existsSync(peerScript(name))) return `${peerScript(name)} is missing; run npm run compile`;
  return undefined;
}

/** Defaults: every peer that can run here; the optional references silently skipped when absent. */
export function defaultPeers(warn: (message: string) => void): PeerName[] {
  return PEER_NAMES.filter((name) => {
    const reason = unavailableReason(name);
    if (reason !== undefined && !OPTIONAL_PEERS.has(name)) warn(`skipping peer ${name}: ${reason}`);
    return reason === undefined;
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPeer {
  name: PeerName;
  port: number;
  pid: number;
  unsupported: readonly string[];
  child: PinnedChild;
  stop(): Promise<void>;
}

/** `tlsDir`: serve HTTPS with the cert.pem and key.pem in it. */
export async function startPeer(
  name: PeerName,
  core: number | undefined,
  tlsDir?: string,
): Promise<RunningPeer> {
  const port = await freePort();
  if (EXTERNAL_PEERS.has(name)) {
    const nginx = startNginx(port, core, tlsDir);
    try {
      await waitForPort(port);
    } catch (error) {
      await nginx.stop();
      throw new Error(
        `peer nginx did not start: ${(error as Error).message}\n${nginx.child.output()}`,
      );
    }
    return {
      name,
      port,
      pid: nginx.child.pid,
      unsupported: [],
      child: nginx.child,
      stop: nginx.stop,
    };
  }
  const runtime = BUN_PEERS.has(name) ? [bunCommand() ?? "bun"] : ["node", "--expose-gc"];
  const tls = tlsDir === undefined ? [] : ["--tls", tlsDir];
  const child = spawnPinned({
    core,
    argv: [...runtime, peerScript(name), "--port", String(port), ...tls],
    label: `peer ${name}`,
  });
  try {
    const line = await child.waitForLine("READY ", 15_000);
    const ready = JSON.parse(line.slice("READY ".length)) as { pid: number; unsupported: string[] };
    if (ready.pid !== child.pid) {
      throw new Error(
        `peer ${name} runs as PID ${ready.pid}, not ${child.pid}: CPU readings would be wrong`,
      );
    }
    await waitForPort(port);
    return {
      name,
      port,
      pid: child.pid,
      unsupported: ready.unsupported,
      child,
      stop: () => child.stop(),
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

export interface MemoryReading {
  gc: boolean;
  rss: number;
  heapUsed: number;
  external: number;
}

export async function readPeerMemory(peer: RunningPeer): Promise<MemoryReading> {
  peer.child.send("mem");
  const line = await peer.child.waitForLine("MEM ", 15_000);
  return JSON.parse(line.slice("MEM ".length)) as MemoryReading;
}
