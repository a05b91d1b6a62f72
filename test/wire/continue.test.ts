import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { HttpError } from "../../src/index.js";
import { RawClient } from "./client.js";
import { curl, deferred, withServer } from "./harness.js";

/** Expect: 100-continue: the interim response goes out only when the handler asks for the body. */

const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

describe("Expect: 100-continue", { timeout: 10_000 }, () => {
  it("sends 100 Continue only once the handler starts reading", async () => {
    const gate = deferred();
    const reading = deferred();
    await withServer(
      (app) => {
        app.post("/upload", async (request) => {
          await gate.promise;
          reading.resolve();
          return `got ${await request.text()}`;
        });
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n",
        );
        // The handler has not read yet: a round trip through another request shows nothing sent.
        await fetchSomething(port);
        assert.equal(client.received.length, 0);
        gate.resolve();
        await reading.promise;
        await client.waitFor(() => client.received.length >= CONTINUE.length, "100 Continue");
        assert.equal(client.received.toString("latin1"), CONTINUE);
        client.write("data");
        const [interim, final] = await client.responses(2, ["POST"]);
        assert.equal(interim!.status, 100);
        assert.equal(final!.body.toString(), "got data");
        assert.equal(final!.headers.connection, undefined);
        client.destroy();
      },
    );
  });

  it("skips 100 Continue for a client that sent its body without waiting (RFC 9110 §10.1.1)", async () => {
    await withServer(
      (app) => {
        app.post("/upload", async (request) => `got ${await request.text()}`);
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\ndata",
        );
        const response = await client.response("POST");
        assert.equal(response.status, 200);
        assert.equal(response.body.toString(), "got data");
        assert.ok(!client.received.toString("latin1").includes("100 Continue"));
        client.destroy();
      },
    );
  });

  for (const status of [401, 413]) {
    it(`answers ${status} without 100 Continue when the handler does not read, then closes`, async () => {
      await withServer(
        (app) => {
          app.post("/upload", () => {
            throw new HttpError(status, "Not this one");
          });
        },
        async ({ port }) => {
          const client = await RawClient.connect(port);
          client.write(
            "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n",
          );
          const raw = (await client.untilClosed()).toString("latin1");
          assert.match(raw, new RegExp(`^HTTP/1\\.1 ${status} `));
          assert.doesNotMatch(raw, /100 Continue/);
          assert.match(raw, /\r\nConnection: close\r\n/);
        },
      );
    });
  }

  it("answers 413 without 100 Continue when the declared length is over the limit", async () => {
    await withServer(
      (app) => {
        app.post("/upload", async (request) => await request.text());
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\nExpect: 100-continue\r\n\r\n",
        );
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 413 Content Too Large\r\n/);
        assert.match(raw, /\r\nConnection: close\r\n/);
      },
      { limits: { maxBodyBytes: 1024 } },
    );
  });

  it("answers any other expectation with 417 and closes", async () => {
    await withServer(
      (app) => {
        app.post("/upload", () => "never");
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nExpect: 200-ok\r\n\r\nx",
        );
        const raw = (await client.untilClosed()).toString("latin1");
        assert.match(raw, /^HTTP\/1\.1 417 Expectation Failed\r\n/);
        assert.match(raw, /\r\nConnection: close\r\n/);
      },
    );
  });

  it("ignores the expectation from an HTTP/1.0 client", async () => {
    await withServer(
      (app) => {
        app.post("/upload", async (request) => await request.text());
      },
      async ({ port }) => {
        const client = await RawClient.connect(port);
        client.write(
          "POST /upload HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi",
        );
        const raw = (await client.untilClosed()).toString("latin1");
        assert.doesNotMatch(raw, /100 Continue/);
        assert.match(raw, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhi$/);
      },
    );
  });

  it("lets curl upload without waiting out its Expect timer", async () => {
    const directory = mkdtempSync(join(tmpdir(), "slow-serv-continue-"));
    try {
      const file = join(directory, "upload.bin");
      writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 0x61));
      await withServer(
        (app) => {
          app.post("/upload", async (request) => `${(await request.bytes()).length}`);
        },
        async ({ url }) => {
          // curl's own Expect timer is set past curl's time limit: without a 100 Continue the
          // upload never starts and curl fails, whatever the machine's load.
          const result = await curl(
            [
              "--verbose",
              "--data-binary",
              `@${file}`,
              "-H",
              "Expect: 100-continue",
              "--expect100-timeout",
              "60",
              `${url}/upload`,
            ],
            20_000,
          );
          assert.equal(result.stdout, String(2 * 1024 * 1024));
          assert.match(result.stderr, /^< HTTP\/1\.1 100 Continue\r?$/m);
        },
        { limits: { maxBodyBytes: 4 * 1024 * 1024 } },
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

/** A complete exchange on a second connection: by then the server has processed earlier input. */
async function fetchSomething(port: number): Promise<void> {
  const other = await RawClient.connect(port);
  other.write("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n");
  await other.response();
  other.destroy();
}
