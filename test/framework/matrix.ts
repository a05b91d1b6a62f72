import net from "node:net";
import { describe, test } from "node:test";
import { headRequestsOf, serializeRequest } from "../../src/app/inject.js";
import {
  type ParsedResponse,
  parseResponses,
  type ResponseFieldList,
} from "../../src/app/response-parser.js";
import { Server, type ServerOptions } from "../../src/app/server.js";

/**
 * The framework's test matrix (after h3): every case runs twice, once through `app.inject()` and
 * once over a real TCP socket, with one client interface, so a test passes only if in-memory and
 * real traffic behave the same. `SLOW_SERV_MATRIX=inject` (or `tcp`) runs one side only.
 */

export type Mode = "inject" | "tcp";

export interface ClientResponse {
  readonly status: number;
  readonly headers: Pick<ResponseFieldList, "get" | "getSetCookie" | "has">;
  readonly body: Buffer;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface RequestInit {
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export interface Client {
  readonly mode: Mode;
  request(method: string, url: string, init?: RequestInit): Promise<ClientResponse>;
  get(url: string, init?: RequestInit): Promise<ClientResponse>;
  /** Sends raw bytes on one connection, half-closes, and parses every response strictly. */
  raw(bytes: string | Uint8Array): Promise<ClientResponse[]>;
}

/** Starts `app` for one test and returns a client for it; the matrix closes it afterwards. */
export type Serve = (app: Server) => Promise<Client>;
export type Check = (title: string, body: (serve: Serve) => Promise<void>) => void;

/** A server with logging off (tests assert on responses, not on stderr). */
export function newApp(options: ServerOptions = {}): Server {
  return new Server({ logger: false, ...options });
}

function fromParsed(response: ParsedResponse): ClientResponse {
  const text = response.body.toString("utf8");
  return {
    status: response.status,
    headers: response.headers,
    body: response.body,
    text,
    json: <T>() => JSON.parse(text) as T,
  };
}

function finalResponse(responses: ClientResponse[]): ClientResponse {
  const finals = responses.filter((response) => response.status >= 200);
  if (finals.length !== 1) throw new Error(`Expected one response, got ${finals.length}`);
  return finals[0]!;
}

function withGet(client: Omit<Client, "get">): Client {
  return { ...client, get: (url, init) => client.request("GET", url, init) };
}

export function injectClient(app: Server): Client {
  // Serving starts now, as with run(): later registrations must fail in both modes alike.
  app.compile();
  return withGet({
    mode: "inject",
    async request(method, url, init = {}) {
      return fromParsed(await app.inject({ method, url, headers: init.headers, body: init.body }));
    },
    async raw(bytes) {
      return (await app.inject(bytes)).map(fromParsed);
    },
  });
}

/** Writes `bytes` on a fresh connection, half-closes, and collects until the server closes. */
function exchange(port: number, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
    socket.end(bytes);
  });
}

export async function tcpClient(app: Server): Promise<Client> {
  const address = await app.run({ port: 0 });
  const raw = async (input: string | Uint8Array): Promise<ClientResponse[]> => {
    const bytes = typeof input === "string" ? Buffer.from(input, "latin1") : Buffer.from(input);
    const written = await exchange(address.port, bytes);
    return parseResponses(written, { headRequests: headRequestsOf(bytes, app.limits) }).map(
      fromParsed,
    );
  };
  return withGet({
    mode: "tcp",
    async request(method, url, init = {}) {
      const headers = init.headers ?? {};
      // fetch always writes its own Host; requests that choose theirs go over a plain socket.
      if (Object.keys(headers).some((name) => name.toLowerCase() === "host")) {
        return finalResponse(await raw(serializeRequest({ method, url, ...init })));
      }
      const response = await fetch(address.url + url, {
        method,
        headers,
        body: init.body,
        redirect: "manual",
      });
      const body = Buffer.from(await response.arrayBuffer());
      const text = body.toString("utf8");
      return {
        status: response.status,
        headers: response.headers,
        body,
        text,
        json: <T>() => JSON.parse(text) as T,
      };
    },
    raw,
  });
}

function selectedModes(): Mode[] {
  const only = process.env.SLOW_SERV_MATRIX;
  return only === "inject" || only === "tcp" ? [only] : ["inject", "tcp"];
}

/** Registers every case of `register` once per mode, under `name`. */
export function matrix(name: string, register: (check: Check) => void): void {
  describe(name, () => {
    for (const mode of selectedModes()) {
      describe(mode, () => {
        register((title, body) => {
          test(title, async () => {
            const started: Server[] = [];
            const serve: Serve = async (app) => {
              started.push(app);
              return mode === "inject" ? injectClient(app) : tcpClient(app);
            };
            try {
              await body(serve);
            } finally {
              await Promise.all(started.map((app) => app.close()));
            }
          });
        });
      });
    }
  });
}
