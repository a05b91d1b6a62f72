import net from "node:net";
import tls from "node:tls";

/**
 * A raw HTTP/1.1 test client: writes exact bytes, records exactly what comes back (and in how many
 * reads), and parses responses framed by Content-Length, chunked coding or connection close. Every
 * wait has a deadline, so a server that never answers fails the test instead of hanging it.
 */

export interface ParsedResponse {
  /** The head exactly as received, including the final empty line. */
  readonly head: string;
  readonly version: string;
  readonly status: number;
  readonly reason: string;
  /** Lowercased names; repeated fields joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** Field lines in order, as [name, value] with the name as sent. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly framing: "length" | "chunked" | "close" | "none";
  /** For chunked bodies: the size of each chunk as framed on the wire. */
  readonly chunkSizes: readonly number[];
  /** Every byte of this response as received. */
  readonly raw: Buffer;
}

export interface ParseResult {
  readonly responses: ParsedResponse[];
  /** Bytes after the last complete response. */
  readonly rest: Buffer;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Parses as many complete responses as `bytes` holds. `methods[i]` is the method of the i-th
 * request, so a HEAD response is known to have no body; interim (1xx) responses take no slot.
 * `closed` says the connection ended, which completes a close-delimited body.
 */
export function parseResponses(
  bytes: Buffer,
  methods: readonly string[] = [],
  closed = false,
): ParseResult {
  const responses: ParsedResponse[] = [];
  let position = 0;
  let finals = 0;
  for (;;) {
    const headEnd = bytes.indexOf("\r\n\r\n", position, "latin1");
    if (headEnd === -1) break;
    const head = bytes.toString("latin1", position, headEnd + 4);
    const lines = head.slice(0, -4).split("\r\n");
    const statusLine = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0]!);
    if (statusLine === null) throw new Error(`Malformed status line: ${JSON.stringify(lines[0])}`);
    const status = Number(statusLine[2]);
    const fields: Array<[string, string]> = [];
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`Malformed header line: ${JSON.stringify(line)}`);
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      fields.push([name, value]);
      const lower = name.toLowerCase();
      headers[lower] = lower in headers ? `${headers[lower]}, ${value}` : value;
    }
    const bodyStart = headEnd + 4;
    const isHead = status >= 200 && methods[finals] === "HEAD";
    let body: Buffer;
    let end: number;
    let framing: ParsedResponse["framing"];
    const chunkSizes: number[] = [];
    if (status < 200 || status === 204 || status === 304 || isHead) {
      framing = "none";
      body = Buffer.alloc(0);
      end = bodyStart;
    } else if (headers["transfer-encoding"] !== undefined) {
      framing = "chunked";
      const decoded = decodeChunked(bytes, bodyStart, chunkSizes);
      if (decoded === undefined) break;
      body = decoded.body;
      end = decoded.end;
    } else if (headers["content-length"] !== undefined) {
      framing = "length";
      end = bodyStart + Number(headers["content-length"]);
      if (end > bytes.length) break;
      body = bytes.subarray(bodyStart, end);
    } else {
      framing = "close";
      if (!closed) break;
      end = bytes.length;
      body = bytes.subarray(bodyStart);
    }
    responses.push({
      head,
      version: statusLine[1]!,
      status,
      reason: statusLine[3]!,
      headers,
      fields,
      body,
      framing,
      chunkSizes,
      raw: bytes.subarray(position, end),
    });
    if (status >= 200) finals++;
    position = end;
  }
  return { responses, rest: bytes.subarray(position) };
}

function decodeChunked(
  bytes: Buffer,
  start: number,
  sizes: number[],
): { body: Buffer; end: number } | undefined {
  const parts: Buffer[] = [];
  let position = start;
  for (;;) {
    const lineEnd = bytes.indexOf("\r\n", position, "latin1");
    if (lineEnd === -1) return undefined;
    const sizeText = bytes.toString("latin1", position, lineEnd);
    if (!/^[0-9a-f]+$/i.test(sizeText)) throw new Error(`Bad chunk size ${sizeText}`);
    const size = Number.parseInt(sizeText, 16);
    position = lineEnd + 2;
    if (size === 0) {
      // No trailers from this server: the last chunk is followed by the final CRLF.
      if (bytes.length < position + 2) return undefined;
      if (bytes.toString("latin1", position, position + 2) !== "\r\n") {
        throw new Error("Trailers or garbage after the last chunk");
      }
      return { body: Buffer.concat(parts), end: position + 2 };
    }
    if (bytes.length < position + size + 2) return undefined;
    sizes.push(size);
    parts.push(bytes.subarray(position, position + size));
    if (bytes.toString("latin1", position + size, position + size + 2) !== "\r\n") {
      throw new Error("Chunk data not followed by CRLF");
    }
    position += size + 2;
  }
}

