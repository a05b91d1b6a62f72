/**
 * A listening socket handed to this process by its parent (src/edges/shared-socket.ts: the
 * primary of a worker pool binds it once and sends its handle to every worker, as node:cluster
 * passes handles). The first `listen` asking for exactly the address the parent bound for gets
 * that handle instead of binding a socket of its own.
 */

interface Inherited {
  readonly host: string;
  readonly port: number;
  readonly handle: object;
}

let inherited: Inherited | undefined;

/** Called by the worker side before the app starts. */
export function provideInheritedHandle(host: string, port: number, handle: object): void {
  inherited = { host, port, handle };
}

/** The inherited handle for `host:port`, once; undefined for any other address. */
export function takeInheritedHandle(host: string, port: number): object | undefined {
  if (inherited === undefined || inherited.host !== host || inherited.port !== port)
    return undefined;
  const { handle } = inherited;
  inherited = undefined;
  return handle;
}
