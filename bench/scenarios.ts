// What each scenario sends and what every peer must answer, byte for byte, before it is measured.
import { BODY_64K, HELLO, HELLO_JSON, JSON_TYPE, OCTET_TYPE, TEXT_TYPE } from "./peers/common.js";

export const ECHO_BODY_BYTES = 1024;
export const ECHO_KEYS = 32;
export const PIPELINE_DEPTH = 16;

/** A flat JSON object of exactly `bytes` bytes with `keys` string fields. */
export function makeEchoBody(bytes = ECHO_BODY_BYTES, keys = ECHO_KEYS): string {
  const fields = Array.from(
    { length: keys },
    (_, index) => `field${String(index).padStart(2, "0")}`,
  );
  const skeleton = JSON.stringify(Object.fromEntries(fields.map((name) => [name, ""])));
  const spare = bytes - skeleton.length;
  if (spare < 0) throw new Error(`${keys} keys do not fit in ${bytes} bytes`);
  const values = fields.map((_, index) => {
    const length = Math.floor(spare / keys) + (index < spare % keys ? 1 : 0);
    return "abcdefghijklmnopqrstuvwxyz".repeat(Math.ceil(length / 26) + 1).slice(0, length);
  });
  return JSON.stringify(Object.fromEntries(fields.map((name, index) => [name, values[index]])));
}

