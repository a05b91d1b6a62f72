import type { Server } from "../../src/index.js";
import { type ClientResponse, tcpClient } from "../framework/matrix.js";

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
 * Runs `body` against `app` listening on a free loopback port, then closes the server. Requests
 * are written as exact bytes on a plain socket (the matrix's raw path), so headers a browser
 * sends and fetch would refuse or rewrite (Origin, Sec-Fetch-Site, Host) arrive as written.
 */
export async function overTcp(
  app: Server,
  body: (client: TcpClient) => Promise<void>,
): Promise<void> {
  const client = await tcpClient(app);
  try {
    await body({
      request: (method, url, headers = {}, payload) =>
        client.request(method, url, { headers: { host: "localhost", ...headers }, body: payload }),
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
