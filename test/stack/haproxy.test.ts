import assert from "node:assert/strict";
import https from "node:https";
import { describe, it } from "node:test";
import { haproxyConfig } from "./configs.js";
import { type Instance, startInstances, stopAll } from "./instances.js";
import {
  combinedPem,
  freePort,
  listening,
  missing,
  type ProxyProcess,
  removeDir,
  startHaproxy,
  tempDir,
} from "./proxies.js";

/**
 * haproxy terminating TLS in front of two slow-serv instances (two workers each), speaking
 * PROXY protocol v2 with its SSL TLV to them: the configuration docs/deployment.md shows.
 */

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTPS request on a fresh connection from 127.0.0.2, so the client is not the proxy. */
function get(port: number, path: string, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = https.get(
      {
        host: "127.0.0.1",
        port,
        path,
        localAddress: "127.0.0.2",
        rejectUnauthorized: false,
        agent: false,
        headers: cookie === undefined ? {} : { cookie },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body,
          }),
        );
      },
    );
    request.on("error", reject);
  });
}

const skip = missing("/usr/sbin/haproxy");

describe("behind haproxy (TLS, send-proxy-v2)", { skip, timeout: 60_000 }, () => {
  it("a signed-in session works on both instances; ip and scheme are the client's", async () => {
    const dir = tempDir();
    let instances: Instance[] = [];
    let haproxy: ProxyProcess | undefined;
    try {
      instances = await startInstances(2, ["--workers", "2", "--proxy-protocol", "loopback"]);
      const port = await freePort();
      haproxy = startHaproxy(
        dir,
        haproxyConfig(
          port,
          instances.map((instance) => instance.port),
          combinedPem(dir),
        ),
      );
      await listening(port);
      const login = await get(port, "/login");
      assert.equal(login.status, 200, haproxy.output());
      const setCookie = login.headers["set-cookie"] as string[];
      // Secure and __Host-: the app knows the client came over HTTPS (the SSL TLV).
      assert.match(setCookie[0]!, /^__Host-session=[^;]+;.*Secure/);
      const cookie = setCookie.map((line) => line.split(";")[0]).join("; ");
      const seen = new Set<string>();
      for (let request = 0; request < 8; request++) {
        const answer = await get(port, "/me", cookie);
        const me = JSON.parse(answer.body) as Record<string, unknown>;
        assert.equal(me.user, "ada");
        assert.equal(me.ip, "127.0.0.2");
        assert.equal(me.protocol, "https");
        assert.equal(typeof me.port, "number");
        seen.add(String(me.instance));
      }
      assert.deepEqual([...seen].sort(), ["a", "b"]);
    } finally {
      await haproxy?.stop();
      await stopAll(instances);
      removeDir(dir);
    }
  });
});
