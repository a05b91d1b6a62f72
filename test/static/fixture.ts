import { mkdir, mkdtemp, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";

/**
 * A file tree in a fresh temp directory:
 *
 *     <base>/public          the static root
 *     <base>/outside         secrets a traversal must never reach
 *     <base>/public-evil     a sibling whose name starts with the root's ("prefix" confusion)
 *
 * Every file gets the same fixed mtime so Last-Modified and ETag are predictable.
 */

export const MTIME = new Date("2024-01-02T03:04:05.678Z");
export const SECRET = "TOP SECRET";
export const APP_JS = `export function greet(name) {\n${"  console.log('hello', name);\n".repeat(200)}}\n`;
export const DIGITS = "0123456789";

export interface Fixture {
  base: string;
  root: string;
  cleanup(): Promise<void>;
}

const FILES: Record<string, string | Buffer> = {
  "index.html": "<!doctype html><title>home</title>",
  "hello.txt": "Hello, world!\n",
  "digits.txt": DIGITS,
  "empty.txt": "",
  "page.html": "<p>page</p>",
  "style.css": "body { color: red }",
  "app.js": "console.log(1);",
  "data.json": '{"a":1}',
  "image.png": Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 3]),
  "unknown.xyz": "unknown",
  noext: "no extension",
  "with space.txt": "spaced",
  "ünï.txt": "unicode name",
  "%2e%2e": "literal percent name",
  ".secret": "dotfile",
  ".hidden/file.txt": "in a dot directory",
  "docs/index.html": "<h1>docs</h1>",
  "docs/guide.md": "# Guide",
  "nested/deep/file.txt": "deep",
  "noindex/other.txt": "other",
  "assets/app.js": APP_JS,
  "assets/app.js.br": brotliCompressSync(APP_JS),
  "assets/app.js.gz": gzipSync(APP_JS),
  "assets/only-gz.css": "p { margin: 0 }",
  "assets/only-gz.css.gz": gzipSync("p { margin: 0 }"),
  "assets/sib.js": "sibling js",
  "assets/sib.js.br": "sibling br bytes",
  "../outside/secret.txt": SECRET,
  "../public-evil/file.txt": SECRET,
  "../secret-sibling.txt": SECRET,
};

const LINKS: Record<string, string> = {
  "link-in": "hello.txt",
  "link-out": "../outside/secret.txt",
  "dir-link-out": "../outside",
  "evil-link": "../public-evil/file.txt",
  "assets/sib.js.gz": "../../outside/secret.txt",
};

export async function createFixture(): Promise<Fixture> {
  const base = await mkdtemp(join(tmpdir(), "slow-serv-static-"));
  const root = join(base, "public");
  await mkdir(root);
  for (const [name, content] of Object.entries(FILES)) {
    const path = join(root, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
    await utimes(path, MTIME, MTIME);
  }
  for (const [name, target] of Object.entries(LINKS)) {
    await symlink(target, join(root, name));
  }
  return { base, root, cleanup: () => rm(base, { recursive: true, force: true }) };
}
