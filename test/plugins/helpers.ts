import { serializeRequest } from "../../src/app/inject.js";
import { parseResponses } from "../../src/app/response-parser.js";
import type { Server } from "../../src/index.js";
import type { ClientResponse } from "../framework/matrix.js";
import { RawClient } from "../wire/client.js";

/** A client for a server listening on a real socket; every request goes over TCP. */
export interface TcpClient {
  request(
    method: string,
    url: string,
    headers?: Record<string, string>,
    body?: string,
  ): Promise<ClientResponse>;
}

/**
 * Runs `body` against `app` listening on a free loopback port, then closes the server. Each
 * request is written as exact bytes on a fresh connection that stays open until the server
 * closes it (`Connection: close`): no half-close, which the engine would take for a client that
 * went away. Headers that fetch would refuse or rewrite (Origin, Sec-Fetch-Site, Host) arrive
 * as written.
 */
export async function overTcp(
  app: Server,
  body: (client: TcpClient) => Promise<void>,
): Promise<void> {
  const { port } = await app.run({ port: 0, host: "127.0.0.1" });
  try {
    await body({
      async request(method, url, headers = {}, payload) {
        const bytes = serializeRequest({
          method,
          url,
          headers: { host: "localhost", connection: "close", ...headers },
          body: payload,
        });
        const client = await RawClient.connect(port);
        try {
          client.write(bytes);
          const received = await client.untilClosed();
          const [response] = parseResponses(received, { headRequests: [method === "HEAD"] });
          if (response === undefined) throw new Error(`No response to ${method} ${url}`);
          const text = response.body.toString("utf8");
          return {
            status: response.status,
            headers: response.headers,
            body: response.body,
            text,
            json: <T>() => JSON.parse(text) as T,
          };
        } finally {
          client.destroy();
        }
      },
    });
  } finally {
    await app.close();
  }
}

/** `name=value` pairs of the response's Set-Cookie lines, as a browser would send them back. */
export function cookiesOf(response: ClientResponse): string {
  return response.headers
    .getSetCookie()
    .map((line) => line.split(";")[0]!)
    .join("; ");
}

/** A clock tests move by hand. */
export class ManualClock {
  now: number;
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.now = start;
  }
  readonly read = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}
