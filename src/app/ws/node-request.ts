import type { IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import type { Request } from "../request.js";

/**
 * The request of a generic protocol hand-off, in the shape Node's `'upgrade'` event gives:
 * a real `http.IncomingMessage` (method, url, lowercased `headers`, `rawHeaders`, version, socket),
 * because the libraries this exists for (`ws` in `noServer` mode, and through it socket.io and
 * graphql-ws) read those fields and some check the class. Only the data object is borrowed from
 * node:http, loaded on the first hand-off; no node:http code touches the connection.
 */

type IncomingMessageClass = new (socket: Socket) => IncomingMessage;
let IncomingMessageCtor: IncomingMessageClass | undefined;

export function nodeRequestFor(request: Request, socket: Socket): IncomingMessage {
  IncomingMessageCtor ??= (
    createRequire(import.meta.url)("node:http") as {
      IncomingMessage: IncomingMessageClass;
    }
  ).IncomingMessage;
  const message = new IncomingMessageCtor(socket);
  message.method = request.method;
  message.url = request.url;
  message.httpVersion = request.httpVersion;
  message.httpVersionMajor = 1;
  message.httpVersionMinor = request.head.versionMinor;
  const raw = request.rawHeaders;
  const headers: Record<string, string | string[]> = Object.create(null);
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!.toLowerCase();
    const value = raw[index + 1]!;
    const existing = headers[name];
    if (existing === undefined) headers[name] = name === "set-cookie" ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[name] = `${existing}${name === "cookie" ? "; " : ", "}${value}`;
  }
  message.headers = headers;
  message.rawHeaders = [...raw];
  message.complete = true;
  // The request had no body (or it was read): the message stream is over.
  message.push(null);
  return message;
}
