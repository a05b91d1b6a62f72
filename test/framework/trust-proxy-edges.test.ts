import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ProxyTrust } from "../../src/app/proxy.js";
import type { Server } from "../../src/app/server.js";
import { ConfigError } from "../../src/wire/options.js";
import { newApp } from "./matrix.js";

// The edges of trustProxy that mutation testing (docs/mutation/app.md) found unpinned: the
// spellings a proxy (or a client posing as one) can put in each header, and the start-up
// messages. In memory only (app.inject with a chosen peer), so the mutation run stays fast.

interface Who {
  ip: string;
  protocol: string;
  host: string;
}

function whoApp(trustProxy?: ProxyTrust): Server {
  const app = newApp(trustProxy === undefined ? {} : { trustProxy });
  app.get("/who", (request) => ({
    ip: request.ip,
    protocol: request.protocol,
    host: request.host,
  }));
  return app;
}

async function who(
  app: Server,
  headers: Record<string, string>,
  peer = "127.0.0.1",
  encrypted = false,
): Promise<Who> {
  const response = await app.inject({
    url: "/who",
    headers: { host: "own.example", ...headers },
    remoteAddress: peer,
    encrypted,
  });
  assert.equal(response.status, 200, response.text());
  return response.json<Who>();
}

const OWN: Who = { ip: "127.0.0.1", protocol: "http", host: "own.example" };

describe("trustProxy values", () => {
  test("false, 0 and { proxies: false } believe nothing", async () => {
    const forged = {
      "x-forwarded-for": "203.0.113.1",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "evil.example",
    };
    for (const trustProxy of [false, 0, { proxies: false }, { proxies: 0 }] as ProxyTrust[]) {
      assert.deepEqual(await who(whoApp(trustProxy), forged), OWN, JSON.stringify(trustProxy));
    }
  });

  test("a count trusts exactly that many hops", async () => {
    const headers = { "x-forwarded-for": "198.51.100.1, 198.51.100.2, 198.51.100.3" };
    assert.equal((await who(whoApp(1), headers)).ip, "198.51.100.3");
    assert.equal((await who(whoApp(2), headers)).ip, "198.51.100.2");
    assert.equal((await who(whoApp(3), headers)).ip, "198.51.100.1");
    assert.equal((await who(whoApp(9), headers)).ip, "198.51.100.1");
  });

  test("the object form defaults to X-Forwarded-*", async () => {
    const app = whoApp({ proxies: 1 });
    const result = await who(app, {
      "x-forwarded-for": "203.0.113.1",
      forwarded: "for=198.51.100.9",
    });
    assert.equal(result.ip, "203.0.113.1");
  });

  test("mistakes fail at start-up with a message that says what is accepted", () => {
    const cases: Array<[unknown, RegExp]> = [
      [
        1.5,
        /^'trustProxy' must be false, true, the number of proxies .*\{ proxies, header \}, got 1\.5$/,
      ],
      [-1, /, got -1$/],
      ["10.0.0.0/33", /^'trustProxy': '10\.0\.0\.0\/33' is not an address, a CIDR range/],
      [["loopback", 7], /^'trustProxy': every entry must be an address/],
      [null, /'trustProxy' must be .*, got null$/],
      [{ proxies: null }, /'trustProxy' must be .*, got null$/],
      [
        { proxies: 1, header: "x-real-ip" },
        /^'trustProxy.header' must be "x-forwarded" or "forwarded" \(the header your proxy writes\), got x-real-ip$/,
      ],
    ];
    for (const [value, message] of cases) {
      assert.throws(
        () => newApp({ trustProxy: value as ProxyTrust }),
        (error: unknown) => error instanceof ConfigError && message.test(error.message),
        String(value),
      );
    }
  });
});

describe("without trustProxy", () => {
  test("the peer's address is unmapped, the scheme is the connection's, the port is dropped", async () => {
    const app = whoApp();
    assert.deepEqual(
      await who(
        app,
        { host: "own.example:8080", "x-forwarded-proto": "http" },
        "::ffff:192.0.2.7",
        true,
      ),
      { ip: "192.0.2.7", protocol: "https", host: "own.example" },
    );
    assert.deepEqual(await who(app, { host: "[2001:db8::1]:8443" }, "2001:db8::2"), {
      ip: "2001:db8::2",
      protocol: "http",
      host: "[2001:db8::1]",
    });
    assert.equal((await who(app, { host: "[2001:db8::1]" })).host, "[2001:db8::1]");
  });
});

