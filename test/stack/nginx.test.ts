import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nginxHttpBlock } from "./configs.js";
import { type Instance, startInstances, stopAll } from "./instances.js";
import {
  freePort,
  listening,
  missing,
  type ProxyProcess,
  rawExchange,
  removeDir,
  startNginx,
  tempDir,
} from "./proxies.js";

/**
 * nginx in front of slow-serv with upstream keep-alive, itself behind a layer-4 balancer that
 * speaks the PROXY protocol to it (`listen ... proxy_protocol`). nginx's http proxy cannot send
 * the PROXY protocol upstream (only its stream module can), so it passes the client address on
 * in X-Forwarded-For, which slow-serv believes from loopback only (trustProxy: "loopback").
 */

/** One request through nginx on a fresh connection that starts with a PROXY v1 line. */
function viaProxyProtocol(port: number, client: string, path: string, extra = ""): Promise<string> {
  return rawExchange(
    port,
    `PROXY TCP4 ${client} 127.0.0.1 51000 ${port}\r\nGET ${path} HTTP/1.1\r\nHost: shop.example\r\n${extra}Connection: close\r\n\r\n`,
  );
}

function json(response: string): Record<string, unknown> {
  assert.match(response, /^HTTP\/1\.1 200 /, response);
  return JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
}

const skip = missing("/usr/sbin/nginx");

describe("behind nginx (upstream keep-alive, proxy_protocol)", { skip, timeout: 60_000 }, () => {
  it("the client address is right and an idle upstream connection is reused, not a 502", async () => {
    const dir = tempDir();
    let instances: Instance[] = [];
    let nginx: ProxyProcess | undefined;
    try {
      // One process and slow-serv's default timeouts: the keep-alive default is under test.
      instances = await startInstances(1, [], { STACK_TRUST_PROXY: "loopback" });
      const port = await freePort();
      nginx = startNginx(dir, { http: nginxHttpBlock(port, instances[0]!.port) });
      await listening(port);
      // The client's own X-Forwarded-For is replaced by nginx: the PROXY line's address wins.
      const first = json(
        await viaProxyProtocol(port, "203.0.113.9", "/me", "X-Forwarded-For: 6.6.6.6\r\n"),
      );
      assert.equal(first.ip, "203.0.113.9");
      assert.equal(first.protocol, "http");
      // Idle longer than the 5 s slow-serv used to keep an idle connection (plus a sweep).
      await new Promise((resolve) => setTimeout(resolve, 6_500));
      const second = json(await viaProxyProtocol(port, "198.51.100.4", "/me"));
      assert.equal(second.ip, "198.51.100.4");
      // The same upstream connection (same nginx-side port): slow-serv kept it open for nginx.
      assert.equal(second.port, first.port, nginx.output());
    } finally {
      await nginx?.stop();
      await stopAll(instances);
      removeDir(dir);
    }
  });
});
