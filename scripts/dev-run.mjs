// Runs a TypeScript entry point of this repository (`npm start`, `npm run keygen`) without the
// full type-checking build: the entry and the local modules it imports are transpiled one file at
// a time (esbuild's transform: types stripped, nothing checked) into build/dev/, and only the files
// that changed since the last run. Type errors are `npm test`'s and `npm run compile`'s job; this
// path exists so the demo starts in under a second instead of compiling 120 test files.
//
// Usage: node scripts/dev-run.mjs <entry.ts> [arguments for the entry…]
//
// build/dev/manifest.json remembers, per source file, its modification time and size and the
// relative modules it imports, so a run where nothing changed walks the import graph with stat()
// calls only and never loads esbuild. esbuild rather than TypeScript's own transpileModule because
// loading the TypeScript compiler alone cost more CPU than the whole target for a cold start.
// The project compiles under `isolatedModules` (tsconfig.json), which is what makes transpiling
// file by file equivalent to tsc's output.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const outDir = join(root, "build", "dev");
const manifestPath = join(outDir, "manifest.json");
const FORMAT = 3; // 3: esbuild without sourcesContent; 2: esbuild; 1: transpileModule

const [entryArg, ...entryArgs] = process.argv.slice(2);
if (entryArg === undefined || !entryArg.endsWith(".ts")) {
  console.error("Usage: node scripts/dev-run.mjs <entry.ts> [arguments…]");
  process.exit(2);
}

/** @type {{ format: number, files: Record<string, { mtimeMs: number, size: number, imports: string[] }> }} */
let manifest = { format: FORMAT, files: {} };
try {
  const stored = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (stored.format === FORMAT) manifest = stored;
} catch {
  // No manifest yet (or a broken one): everything is transpiled.
}

let esbuild; // loaded on the first file that needs transpiling
let changed = false;

function outputFor(source) {
  return join(outDir, relative(root, source)).replace(/\.ts$/, ".js");
}

// The relative specifiers of static imports, re-exports and dynamic imports with a literal, read
// from esbuild's output: type-only imports are gone from it already, and its quoting is uniform.
// A match inside a string literal costs at most a stat() or one extra file transpiled.
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)"(\.\.?\/[^"]+)"/g;

function transpile(source, stat) {
  esbuild ??= createRequire(import.meta.url)("esbuild");
  const text = readFileSync(source, "utf8");
  const output = esbuild.transformSync(text, {
    loader: "ts",
    format: "esm",
    target: "es2022",
    sourcemap: "inline",
    sourcesContent: false, // the .ts files are on disk where the map points
    // A file URL, so stack traces name the .ts file wherever build/dev/ is.
    sourcefile: pathToFileURL(source).href,
  });
  const target = outputFor(source);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, output.code);
  // Relative imports only: packages come from node_modules as they are.
  const imports = [...output.code.matchAll(RELATIVE_IMPORT)]
    .map((match) => resolve(dirname(source), match[1].replace(/\.js$/, ".ts")))
    .map((path) => relative(root, path));
  manifest.files[relative(root, source)] = { mtimeMs: stat.mtimeMs, size: stat.size, imports };
  changed = true;
}

/** Walks the import graph from `entry`, transpiling every file whose source changed. */
function build(entry) {
  const seen = new Set();
  const pending = [relative(root, entry)];
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const source = join(root, file);
    let stat;
    try {
      stat = statSync(source);
    } catch {
      continue; // an import of a .js file or a missing module: Node reports it when importing
    }
    const known = manifest.files[file];
    if (known === undefined || known.mtimeMs !== stat.mtimeMs || known.size !== stat.size) {
      transpile(source, stat);
    } else {
      try {
        statSync(outputFor(source));
      } catch {
        transpile(source, stat);
      }
    }
    pending.push(...manifest.files[file].imports);
  }
}

const entry = resolve(entryArg);
build(entry);
if (changed) {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(manifestPath, JSON.stringify(manifest));
}

process.setSourceMapsEnabled(true);
const compiled = outputFor(entry);
// The entry sees the command line it would see as `node compiled.js …` (the CLI checks argv[1]).
process.argv = [process.argv[0], compiled, ...entryArgs];
await import(pathToFileURL(compiled).href);