describe("X-Forwarded-* from a trusted proxy", () => {
  const app = whoApp(true);

  test("X-Forwarded-Proto or -Host alone still applies (no X-Forwarded-For)", async () => {
    assert.deepEqual(await who(app, { "x-forwarded-proto": "https" }), {
      ...OWN,
      protocol: "https",
    });
    assert.deepEqual(await who(app, { "x-forwarded-host": "shop.example" }), {
      ...OWN,
      host: "shop.example",
    });
  });

  test("the scheme over TLS, and each hop's scheme walking outwards", async () => {
    assert.equal((await who(app, {}, "127.0.0.1", true)).protocol, "https");
    assert.equal(
      (await who(app, { "x-forwarded-for": "203.0.113.1" }, "127.0.0.1", true)).protocol,
      "https",
    );
    // The outer proxy (left) saw plain http; the inner one was reached over https.
    const chain = {
      "x-forwarded-for": "198.51.100.1, 10.0.0.2",
      "x-forwarded-proto": "http, https",
    };
    assert.deepEqual(await who(app, chain), { ...OWN, ip: "198.51.100.1", protocol: "http" });
    assert.equal(
      (await who(app, { ...chain, "x-forwarded-proto": "HTTP, HTTPS" })).protocol,
      "http",
    );
    assert.equal(
      (await who(app, { ...chain, "x-forwarded-proto": "https, http" })).protocol,
      "https",
    );
  });

  test("empty list entries are skipped; an address that is not one ends the walk", async () => {
    assert.equal((await who(app, { "x-forwarded-for": "203.0.113.1, " })).ip, "203.0.113.1");
    for (const junk of ["192.0.2.12x", "2001:db8::1:99999", "[2001:db8::5", ":4711", "unknown"]) {
      assert.equal((await who(app, { "x-forwarded-for": junk })).ip, "127.0.0.1", junk);
    }
  });

  test("addresses: IPv4-mapped, IPv6 bare or bracketed with a port, IPv4 with a port", async () => {
    const cases: Array<[string, string]> = [
      ["::ffff:192.0.2.1", "192.0.2.1"],
      ["2001:db8::9", "2001:db8::9"],
      ["[2001:db8::9]:4711", "2001:db8::9"],
      ["[2001:db8::9]", "2001:db8::9"],
      ["192.0.2.1:4711", "192.0.2.1"],
      ["::1", "::1"],
    ];
    for (const [sent, ip] of cases) {
      assert.equal((await who(app, { "x-forwarded-for": sent })).ip, ip, sent);
    }
  });

  test("hosts: reg-names, addresses and ports are taken; anything else is ignored", async () => {
    const taken: Array<[string, string]> = [
      ["shop.example:8443", "shop.example"],
      ["Shop-1.example", "Shop-1.example"],
      ["a_b~c!$&'()*+=", "a_b~c!$&'()*+="],
      ["%41", "%41"],
      ["192.0.2.1:80", "192.0.2.1"],
      ["[2001:db8::1]:8443", "[2001:db8::1]"],
      ["[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"],
      ["x:1", "x"],
      ["x:65535", "x"],
    ];
    for (const [sent, host] of taken) {
      assert.equal((await who(app, { "x-forwarded-host": sent })).host, host, sent);
    }
    const ignored = [
      "evil/example",
      "a b",
      "evil.example/",
      "a:b",
      "a:",
      "a:123456",
      "x:",
      "%4",
      "%zz",
      "%41%42",
      "[192.0.2.1]",
      "[2001:db8::1",
      "[2001:db8::1]x",
      "[zz::1]",
      "[]",
      "@evil",
      "a\\b",
    ];
    for (const sent of ignored) {
      assert.equal((await who(app, { "x-forwarded-host": sent })).host, "own.example", sent);
    }
  });
});

describe("Forwarded from a trusted proxy", () => {
  const app = whoApp({ proxies: true, header: "forwarded" });

  test("no Forwarded header: the peer is the client", async () => {
    assert.deepEqual(await who(app, { "x-forwarded-for": "203.0.113.1" }), OWN);
  });

  test("a hop without for= still sets the scheme and host", async () => {
    assert.deepEqual(await who(app, { forwarded: "proto=https;host=shop.example" }), {
      ip: "127.0.0.1",
      protocol: "https",
      host: "shop.example",
    });
  });

  test("whitespace around parameters and values, and quoted values", async () => {
    assert.deepEqual(
      await who(app, { forwarded: 'for=192.0.2.1 ; Proto = "https" ; HOST="shop.example:80" ' }),
      { ip: "192.0.2.1", protocol: "https", host: "shop.example" },
    );
    assert.equal((await who(app, { forwarded: 'for=""' })).ip, "127.0.0.1");
  });

  test("half-quoted values and parameters without a value are ignored", async () => {
    assert.equal((await who(app, { forwarded: 'host=shop.example"' })).host, "own.example");
    assert.equal((await who(app, { forwarded: 'host="shop.example' })).host, "own.example");
    assert.equal((await who(app, { forwarded: 'for="192.0.2.1' })).ip, "127.0.0.1");
    assert.deepEqual(await who(app, { forwarded: "for=192.0.2.9;hostx;protos" }), {
      ...OWN,
      ip: "192.0.2.9",
    });
    assert.equal((await who(app, { forwarded: "for=192.0.2.9;=https" })).ip, "192.0.2.9");
  });

  test("an unknown or obfuscated node ends the walk at the hop that wrote it", async () => {
    const result = await who(app, { forwarded: "for=198.51.100.1, for=unknown;proto=https" });
    assert.deepEqual(result, { ...OWN, protocol: "https" });
  });
});
