import assert from "node:assert/strict";
import https from "node:https";
import { describe, it } from "node:test";
import { nginxStreamBlock } from "./configs.js";
import { type Instance, startInstances, stopAll } from "./instances.js";
import {
  freePort,
  listening,
  missing,
  NGINX_STREAM_MODULE,
  type ProxyProcess,
  rawExchange,
  removeDir,
  startNginx,
  tempDir,
  tlsFiles,
} from "./proxies.js";

/**
 * nginx's stream module sending the PROXY protocol (v1, `proxy_protocol on`) to slow-serv's
 * PROXY-gated port, as docs/deployment.md shows: once terminating TLS itself, once passing TLS
 * through to slow-serv. The client connects from 127.0.0.2, so its address is not nginx's.
 */

interface Seen {
  ip: string;
  port: number;
  protocol: string;
}

/**
 * Two HTTPS requests on one keep-alive connection from 127.0.0.2: what the app saw for each, and
 * the client's own port (the PROXY line is per connection; both requests must carry it).
 */
async function twoRequests(port: number): Promise<{ seen: Seen[]; clientPort: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  const ports = new Set<number>();
  const one = (): Promise<Seen> =>
    new Promise((resolve, reject) => {
      const request = https.get(
        { host: "127.0.0.1", port, path: "/me", localAddress: "127.0.0.2", agent },
        (response) => {
          ports.add(response.socket.localPort ?? 0);
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => {
            body += chunk;
          });
          response.on("end", () => {
            if (response.statusCode !== 200) reject(new Error(`${response.statusCode}: ${body}`));
            else resolve(JSON.parse(body) as Seen);
          });
        },
      );
      request.on("error", reject);
    });
  try {
    const seen = [await one(), await one()];
    assert.equal(ports.size, 1, "both requests went over one client connection");
    return { seen, clientPort: [...ports][0]! };
  } finally {
    agent.destroy();
  }
}

/** What slow-serv answers a connection that does not start with a PROXY header: nothing. */
function withoutHeader(port: number): Promise<string> {
  return rawExchange(port, "GET /me HTTP/1.1\r\nHost: shop.example\r\n\r\n");
}

const skip = missing("/usr/sbin/nginx", NGINX_STREAM_MODULE);

describe("behind nginx's stream module (proxy_protocol on)", { skip, timeout: 60_000 }, () => {
  it("nginx terminates TLS: request.ip and the port are the client's, on every request of a connection", async () => {
    const dir = tempDir();
    let instances: Instance[] = [];
    let nginx: ProxyProcess | undefined;
    try {
      instances = await startInstances(1, ["--proxy-protocol", "loopback"]);
      const backend = instances[0]!.port;
      // The gate is on: without a PROXY line slow-serv closes, so the address below came from it.
      assert.equal(await withoutHeader(backend), "");
      const port = await freePort();
      nginx = startNginx(dir, { stream: nginxStreamBlock(port, backend, tlsFiles()) });
      await listening(port);
      const { seen, clientPort } = await twoRequests(port);
      for (const request of seen) {
        assert.equal(request.ip, "127.0.0.2", nginx.output());
        assert.equal(request.port, clientPort);
        // PROXY v1 cannot say the client used TLS: nginx terminated it, slow-serv sees http.
        assert.equal(request.protocol, "http");
      }
    } finally {
      await nginx?.stop();
      await stopAll(instances);
      removeDir(dir);
    }
  });

  it("TLS passes through nginx to slow-serv: the client's address and https", async () => {
    const dir = tempDir();
    let instances: Instance[] = [];
    let nginx: ProxyProcess | undefined;
    try {
      const { cert, key } = tlsFiles();
      instances = await startInstances(1, [
        "--proxy-protocol",
        "loopback",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
      ]);
      const port = await freePort();
      nginx = startNginx(dir, { stream: nginxStreamBlock(port, instances[0]!.port, undefined) });
      await listening(port);
      const { seen, clientPort } = await twoRequests(port);
      for (const request of seen) {
        assert.equal(request.ip, "127.0.0.2", nginx.output());
        assert.equal(request.port, clientPort);
        assert.equal(request.protocol, "https");
      }
    } finally {
      await nginx?.stop();
      await stopAll(instances);
      removeDir(dir);
    }
  });
});
