import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { HttpError } from "../../wire/http-error.js";
import { ConfigError } from "../../wire/options.js";
import type { Request } from "../request.js";
import type { Response } from "../response.js";
import type { RouteParams } from "../route-params.js";
import type { Hooks } from "../routes.js";
import { nodeRequestFor } from "./node-request.js";

/**
 * Takes over the socket of an upgrade request, as Node's `'upgrade'` event would hand it: the
 * request as an `IncomingMessage`, the socket, and the bytes already read past the request.
 * `context` is slow-serv's own request (route params, session, cookies, what before hooks set).
 * The function must write its own response (`101 Switching Protocols`, or an error) to the socket.
 */
export type UpgradeListener<Params extends Record<string, string> = Record<string, string>> = (
  request: IncomingMessage,
  socket: Socket,
  head: Buffer,
  context: Request<Params>,
) => void;

export interface UpgradeRouteOptions extends Hooks {
  /**
   * The protocol the listener speaks (an `Upgrade` token such as "websocket"): a request that
   * does not ask to upgrade then gets 426 naming it, as RFC 9110 §15.5.22 asks; without it, 400.
   */
  protocol?: string;
}

/** The route handler behind `app.upgrade(path, listener)`. */
export function upgradeRouteHandler<Path extends string>(
  listener: UpgradeListener<RouteParams<Path>>,
  protocol: string | undefined,
): (request: Request<RouteParams<Path>>, response: Response) => void {
  if (typeof listener !== "function") {
    throw new ConfigError(
      "app.upgrade(path, listener): listener must be (request, socket, head) => …",
    );
  }
  const refusal =
    protocol === undefined
      ? () => new HttpError(400, "This address only accepts protocol upgrades")
      : () =>
          new HttpError(426, `This address only accepts an upgrade to ${protocol}`, {
            headers: { connection: "Upgrade", upgrade: protocol },
          });
  return (request, response) => {
    if (request.head.upgrade === undefined) throw refusal();
    response.upgrade = (socket, head) => {
      listener(nodeRequestFor(request, socket), socket, head, request);
    };
  };
}
