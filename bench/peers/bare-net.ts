// Reference, not a competitor: a bare node:net server that only finds where each request ends and
// answers with prebuilt bytes, all the answers to one read in one write. No header parsing, no
// validation, no request objects — nothing a real server may skip. It shows the ceiling that the
// socket layer leaves for any HTTP server on node:net, so the report can tell how much of a gap to
// a target is slow-serv's own cost and how much is the platform's.
//
// It reads through the same shared-buffer path as slow-serv (src/wire/shared-reads.ts): with
// 'data' events it paid 2–4 µs per read that slow-serv does not, so on one connection slow-serv
// looked within a µs of the ceiling while its own work was several µs above it.
import { createServer, type Server, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { readIntoSharedBuffer } from "../../src/wire/shared-reads.js";
// The same timer-renewed Date line slow-serv writes: the ceiling should not pay more for it.
import { dateHeaderLine } from "../../src/wire/writer.js";
import {
  BODY_64K,
  echoReply,
  HELLO,
  HELLO_JSON,
  HOST,
  JSON_TYPE,
  OCTET_TYPE,
  PARAM_ROUTE_PREFIXES,
  runPeer,
  TEXT_TYPE,
  userBody,
} from "./common.js";

const HEAD_END = Buffer.from("\r\n\r\n");
const CLOSE_REQUESTED = /\r\nconnection:[ \t]*close/i;
const paramPrefixes = new Set(PARAM_ROUTE_PREFIXES);

/** Set while answering a request that asked to close (scenario 13): the answer says so. */
let closing = false;

function answer(status: string, type: string, body: string | Buffer): string | Buffer {
  const head =
    `HTTP/1.1 ${status}\r\nContent-Type: ${type}\r\nContent-Length: ${body.length}\r\n` +
    `${dateHeaderLine()}${closing ? "Connection: close\r\n" : ""}\r\n`;
  return typeof body === "string" ? head + body : Buffer.concat([Buffer.from(head), body]);
}

function route(method: string, path: string, body: Buffer | undefined): string | Buffer {
  if (method === "GET") {
    if (path === "/") return answer("200 OK", TEXT_TYPE, HELLO);
    if (path === "/json") return answer("200 OK", JSON_TYPE, JSON.stringify(HELLO_JSON));
    if (path === "/64k") return answer("200 OK", OCTET_TYPE, BODY_64K);
    const slash = path.indexOf("/", 1);
    if (slash > 0 && paramPrefixes.has(path.slice(0, slash))) {
      return answer("200 OK", TEXT_TYPE, userBody(path.slice(slash + 1)));
    }
  } else if (method === "POST" && path === "/echo" && body !== undefined) {
    const reply = echoReply(JSON.parse(body.toString("utf8")));
    return answer("200 OK", JSON_TYPE, JSON.stringify(reply));
  }
  return answer("404 Not Found", TEXT_TYPE, "Not Found");
}

/** The declared body length, found by a plain case-insensitive search (no header parsing). */
function contentLength(head: string): number {
  const at = head.toLowerCase().indexOf("\r\ncontent-length:");
  if (at === -1) return 0;
  const lineEnd = head.indexOf("\r\n", at + 17);
  return Number.parseInt(head.slice(at + 17, lineEnd === -1 ? head.length : lineEnd), 10);
}

const sockets = new Set<Socket>();

function serve(socket: Socket): void {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
  let pending: Buffer | undefined;
  // `chunk` may be the shared read buffer: nothing below keeps a view of it past this call (the
  // unparsed rest is copied into `pending`).
  const receive = (chunk: Buffer): void => {
    let data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    const out: Array<string | Buffer> = [];
    let start = 0;
    while (start < data.length) {
      const end = data.indexOf(HEAD_END, start);
      if (end === -1) break;
      const head = data.toString("latin1", start, end);
      const firstSpace = head.indexOf(" ");
      const method = head.slice(0, firstSpace);
      const path = head.slice(firstSpace + 1, head.indexOf(" ", firstSpace + 1));
      const length = method === "POST" ? contentLength(head) : 0;
      if (end + 4 + length > data.length) break;
      const body = length > 0 ? data.subarray(end + 4, end + 4 + length) : undefined;
      closing = CLOSE_REQUESTED.test(head);
      out.push(route(method, path, body));
      start = end + 4 + length;
      if (closing) break;
    }
    if (start < data.length) {
      data = data.subarray(start);
      pending = Buffer.from(data);
    }
    const ends = closing;
    closing = false;
    if (out.length === 1) socket.write(out[0]!);
    else if (out.every((item) => typeof item === "string")) socket.write(out.join(""));
    else if (out.length > 1) {
      socket.cork();
      for (const item of out) socket.write(item);
      socket.uncork();
    }
    if (ends) socket.end();
  };
  const sharedRead = (bytesRead: number, buffer: Buffer): void =>
    receive(buffer.subarray(0, bytesRead));
  if (!readIntoSharedBuffer(socket, sharedRead)) socket.on("data", receive);
  socket.on("error", () => {});
}

await runPeer({
  name: "bare-net",
  unsupported: ["session"],
  async start(port, tls) {
    // Over TLS, the same answers through node:tls: the floor node:tls leaves for any server.
    const server: Server =
      tls === undefined
        ? createServer({ noDelay: true }, serve)
        : createTlsServer({ cert: tls.cert, key: tls.key }, (socket) => {
            socket.setNoDelay(true);
            serve(socket);
          });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host: HOST, backlog: 4096 }, resolve);
    });
    return {
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  },
});
