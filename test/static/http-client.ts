import { connect } from "node:net";
import { Server } from "../../src/app/server.js";

/**
 * A raw HTTP/1.1 client for tests: sends the request-target byte for byte (fetch and URL would
 * normalise "..", backslashes and percent-escapes away) and parses the whole response.
 */

export interface RawResponse {
  status: number;
  /** Lower-cased names; repeated fields joined with ", " (Set-Cookie not needed here). */
  headers: Record<string, string>;
  body: Buffer;
  /** The head as received, for assertions on absent fields. */
  head: string;
}

export interface RawRequest {
  method?: string;
  target: string;
  headers?: Record<string, string>;
}

function decodeChunked(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", offset);
    if (lineEnd === -1) throw new Error("Truncated chunked body");
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16);
    if (Number.isNaN(size)) throw new Error("Bad chunk size");
    offset = lineEnd + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(data.subarray(offset, offset + size));
    offset += size + 2;
  }
}

/** Sends one request with `Connection: close` and resolves with the parsed response. */
export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const method = request.method ?? "GET";
  const headerLines = Object.entries({ host: "localhost", ...request.headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  const text = `${method} ${request.target} HTTP/1.1\r\n${headerLines}connection: close\r\n\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      try {
        const all = Buffer.concat(chunks);
        const split = all.indexOf("\r\n\r\n");
        if (split === -1) throw new Error(`No response head in ${JSON.stringify(all.toString())}`);
        const head = all.subarray(0, split).toString("latin1");
        const [statusLine, ...lines] = head.split("\r\n");
        const headers: Record<string, string> = {};
        for (const line of lines) {
          const colon = line.indexOf(":");
          const name = line.slice(0, colon).toLowerCase();
          const value = line.slice(colon + 1).trim();
          headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
        }
        let body: Buffer = all.subarray(split + 4);
        if (headers["transfer-encoding"] === "chunked") body = decodeChunked(body);
        resolve({ status: Number(statusLine!.split(" ")[1]), headers, body, head });
      } catch (error) {
        reject(error);
      }
    });
    socket.write(text);
  });
}

/** A quiet server set up by `register`, listening on a free port until `close()`. */
export async function startApp(
  register: (app: Server) => void,
): Promise<{ app: Server; port: number; url: string; close: () => Promise<void> }> {
  const app = new Server({ logger: false });
  register(app);
  await app.run({ port: 0, host: "127.0.0.1" });
  return { app, port: app.port, url: app.url, close: () => app.close() };
}