export interface ClientOptions {
  host?: string;
  /** Connect with TLS (certificate checks off: tests use a self-signed certificate). */
  tls?: boolean;
  /** Deadline for each wait on this client. */
  timeoutMs?: number;
}

export class RawClient {
  readonly socket: net.Socket;
  readonly timeoutMs: number;
  /** Every byte received so far. */
  received: Buffer = Buffer.alloc(0);
  /** Sizes of the reads that delivered `received`, in order. */
  readonly reads: number[] = [];
  closed = false;
  /** Whether the server ended its side (FIN) before the socket closed. */
  ended = false;
  error: Error | undefined = undefined;
  readonly #waiters = new Set<() => void>();
  readonly whenClosed: Promise<void>;

  private constructor(socket: net.Socket, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
    socket.on("data", (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.reads.push(chunk.length);
      this.#wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.#wake();
    });
    socket.on("error", (error) => {
      this.error = error;
    });
    this.whenClosed = new Promise((resolve) => {
      socket.once("close", () => {
        this.closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  static connect(port: number, options: ClientOptions = {}): Promise<RawClient> {
    const host = options.host ?? "127.0.0.1";
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tls.connect({ port, host, rejectUnauthorized: false, servername: "localhost" })
        : net.connect({ port, host });
      const client = new RawClient(socket, timeoutMs);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out`));
      }, timeoutMs);
      socket.once(options.tls ? "secureConnect" : "connect", () => {
        clearTimeout(timer);
        resolve(client);
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  write(data: string | Buffer): boolean {
    return this.socket.write(data);
  }

  /** Half-closes: sends FIN but keeps reading. */
  end(data?: string | Buffer): void {
    if (data === undefined) this.socket.end();
    else this.socket.end(data);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Waits until `condition()` holds, re-checking on every read, end and close. */
  waitFor(condition: () => boolean, what: string, timeoutMs = this.timeoutMs): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          resolve();
        } else if (this.closed) {
          this.#waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`Connection closed while waiting for ${what}; got ${this.#shown()}`));
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        this.socket.destroy();
        reject(
          new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; got ${this.#shown()}`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  /** Waits for `count` complete responses (interim 1xx ones included) and returns them. */
  async responses(count: number, methods: readonly string[] = []): Promise<ParsedResponse[]> {
    let result: ParsedResponse[] = [];
    await this.waitFor(() => {
      result = parseResponses(this.received, methods, this.closed || this.ended).responses;
      return result.length >= count;
    }, `${count} response(s)`);
    return result.slice(0, count);
  }

  async response(method = "GET"): Promise<ParsedResponse> {
    return (await this.responses(1, [method]))[0]!;
  }

  /** Waits for the server to close the connection; returns everything received. */
  async untilClosed(timeoutMs = this.timeoutMs): Promise<Buffer> {
    if (!this.closed) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.socket.destroy();
          reject(
            new Error(`Timed out after ${timeoutMs} ms waiting for close; got ${this.#shown()}`),
          );
        }, timeoutMs);
        this.whenClosed.then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received;
  }

  /** Waits for the server's FIN (the socket may stay half-open from our side). */
  untilEnded(timeoutMs = this.timeoutMs): Promise<void> {
    return this.waitFor(() => this.ended || this.closed, "the server to end", timeoutMs);
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #shown(): string {
    const text = this.received.toString("latin1");
    return JSON.stringify(text.length > 400 ? `${text.slice(0, 400)}…` : text);
  }
}

/** Connects, writes `request`, and resolves with everything received until the server closes. */
export async function exchange(
  port: number,
  request: string | Buffer,
  options: ClientOptions = {},
): Promise<Buffer> {
  const client = await RawClient.connect(port, options);
  client.write(request);
  return client.untilClosed();
}
