import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PROTOCOL_ERROR_LINES_PER_SECOND, ProtocolErrorLog } from "../../src/app/protocol-log.js";
import { type Logger, serve } from "../../src/index.js";
import { bytePreview } from "../../src/wire/byte-preview.js";
import { HttpError } from "../../src/wire/http-error.js";
import { RequestParser } from "../../src/wire/parser.js";
import type { ConnectionInfo } from "../../src/wire/request.js";
import { RawClient } from "./client.js";
import { engineErrorPattern, waitUntil, withServer } from "./harness.js";

/** Errors that belong to no request are logged with what arrived, escaped and bounded. */

interface Line {
  message: string;
  fields: Readonly<Record<string, unknown>> | undefined;
}

function capturingLogger(): { logger: Logger; warnings: Line[] } {
  const warnings: Line[] = [];
  return {
    warnings,
    logger: {
      info: () => {},
      warn: (message, fields) => warnings.push({ message, fields }),
      error: () => {},
    },
  };
}

/** Sends `bytes`, returns all the server sent before it closed the connection. */
async function sendAndClose(port: number, bytes: string | Buffer): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    client.write(bytes);
    return (await client.untilClosed()).toString("latin1");
  } finally {
    client.destroy();
  }
}

const PROXY_V1 = "PROXY TCP4 1.2.3.4 5.6.7.8 1111 80\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";

describe("protocol errors in the log", () => {
  it("names a PROXY-protocol header sent to a server that does not expect one", async () => {
    const { logger, warnings } = capturingLogger();
    await withServer(
      (app) => app.get("/", () => "hello"),
      async ({ port }) => {
        const response = await sendAndClose(port, PROXY_V1);
        const message = "Malformed request-line: HTTP version";
        assert.match(response, engineErrorPattern(400, "Bad Request", message));
        assert.deepEqual(warnings, [
          {
            message: `Protocol error: ${message}`,
            fields: {
              status: 400,
              remoteAddress: "127.0.0.1",
              received:
                "PROXY TCP4 1.2.3.4 5.6.7.8 1111 80\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
            },
          },
        ]);
      },
      { logger },
    );
  });

  it("shows the head that failed, not the request before it on the same connection", async () => {
    const { logger, warnings } = capturingLogger();
    await withServer(
      (app) => app.get("/", () => "hello"),
      async ({ port }) => {
        const response = await sendAndClose(port, `GET / HTTP/1.1\r\nHost: x\r\n\r\n${PROXY_V1}`);
        assert.match(response, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhelloHTTP\/1\.1 400 /);
        // A head refused before it is complete (a byte no head can hold), behind a good one.
        const binary = Buffer.from([0x16, 0x03, 0x01]);
        await sendAndClose(
          port,
          Buffer.concat([Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), binary]),
        );
        assert.deepEqual(
          warnings.map((line) => line.fields?.received),
          [
            "PROXY TCP4 1.2.3.4 5.6.7.8 1111 80\\r\\nGET / HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n",
            "\\x16\\x03\\x01",
          ],
        );
      },
      { logger },
    );
  });

  it("escapes binary bytes (a TLS handshake on the plain port) and cuts long heads", async () => {
    const { logger, warnings } = capturingLogger();
    await withServer(
      () => {},
      async ({ port }) => {
        await sendAndClose(port, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0xfc]));
        await sendAndClose(port, `${"A".repeat(100)} / HTTP/1.1\r\n\r\n`);
      },
      { logger, limits: { maxRequestLineBytes: 80 } },
    );
    assert.deepEqual(
      warnings.map((line) => [line.message, line.fields?.received]),
      [
        ["Protocol error: Invalid byte in the request head", "\\x16\\x03\\x01\\x02\\x00\\x01\\xfc"],
        ["Protocol error: Method too long: not implemented", `${"A".repeat(64)}…`],
      ],
    );
  });

  it("logs a header timeout without bytes", async () => {
    const { logger, warnings } = capturingLogger();
    await withServer(
      () => {},
      async ({ port, app }) => {
        const client = await RawClient.connect(port);
        try {
          client.write("GET / HTTP/1.1\r\nHost: x\r\n");
          // Sweeps from far in the future until the server has the partial head and answers
          // (with the keep-alive timeout off, so an early sweep cannot close the connection).
          await waitUntil(() => {
            app.engine.sweep(Date.now() + 3_600_000);
            return client.received.length > 0;
          });
          await client.untilClosed();
        } finally {
          client.destroy();
        }
      },
      { logger, timeouts: { keepAlive: 0 } },
    );
    assert.deepEqual(warnings, [
      {
        message: "Protocol error: Request header timeout",
        fields: { status: 408, remoteAddress: "127.0.0.1" },
      },
    ]);
  });

  it("is logged by fetch handlers served with serve() too", async () => {
    const { logger, warnings } = capturingLogger();
    const server = await serve({ fetch: () => new Response("hello"), port: 0, logger });
    try {
      await sendAndClose(server.port, PROXY_V1);
    } finally {
      await server.close();
    }
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.message, "Protocol error: Malformed request-line: HTTP version");
    assert.match(String(warnings[0]!.fields!.received), /^PROXY TCP4 1\.2\.3\.4 5\.6\.7\.8 /);
  });
});

