import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Real haproxy and nginx for the stack tests: configurations written to a temporary folder,
 * started on loopback, stopped by pid. `skipReason()` says why a test cannot run (binary missing).
 */

export const HAPROXY = "/usr/sbin/haproxy";
export const NGINX = "/usr/sbin/nginx";
export const WRK = "/usr/bin/wrk";

export function missing(...binaries: string[]): string | undefined {
  const absent = binaries.filter((binary) => !existsSync(binary));
  return absent.length === 0
    ? undefined
    : `not installed: ${absent.join(", ")} (apt-get install haproxy nginx-light libnginx-mod-stream wrk)`;
}

export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Waits until something accepts TCP connections on the port. */
export async function listening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: "127.0.0.1" });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface ProxyProcess {
  readonly child: ChildProcess;
  readonly dir: string;
  output(): string;
  stop(): Promise<void>;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "slow-serv-stack-"));
}

/** A PEM with certificate and key, as haproxy's `crt` wants it. */
export function combinedPem(dir: string): string {
  const tls = (name: string) =>
    readFileSync(fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url)));
  const path = join(dir, "combined.pem");
  writeFileSync(path, Buffer.concat([tls("cert.pem"), tls("key.pem")]));
  return path;
}

function run(command: string, args: string[], dir: string): ProxyProcess {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    output += text;
  });
  const exited = once(child, "exit");
  return {
    child,
    dir,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** haproxy in the foreground (-db) with this configuration. */
export function startHaproxy(dir: string, config: string): ProxyProcess {
  const path = join(dir, "haproxy.cfg");
  writeFileSync(path, config);
  return run(HAPROXY, ["-db", "-f", path], dir);
}

export const NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";

/** The test certificate and key (CN=localhost), as nginx's ssl_certificate wants them. */
export function tlsFiles(): { cert: string; key: string } {
  const path = (name: string) =>
    fileURLToPath(new URL(`../../../test/fixtures/tls/${name}`, import.meta.url));
  return { cert: path("cert.pem"), key: path("key.pem") };
}

/**
 * nginx in the foreground, everything (pid, temp files, logs) inside `dir`, with an `http` block,
 * a `stream` block (its module loaded from the Debian path), or both.
 */
export function startNginx(dir: string, blocks: { http?: string; stream?: string }): ProxyProcess {
  const path = join(dir, "nginx.conf");
  const http =
    blocks.http === undefined
      ? ""
      : `http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${blocks.http}
}
`;
  const stream =
    blocks.stream === undefined
      ? ""
      : `stream {
${blocks.stream}
}
`;
  writeFileSync(
    path,
    `${blocks.stream === undefined ? "" : `load_module ${NGINX_STREAM_MODULE};\n`}daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log stderr warn;
events { worker_connections 1024; }
${http}${stream}`,
  );
  return run(NGINX, ["-p", dir, "-c", path], dir);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Sends `bytes` on a new loopback connection and collects everything until the server closes it.
 * The socket is never half-closed: nginx takes a half-closed client for one that left and drops
 * the request.
 */
export function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      data += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(data));
    socket.write(bytes);
  });
}
