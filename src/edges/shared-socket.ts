import net from "node:net";
import { getSystemErrorName } from "node:util";
import { describeListenError } from "../wire/listener.js";

/**
 * The primary's listening socket. It is bound here, once, before any worker exists; each worker
 * is sent its handle over IPC and accepts on it (src/wire/inherited-socket.ts). The primary
 * never accepts, and keeps the socket for its whole life, so a restarted, replaced or reloaded
 * worker finds the same socket (and port, even one picked with port 0), and connections arriving
 * while no worker accepts wait in the kernel's queue instead of being refused.
 *
 * Node binds without listening only through `net._createServerHandle`, the function node:cluster
 * itself uses for the same purpose; where it is missing (or the host is a name, not an address),
 * the pool falls back to node:cluster's shared handle, which is released when the last worker
 * exits.
 */

interface BoundHandle {
  getsockname(out: { port?: number }): number;
  close(): void;
}

type CreateServerHandle = (
  address: string,
  port: number,
  addressType: number,
) => BoundHandle | number;

export interface SharedSocket {
  /** What the workers' environment says (SLOW_SERV_LISTEN): the address the app will ask for. */
  readonly environment: string;
  /** The bound handle, sent to each worker. */
  readonly handle: object;
  readonly port: number;
  close(): void;
}

/**
 * Binding alone succeeds on a port another server listens on (SO_REUSEADDR); only listen(2)
 * fails, and that happens in the workers. A short listen here finds a taken port first, in one
 * place, so it is reported once instead of by every worker.
 */
async function probe(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw describeListenError(error as NodeJS.ErrnoException, host, port);
  }
  await new Promise((resolve) => server.close(resolve));
}

/** Binds `host:port` in the primary; undefined where that is not possible (see above). */
export async function bindSharedSocket(
  host: string,
  port: number,
): Promise<SharedSocket | undefined> {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })
    ._createServerHandle;
  const family = net.isIP(host);
  if (typeof create !== "function" || family === 0 || process.platform === "win32")
    return undefined;
  await probe(host, port);
  const handle = create(host, port, family);
  if (typeof handle === "number") {
    const code = getSystemErrorName(handle);
    const error = Object.assign(new Error(code), { code }) as NodeJS.ErrnoException;
    throw describeListenError(error, host, port);
  }
  const address: { port?: number } = {};
  let closed = false;
  handle.getsockname(address);
  return {
    // Workers ask for the port the app asked for (0 included) and get this socket.
    environment: `${host}|${port}`,
    handle,
    port: address.port ?? port,
    close: () => {
      if (closed) return;
      closed = true;
      handle.close();
    },
  };
}
