// nginx with `ssl` as the reference for the TLS scenarios: a C server that answers GET / and /json
// from its configuration, so it marks what TLS costs without any application work. It is started
// from here (not through runPeer) as one process (`master_process off`), so /proc/PID is the server.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PinnedChild, spawnPinned } from "./children.js";
import { HELLO, HELLO_JSON, HOST, JSON_TYPE, TEXT_TYPE } from "./peers/common.js";

export function nginxCommand(): string | undefined {
  for (const candidate of ["nginx", "/usr/sbin/nginx"]) {
    try {
      execFileSync(candidate, ["-v"], { stdio: "ignore" });
      return candidate;
    } catch {}
  }
  return undefined;
}

/** nginx's string syntax: double quotes, with `"` and `\` escaped. */
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

export function nginxConfig(dir: string, port: number, tlsDir: string | undefined): string {
  const listen = tlsDir === undefined ? `${HOST}:${port}` : `${HOST}:${port} ssl`;
  const tls =
    tlsDir === undefined
      ? ""
      : `    ssl_certificate ${join(tlsDir, "cert.pem")};\n` +
        `    ssl_certificate_key ${join(tlsDir, "key.pem")};\n` +
        "    ssl_protocols TLSv1.3;\n";
  return `worker_processes 1;
master_process off;
daemon off;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} error;
events { worker_connections 16384; }
http {
  access_log off;
  server_tokens off;
  keepalive_timeout 120s;
  keepalive_requests 100000000;
  client_body_temp_path ${join(dir, "body")};
  proxy_temp_path ${join(dir, "proxy")};
  fastcgi_temp_path ${join(dir, "fastcgi")};
  uwsgi_temp_path ${join(dir, "uwsgi")};
  scgi_temp_path ${join(dir, "scgi")};
  server {
    listen ${listen};
${tls}    location = / { default_type ${quoted(TEXT_TYPE)}; return 200 ${quoted(HELLO)}; }
    location = /json { default_type ${quoted(JSON_TYPE)}; return 200 ${quoted(JSON.stringify(HELLO_JSON))}; }
    location / { return 404; }
  }
}
`;
}

export interface StartedNginx {
  child: PinnedChild;
  stop(): Promise<void>;
}

export function startNginx(
  port: number,
  core: number | undefined,
  tlsDir: string | undefined,
): StartedNginx {
  const command = nginxCommand();
  if (command === undefined)
    throw new Error("nginx is not installed (apt-get install -y nginx-light)");
  const dir = mkdtempSync(join(tmpdir(), "slow-serv-bench-nginx-"));
  const config = join(dir, "nginx.conf");
  writeFileSync(config, nginxConfig(dir, port, tlsDir));
  const child = spawnPinned({
    core,
    argv: [command, "-p", dir, "-c", config],
    label: "peer nginx",
  });
  return {
    child,
    async stop() {
      await child.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
