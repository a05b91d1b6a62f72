// Where uws-pack keeps the uWebSockets.js binary for this platform and Node ABI; shared by the
// peer and by the harness, which checks for it before starting the peer.
import { fileURLToPath } from "node:url";

export function uwsBinaryPath(): string {
  const name = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  return fileURLToPath(new URL(`../../../node_modules/uws-pack/dist/bin/${name}`, import.meta.url));
}
