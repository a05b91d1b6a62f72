import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import tls from "node:tls";
import type { ListenOptions, Server } from "../../src/index.js";
import { ConfigError } from "../../src/wire/options.js";
import { V2_SIGNATURE } from "../../src/wire/proxy-protocol.js";
import { exchange, parseResponses, RawClient } from "./client.js";
import { serve, tlsFixture, withServer } from "./harness.js";

/** The PROXY gate in front of the engine, over real TCP from 127.0.0.1. */

function routes(app: Server): void {
  app.get("/who", (request) => ({
    ip: request.ip,
    port: request.connection.remotePort,
    secure: request.secure,
  }));
}

const GET = "GET /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
const V1 = "PROXY TCP4 203.0.113.7 192.0.2.1 40000 80\r\n";

function v2Tcp4Tls(): Buffer {
  const ssl = [0x20, 0, 5, 0x01, 0, 0, 0, 0];
  const body = [203, 0, 113, 8, 192, 0, 2, 1, 0x9c, 0x41, 0, 80, ...ssl];
  return Buffer.concat([
    V2_SIGNATURE,
    Buffer.from([0x21, 0x11, 0, body.length]),
    Buffer.from(body),
  ]);
}

function bodyOf(bytes: Buffer): unknown {
  const [response] = parseResponses(bytes, ["GET"], true).responses;
  assert.ok(response, `no response in ${JSON.stringify(bytes.toString("latin1"))}`);
  return JSON.parse(response.body.toString("utf8"));
}

function gated(proxyProtocol: ListenOptions["proxyProtocol"]) {
  return (fn: (port: number) => Promise<void>) =>
    withServer(routes, ({ port }) => fn(port), {}, { proxyProtocol });
}

describe("PROXY protocol listener", { timeout: 15_000 }, () => {
  it("v1 from a trusted peer sets the client address, also in the same packet as the request", async () => {
    await gated({ trusted: "loopback" })(async (port) => {
      assert.deepEqual(bodyOf(await exchange(port, V1 + GET)), {
        ip: "203.0.113.7",
        port: 40000,
        secure: false,
      });
      // The header split across writes, the request in a later one.
      const client = await RawClient.connect(port);
      client.write(V1.slice(0, 9));
      client.write(V1.slice(9));
      client.write(GET);
      await client.untilClosed();
      assert.deepEqual(bodyOf(client.received), { ip: "203.0.113.7", port: 40000, secure: false });
    });
  });

  it("v2 with the SSL TLV makes the request secure", async () => {
    await gated({ trusted: ["127.0.0.1"] })(async (port) => {
      const bytes = await exchange(port, Buffer.concat([v2Tcp4Tls(), Buffer.from(GET)]));
      assert.deepEqual(bodyOf(bytes), { ip: "203.0.113.8", port: 40001, secure: true });
    });
  });

  it("a peer not in the trusted list is closed without an answer", async () => {
    await gated({ trusted: "10.0.0.0/8" })(async (port) => {
      assert.equal((await exchange(port, V1 + GET)).length, 0);
      assert.equal((await exchange(port, GET)).length, 0);
    });
  });

  it("a trusted peer without a header, or with an invalid one, is closed", async () => {
    await gated({ trusted: "loopback" })(async (port) => {
      assert.equal((await exchange(port, GET)).length, 0);
      assert.equal((await exchange(port, `PROXY TCP4 1.2.3.4 ::1 1 2\r\n${GET}`)).length, 0);
    });
  });

  it("allowPlain serves plain connections on the same port; an untrusted header is a 400", async () => {
    await gated({ trusted: "10.0.0.0/8", allowPlain: true })(async (port) => {
      const plain = bodyOf(await exchange(port, GET)) as { ip: string; secure: boolean };
      assert.deepEqual([plain.ip, plain.secure], ["127.0.0.1", false]);
      const refused = parseResponses(await exchange(port, V1 + GET), [], true).responses;
      assert.equal(refused[0]?.status, 400);
    });
    await gated({ trusted: "loopback", allowPlain: true })(async (port) => {
      assert.equal((bodyOf(await exchange(port, GET)) as { ip: string }).ip, "127.0.0.1");
      assert.equal((bodyOf(await exchange(port, V1 + GET)) as { ip: string }).ip, "203.0.113.7");
    });
  });

  it("a header that does not complete within the timeout closes the connection", async () => {
    await gated({ trusted: "loopback", timeout: 50 })(async (port) => {
      const client = await RawClient.connect(port);
      client.write("PROXY TCP4 203.0.113.7");
      await client.whenClosed;
      assert.equal(client.received.length, 0);
    });
  });

  it("TLS behind the header: the handshake follows the PROXY line on the same socket", async () => {
    const served = await serve(
      routes,
      {},
      { tls: tlsFixture(), proxyProtocol: { trusted: "loopback" } },
    );
    try {
      const raw = net.connect({ port: served.port, host: "127.0.0.1" });
      await new Promise((resolve) => raw.once("connect", resolve));
      raw.write(V1);
      const secure = tls.connect({
        socket: raw,
        rejectUnauthorized: false,
        servername: "localhost",
      });
      const chunks: Buffer[] = [];
      secure.on("data", (chunk: Buffer) => chunks.push(chunk));
      secure.write(GET);
      await new Promise((resolve, reject) => {
        secure.on("close", resolve);
        secure.on("error", reject);
      });
      assert.deepEqual(bodyOf(Buffer.concat(chunks)), {
        ip: "203.0.113.7",
        port: 40000,
        secure: true,
      });
    } finally {
      await served.close();
    }
  });

  it("configuration mistakes fail at listen with a ConfigError", async () => {
    for (const proxyProtocol of [{}, { trusted: "nowhere" }, { trusted: "loopback", timeout: 0 }]) {
      await assert.rejects(
        serve(routes, {}, { proxyProtocol: proxyProtocol as ListenOptions["proxyProtocol"] }),
        ConfigError,
      );
    }
  });
});
