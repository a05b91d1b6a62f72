import { pathToFileURL } from "node:url";
import { generateKey } from "./keys.js";

/** Prints one new session key on stdout, ready for `keys: [process.env.SESSION_KEY]`. */
export function main(write: (text: string) => void = (text) => process.stdout.write(text)): void {
  write(`${generateKey()}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
