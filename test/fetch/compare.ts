import assert from "node:assert/strict";
import { RawClient } from "../wire/client.js";
import type { Exchange } from "./apps.js";

/**
 * One request answered twice, in-process and over TCP, and the two answers compared: status,
 * every header field (Set-Cookie line by line) and the body bytes. Ignored, explicitly: `Date`
 * (the clock) and the framing fields the engine owns (Content-Length, Transfer-Encoding,
 * Connection, Keep-Alive), whose correctness is checked on their own below.
 */

const IGNORED = new Set([
  "date",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
]);

export interface Answer {
  readonly status: number;
  /** [lowercased name, value] sorted by name, one entry per Set-Cookie line. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  /** The Content-Length sent, if any. */
  readonly length?: number;
}

function sorted(fields: Array<[string, string]>): Array<[string, string]> {
  return fields
    .filter(([name]) => !IGNORED.has(name))
    .sort((left, right) => (left[0] < right[0] ? -1 : left[0] > right[0] ? 1 : 0));
}

export function requestFor(base: string, exchange: Exchange): Request {
  return new Request(base + exchange.path, {
    method: exchange.method ?? "GET",
    headers: exchange.headers,
    body: exchange.body,
  });
}

export async function inProcess(
  fetch: (request: Request) => Response | Promise<Response>,
  base: string,
  exchange: Exchange,
): Promise<Answer> {
  const response = await fetch(requestFor(base, exchange));
  const fields: Array<[string, string]> = [];
  for (const [name, value] of response.headers) {
    // A ponyfill's Headers (graphql-yoga's on Node 20) may keep the case it was given.
    const lower = name.toLowerCase();
    if (lower !== "set-cookie") fields.push([lower, value]);
  }
  for (const cookie of response.headers.getSetCookie()) fields.push(["set-cookie", cookie]);
  const body = Buffer.from(await response.arrayBuffer());
  const length = response.headers.get("content-length");
  return {
    status: response.status,
    fields: sorted(fields),
    body,
    length: length === null ? undefined : Number(length),
  };
}

export function wireRequest(exchange: Exchange, port: number): string {
  const method = exchange.method ?? "GET";
  let head = `${method} ${exchange.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  for (const [name, value] of Object.entries(exchange.headers ?? {}))
    head += `${name}: ${value}\r\n`;
  const body = exchange.body === undefined ? "" : exchange.body;
  if (exchange.body !== undefined) head += `Content-Length: ${Buffer.byteLength(body)}\r\n`;
  return `${head}\r\n${body}`;
}

export async function overTcp(port: number, exchange: Exchange): Promise<Answer> {
  const client = await RawClient.connect(port);
  try {
    client.write(wireRequest(exchange, port));
    const response = await client.response(exchange.method ?? "GET");
    const fields = response.fields.map(([name, value]): [string, string] => [
      name.toLowerCase(),
      value,
    ]);
    const length = response.headers["content-length"];
    if (response.framing === "length" && exchange.method !== "HEAD") {
      assert.equal(Number(length), response.body.length, "Content-Length matches the body");
    }
    return {
      status: response.status,
      fields: sorted(fields),
      body: response.body,
      length: length === undefined ? undefined : Number(length),
    };
  } finally {
    client.destroy();
  }
}

export function assertSameAnswer(
  local: Answer,
  remote: Answer,
  what: string,
  method = "GET",
): void {
  assert.equal(remote.status, local.status, `${what}: status`);
  assert.deepEqual(remote.fields, local.fields, `${what}: headers`);
  if (method === "HEAD") {
    // The engine never sends a body for HEAD; a Content-Length it sends is that of the body the
    // handler gave (GET's, when the handler answers HEAD like GET).
    assert.equal(remote.body.length, 0, `${what}: no body`);
    if (remote.length !== undefined) {
      assert.equal(remote.length, local.length ?? local.body.length, `${what}: length`);
    }
    return;
  }
  assert.equal(
    remote.body.toString("latin1"),
    local.body.toString("latin1"),
    `${what}: body bytes`,
  );
}
