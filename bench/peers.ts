// Which peers exist, how each one is started, and how a started one is stopped.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { type PinnedChild, spawnPinned } from "./children.js";
import { waitForPort } from "./verify.js";

export const PEER_NAMES = [
  "slow-serv",
  "node-http",
  "fastify",
  "hono",
  "express",
  "bun",
  "bare-net",
] as const;
export type PeerName = (typeof PEER_NAMES)[number];
export const BASELINE_PEER: PeerName = "node-http";

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
  if (name === "bun" && bunCommand() === undefined) {
    return "bun is not installed (npm install --no-save bun, or put bun on PATH)";
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

/** Defaults: every peer that can run here; bun silently skipped when absent. */
export function defaultPeers(warn: (message: string) => void): PeerName[] {
  return PEER_NAMES.filter((name) => {
    const reason = unavailableReason(name);
    if (reason !== undefined && name !== "bun") warn(`skipping peer ${name}: ${reason}`);
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
}

export async function startPeer(name: PeerName, core: number | undefined): Promise<RunningPeer> {
  const port = await freePort();
  const runtime = name === "bun" ? [bunCommand() ?? "bun"] : ["node", "--expose-gc"];
  const child = spawnPinned({
    core,
    argv: [...runtime, peerScript(name), "--port", String(port)],
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
    return { name, port, pid: child.pid, unsupported: ready.unsupported, child };
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