export interface ExpectedResponse {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface LoadScenario {
  kind: "load";
  id: number;
  title: string;
  method: "GET" | "POST";
  path: string;
  connections: number;
  /** wrk Lua script in bench/ (resolved relative to the repo). */
  script?: "pipeline.lua" | "echo.lua";
  /** A peer feature the scenario needs; peers that report it unsupported are shown as n/a. */
  feature?: "session";
  requestBody?: string;
  expect: ExpectedResponse;
  /** Pipelining: each wrk request is this many HTTP requests. */
  pipelineDepth?: number;
  /** Emphasis for the report: which columns matter most. */
  focus?: "errors" | "cpu";
  /** Over HTTPS (TLS 1.3, bench/tls-files.ts); the baseline is then node:https. */
  tls?: boolean;
  /** The Hono app on each fetch-handler host; the baseline is then @hono/node-server. */
  fetchApp?: boolean;
  /** Each connection carries one request and is closed (`Connection: close`): new connections per second. */
  closeEachRequest?: boolean;
}

export interface MemoryScenario {
  kind: "memory";
  id: number;
  title: string;
  connections: number;
  quickConnections: number;
}

/**
 * WebSocket scenarios, loaded by bench/ws-client.ts (a separate process on the load core): echo of
 * small messages, a broadcast to every subscriber of one topic, and memory per idle WebSocket.
 */
export interface WebSocketScenario {
  kind: "websocket";
  id: number;
  title: string;
  mode: "echo" | "broadcast" | "idle";
  connections: number;
  /** Idle mode under --quick. */
  quickConnections?: number;
  /** Messages in flight per connection (echo) or published and not yet delivered (broadcast). */
  window: number;
  messageBytes: number;
}

export type Scenario = LoadScenario | MemoryScenario | WebSocketScenario;

const hello: ExpectedResponse = { status: 200, contentType: TEXT_TYPE, body: Buffer.from(HELLO) };

const BASE_SCENARIOS: readonly Scenario[] = [
  {
    kind: "load",
    id: 1,
    title: "GET / plaintext",
    method: "GET",
    path: "/",
    connections: 100,
    expect: hello,
  },
  {
    kind: "load",
    id: 2,
    title: "GET /json",
    method: "GET",
    path: "/json",
    connections: 100,
    expect: { status: 200, contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(HELLO_JSON)) },
  },
  {
    kind: "load",
    id: 3,
    title: "GET /users/:id among 100 routes",
    method: "GET",
    path: "/users/12345",
    connections: 100,
    expect: { status: 200, contentType: TEXT_TYPE, body: Buffer.from("user 12345") },
  },
  {
    kind: "load",
    id: 4,
    title: `GET / pipelined, depth ${PIPELINE_DEPTH}`,
    method: "GET",
    path: "/",
    connections: 100,
    script: "pipeline.lua",
    pipelineDepth: PIPELINE_DEPTH,
    expect: hello,
  },
  {
    kind: "load",
    id: 5,
    title: `POST /echo with a ${ECHO_BODY_BYTES}-byte JSON body`,
    method: "POST",
    path: "/echo",
    connections: 100,
    script: "echo.lua",
    requestBody: makeEchoBody(),
    expect: {
      status: 200,
      contentType: JSON_TYPE,
      body: Buffer.from(JSON.stringify({ ok: true, n: ECHO_KEYS })),
    },
  },
  {
    kind: "load",
    id: 6,
    title: "GET /64k (65,536-byte prebuilt body)",
    method: "GET",
    path: "/64k",
    connections: 100,
    expect: { status: 200, contentType: OCTET_TYPE, body: BODY_64K },
  },
  {
    kind: "load",
    id: 7,
    title: "GET / with 1000 connections",
    method: "GET",
    path: "/",
    connections: 1000,
    focus: "errors",
    expect: hello,
  },
  {
    kind: "load",
    id: 8,
    title: "GET / over 1 connection",
    method: "GET",
    path: "/",
    connections: 1,
    focus: "cpu",
    expect: hello,
  },
  {
    kind: "load",
    id: 9,
    title: "GET /session (read + write an encrypted session counter)",
    method: "GET",
    path: "/session",
    connections: 100,
    feature: "session",
    // Measured with the cookie from a first request, so every response is the second visit.
    expect: { status: 200, contentType: TEXT_TYPE, body: Buffer.from("count 2") },
  },
  {
    kind: "memory",
    id: 10,
    title: "memory per idle keep-alive connection",
    connections: 10_000,
    quickConnections: 2_000,
  },
  {
    kind: "load",
    id: 11,
    title: "HTTPS GET / plaintext, keep-alive",
    method: "GET",
    path: "/",
    connections: 100,
    tls: true,
    focus: "cpu",
    expect: hello,
  },
  {
    kind: "load",
    id: 12,
    title: `HTTPS POST /echo with a ${ECHO_BODY_BYTES}-byte JSON body, keep-alive`,
    method: "POST",
    path: "/echo",
    connections: 100,
    script: "echo.lua",
    requestBody: makeEchoBody(),
    tls: true,
    focus: "cpu",
    expect: {
      status: 200,
      contentType: JSON_TYPE,
      body: Buffer.from(JSON.stringify({ ok: true, n: ECHO_KEYS })),
    },
  },
  {
    kind: "load",
    id: 13,
    title: "HTTPS new connections: one GET / per connection (TLS handshake each)",
    method: "GET",
    path: "/",
    connections: 100,
    tls: true,
    closeEachRequest: true,
    focus: "cpu",
    expect: hello,
  },
  {
    kind: "websocket",
    id: 14,
    title: "WebSocket echo of 16-byte messages",
    mode: "echo",
    connections: 100,
    window: 1,
    messageBytes: 16,
  },
  {
    kind: "websocket",
    id: 15,
    title: "WebSocket broadcast of 16-byte messages to every subscriber",
    mode: "broadcast",
    connections: 1000,
    window: 4,
    messageBytes: 16,
  },
  {
    kind: "websocket",
    id: 16,
    title: "memory per idle WebSocket",
    mode: "idle",
    connections: 10_000,
    quickConnections: 2_000,
    window: 0,
    messageBytes: 0,
  },
];

export const SCENARIOS: readonly Scenario[] = [...BASE_SCENARIOS, ...fetchScenarios(17)];

/**
 * One Hono app served by slow-serv, @hono/node-server (the baseline), srvx and Bun: plain text,
 * JSON, a routed parameter and a 1 KB JSON POST, as scenarios 1, 2, 3 and 5 ask of the frameworks.
 */
function fetchScenarios(firstId: number): LoadScenario[] {
  return [1, 2, 3, 5].map((id, index) => {
    const framework = BASE_SCENARIOS.find((scenario) => scenario.id === id) as LoadScenario;
    return {
      ...framework,
      id: firstId + index,
      title: `Hono app: ${framework.title}`,
      fetchApp: true,
    };
  });
}

export function findScenario(id: number): Scenario | undefined {
  return SCENARIOS.find((scenario) => scenario.id === id);
}