describe("ProtocolErrorLog", () => {
  const connection = { remoteAddress: "192.0.2.7" } as ConnectionInfo;
  const error = new HttpError(400, "Malformed request-line: method");

  it(`writes at most ${PROTOCOL_ERROR_LINES_PER_SECOND} lines a second and counts the rest`, () => {
    const { logger, warnings } = capturingLogger();
    let now = 5_000;
    const log = new ProtocolErrorLog(logger, () => now);
    for (let index = 0; index < PROTOCOL_ERROR_LINES_PER_SECOND + 5; index++) {
      log.report(error, "x", connection);
    }
    assert.equal(warnings.length, PROTOCOL_ERROR_LINES_PER_SECOND);
    now += 999;
    log.report(error, "x", connection);
    assert.equal(warnings.length, PROTOCOL_ERROR_LINES_PER_SECOND);
    now += 1;
    log.report(error, "y", connection);
    assert.deepEqual(warnings.at(-1), {
      message: "Protocol error: Malformed request-line: method",
      fields: { status: 400, remoteAddress: "192.0.2.7", received: "y", suppressed: 6 },
    });
    log.report(error, "z", connection);
    assert.equal(warnings.at(-1)!.fields!.suppressed, undefined);
  });
});

describe("bytePreview", () => {
  it("keeps printable ASCII and escapes everything else, a backslash included", () => {
    assert.equal(
      bytePreview(Buffer.from('GET /a\\b "é"\r\n\t')),
      'GET /a\\\\b "\\xc3\\xa9"\\r\\n\\t',
    );
    assert.equal(bytePreview(undefined), "");
  });

  it("marks a preview that reached the limit as cut", () => {
    assert.equal(bytePreview(Buffer.alloc(63, 0x61)), "a".repeat(63));
    assert.equal(bytePreview(Buffer.alloc(64, 0x61)), `${"a".repeat(64)}…`);
  });
});

describe("RequestParser.failedHead", () => {
  /** Feeds `reads` one at a time; returns the error and what failedHead kept. */
  function parse(...reads: string[]): { error: string; head: string | undefined } {
    let error = "";
    const parser = new RequestParser({
      onHead: () => {},
      onBody: () => {},
      onComplete: () => {},
      onError: (failure) => (error = failure.message),
    });
    for (const read of reads) parser.execute(Buffer.from(read, "latin1"));
    return { error, head: parser.failedHead?.toString("latin1") };
  }

  it("joins a head that came in several reads", () => {
    assert.deepEqual(parse("PROXY TCP4 1.2.3.4", " 5.6.7.8 1 2\r\n\0"), {
      error: "Invalid byte in the request head",
      head: "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n\0",
    });
    assert.deepEqual(parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "\r\n"), {
      error: "Malformed request-line: HTTP version",
      head: "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n\r\n",
    });
  });

  it("keeps nothing after an error outside a head", () => {
    const chunked = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    const { error, head } = parse(chunked, "zz\r\n");
    assert.match(error, /chunk/i);
    assert.equal(head, undefined);
  });
});
