import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ProxyTrust } from "../../src/app/proxy.js";
import type { Server } from "../../src/app/server.js";
import { ConfigError } from "../../src/wire/options.js";
import { matrix, newApp } from "./matrix.js";

interface Who {
  ip: string;
  protocol: string;
  host: string;
}

function whoApp(trustProxy: ProxyTrust): Server {
  const app = newApp({ trustProxy });
  app.get("/who", (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    host: request.host,
  }));
  return app;
}

/** The same request as if it arrived from `remoteAddress` (inject lets the test choose the peer). */
async function who(
  app: Server,
  remoteAddress: string,
  headers: Record<string, string>,
): Promise<Who> {
  const response = await app.inject({ method: "GET", url: "/who", headers, remoteAddress });
  return response.json<Who>();
}

matrix("trustProxy over the wire", (check) => {
  // Security regression: with trustProxy: 1 a client's own Forwarded header used to win over the
  // X-Forwarded-For its proxy appended, so the client chose request.ip, secure and host.
  check("trustProxy: 1 ignores a Forwarded header the client sent itself", async (serve) => {
    const client = await serve(whoApp(1));
    const response = await client.get("/who", {
      headers: {
        host: "shop.example",
        forwarded: "for=6.6.6.6;proto=https;host=evil.example",
        "x-forwarded-for": "203.0.113.9",
      },
    });
    assert.deepEqual(response.json(), {
      ip: "203.0.113.9",
      protocol: "http",
      host: "shop.example",
    });
  });
});

describe("trustProxy by address", () => {
  test("a listed proxy is believed, an unlisted peer is the client", async () => {
    const app = whoApp(["10.0.0.0/8", "loopback"]);
    const headers = {
      host: "internal",
      "x-forwarded-for": "198.51.100.7",
      "x-forwarded-proto": "https",
    };
    assert.deepEqual(await who(app, "10.1.2.3", headers), {
      ip: "198.51.100.7",
      protocol: "https",
      host: "internal",
    });
    assert.deepEqual(await who(app, "192.0.2.50", headers), {
      ip: "192.0.2.50",
      protocol: "http",
      host: "internal",
    });
  });

  test("hop by hop from the right: the first untrusted address is the client", async () => {
    const app = whoApp("loopback, private");
    // The client forged "1.1.1.1"; 203.0.113.5 is the first hop not in the trusted ranges.
    const headers = { "x-forwarded-for": "1.1.1.1, 203.0.113.5, 10.0.0.7, 192.168.1.1" };
    assert.equal((await who(app, "127.0.0.1", headers)).ip, "203.0.113.5");
  });

  test("IPv6 ranges and IPv4-mapped peers", async () => {
    const app = whoApp(["fd00::/8", "127.0.0.1"]);
    assert.equal(
      (await who(app, "fd12::1", { "x-forwarded-for": "2001:db8::9" })).ip,
      "2001:db8::9",
    );
    assert.equal(
      (await who(app, "::ffff:127.0.0.1", { "x-forwarded-for": "192.0.2.1" })).ip,
      "192.0.2.1",
    );
    assert.equal((await who(app, "fe80::1", { "x-forwarded-for": "192.0.2.1" })).ip, "fe80::1");
  });

  test("values are validated: a bad address ends the walk, bad scheme and host are ignored", async () => {
    const app = whoApp(true);
    const bad = await who(app, "127.0.0.1", {
      host: "real.example",
      "x-forwarded-for": "203.0.113.1, not-an-ip",
      "x-forwarded-proto": "javascript",
      "x-forwarded-host": "evil.example/<script>",
    });
    assert.deepEqual(bad, { ip: "127.0.0.1", protocol: "http", host: "real.example" });
    const ported = await who(app, "127.0.0.1", {
      "x-forwarded-for": "203.0.113.1:4711",
      "x-forwarded-host": "[2001:db8::1]:8443",
    });
    assert.deepEqual(ported, { ip: "203.0.113.1", protocol: "http", host: "[2001:db8::1]" });
  });

  test("header: forwarded reads only Forwarded, hop by hop, and ignores obfuscated nodes", async () => {
    const app = whoApp({ proxies: "loopback", header: "forwarded" });
    const forged = await who(app, "127.0.0.1", {
      "x-forwarded-for": "6.6.6.6",
      forwarded: 'for=6.6.6.6;proto=https, for="[2001:db8::5]:80";proto=https;host=app.example',
    });
    assert.deepEqual(forged, { ip: "2001:db8::5", protocol: "https", host: "app.example" });
    assert.equal((await who(app, "127.0.0.1", { forwarded: "for=_hidden" })).ip, "127.0.0.1");
  });

  test("configuration mistakes are ConfigErrors that say what is accepted", () => {
    for (const bad of [
      "10.0.0.0/33",
      "fd00::/129",
      "localhost",
      "",
      -1,
      1.5,
      { proxies: 1, header: "x-real-ip" },
    ]) {
      assert.throws(() => newApp({ trustProxy: bad as ProxyTrust }), ConfigError, String(bad));
    }
  });
});
