// Before anything is measured, every peer must give the scenario's exact response; otherwise the
// numbers would compare different work.
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { connect } from "node:net";
import type { ExpectedResponse } from "./scenarios.js";

export interface ObservedResponse {
  status: number;
  contentType: string | undefined;
  contentLength: string | undefined;
  transferEncoding: string | undefined;
  setCookie: string | undefined;
  body: Buffer;
}

export interface FetchOptions {
  port: number;
  method: string;
  path: string;
  body?: string;
  cookie?: string;
  timeoutMs?: number;
  /** HTTPS, trusting the run's self-signed certificate. */
  tls?: boolean;
  /** Send `Connection: close`, as the new-connection scenario's load does. */
  close?: boolean;
}

export function fetchOnce(options: FetchOptions): Promise<ObservedResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers["content-type"] = "application/json";
    if (options.cookie !== undefined) headers.cookie = options.cookie;
    if (options.close === true) headers.connection = "close";
    const send = options.tls === true ? httpsRequest : httpRequest;
    const request = send(
      {
        host: "127.0.0.1",
        port: options.port,
        method: options.method,
        path: options.path,
        headers,
        agent: false,
        rejectUnauthorized: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const cookie = response.headers["set-cookie"];
          resolve({
            status: response.statusCode ?? 0,
            contentType: response.headers["content-type"],
            contentLength: response.headers["content-length"],
            transferEncoding: response.headers["transfer-encoding"],
            setCookie: cookie?.join("\n"),
            body: Buffer.concat(chunks),
          });
        });
        response.on("error", reject);
      },
    );
    request.setTimeout(options.timeoutMs ?? 5000, () =>
      request.destroy(new Error(`no response to ${options.method} ${options.path} within timeout`)),
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

function preview(body: Buffer, from: number): string {
  const slice = body.subarray(from, from + 40);
  const text = JSON.stringify(slice.toString("latin1"));
  return `${text}${body.length > from + 40 ? "…" : ""}`;
}

/**
 * Every way `actual` differs from `expected`, as "field: expected X, got Y" lines. `anyFraming`
 * accepts a chunked body too: fetch-handler hosts decide the framing of the same app's answers
 * (srvx sends even a string body chunked), and that cost is part of what is measured.
 */
export function diffResponse(
  expected: ExpectedResponse,
  actual: ObservedResponse,
  anyFraming = false,
): string[] {
  const problems: string[] = [];
  if (actual.status !== expected.status) {
    problems.push(`status: expected ${expected.status}, got ${actual.status}`);
  }
  if (actual.contentType !== expected.contentType) {
    problems.push(`content-type: expected "${expected.contentType}", got "${actual.contentType}"`);
  }
  const framing = `content-length: ${expected.body.length}, no transfer-encoding`;
  if (anyFraming && actual.transferEncoding === "chunked") {
    // The body below is compared after node:http removed the chunked framing.
  } else if (actual.transferEncoding !== undefined) {
    problems.push(
      `framing: expected ${framing}, got transfer-encoding "${actual.transferEncoding}"`,
    );
  } else if (actual.contentLength !== String(expected.body.length)) {
    problems.push(`framing: expected ${framing}, got content-length "${actual.contentLength}"`);
  }
  if (!actual.body.equals(expected.body)) {
    let offset = 0;
    while (offset < actual.body.length && actual.body[offset] === expected.body[offset]) offset++;
    problems.push(
      `body: expected ${expected.body.length} bytes, got ${actual.body.length}; first difference at ` +
        `byte ${offset}: expected ${preview(expected.body, offset)}, got ${preview(actual.body, offset)}`,
    );
  }
  return problems;
}

/**
 * Sends `depth` GETs in one write and counts complete status lines, proving the peer answers a
 * pipelined batch (otherwise wrk's pipelined numbers would be meaningless).
 */
export function checkPipelining(port: number, path: string, depth: number, timeoutMs = 5000) {
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      const seen = received.match(/HTTP\/1\.1 200 /g)?.length ?? 0;
      reject(new Error(`pipelining: ${seen} of ${depth} responses within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on("connect", () => socket.write(request.repeat(depth)));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      if ((received.match(/HTTP\/1\.1 200 /g)?.length ?? 0) >= depth) {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      }
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Polls until a TCP connect succeeds: "listening" in a log line is not proof of accepting. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      socket.setTimeout(1000, () => socket.destroy());
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      // "close" follows every error; without a listener a refused connect would throw.
      socket.on("error", () => {});
      socket.once("close", () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`port ${port} did not accept within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
