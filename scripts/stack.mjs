// `npm run stack`: the lecture's stack on this machine. haproxy on STACK_PORT (default 8080) in
// front of two slow-serv instances of the demo (two workers each, PROXY protocol v2, health
// checks on /readyz), sharing one session key and one SQLite database. Ctrl-C stops everything.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const HAPROXY = "/usr/sbin/haproxy";
if (!existsSync(HAPROXY)) {
  console.error("npm run stack needs haproxy: sudo apt-get install haproxy");
  process.exit(1);
}
const port = Number(process.env.STACK_PORT ?? 8080);
const backends = [port + 21, port + 22];
const sessionKey = `base64url:${randomBytes(32).toString("base64url")}`;
const dataDir = process.env.DATA_DIR ?? join("examples", "demo", "data-stack");
mkdirSync(dataDir, { recursive: true });
const configDir = mkdtempSync(join(tmpdir(), "slow-serv-stack-"));
const config = join(configDir, "haproxy.cfg");
writeFileSync(
  config,
  `defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  retries 3
  option redispatch
  retry-on conn-failure empty-response response-timeout

frontend web
  bind 127.0.0.1:${port}
  default_backend app

backend app
  balance roundrobin
  http-request disable-l7-retry if !METH_GET !METH_HEAD
  option httpchk GET /readyz
${backends.map((backend, index) => `  server app${index} 127.0.0.1:${backend} send-proxy-v2 check check-send-proxy inter 1s`).join("\n")}
`,
);

const children = [];
const env = { ...process.env, SESSION_KEY: sessionKey, DATA_DIR: dataDir };
for (const backend of backends) {
  children.push(
    spawn(
      process.execPath,
      [
        "build/src/edges/cli.js",
        "start",
        "build/examples/demo/stack-app.js",
        "--port",
        String(backend),
        "--workers",
        "2",
        "--proxy-protocol",
        "loopback",
        "--health",
      ],
      { env, stdio: "inherit" },
    ),
  );
}
children.push(spawn(HAPROXY, ["-db", "-f", config], { stdio: "inherit" }));
console.log(
  `stack: haproxy on http://127.0.0.1:${port} -> slow-serv on ${backends.join(", ")} (data in ${dataDir})`,
);
console.log("stack: kill -HUP an instance's primary to reload it; Ctrl-C stops everything");

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
let left = children.length;
for (const child of children) {
  child.on("exit", () => {
    stop();
    if (--left === 0) rmSync(configDir, { recursive: true, force: true });
  });
}
