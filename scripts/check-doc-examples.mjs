// Type-checks every TypeScript code block of README.md and docs/*.md (every Markdown file there,
// so new documents are picked up without a list), so the documentation cannot drift from the API.
//
// Each ```ts block becomes build/doc-examples/<document>-<n>.ts, a module of its own, compiled
// strictly against the sources (`"slow-serv"` maps to src/index.ts). The blocks of one document
// form one program, so a `declare module "slow-serv"` augmentation in a document applies to that
// document only, as it would in one application. Names that snippets use without defining
// (`app`, a `users` map, a `handler`…) come from harness.d.ts below; a block that defines the name
// itself shadows it. A block that imports nothing from "slow-serv" is compiled as if it imported
// every export it uses (the documents say so): one line is added in front of it.
//
// A block that is deliberately not a program (a signature listing, an excerpt of a type) opts out
// with an HTML comment on the line before its fence that gives the reason:
//   <!-- not type-checked: a signature listing -->
//
// Usage: node scripts/check-doc-examples.mjs   (exit 1 with the compiler's messages on failure)
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const outDir = join(root, "build", "doc-examples");
const ts = createRequire(import.meta.url)("typescript");

const OPT_OUT = /^<!--\s*not type-checked:\s*\S.*-->\s*$/;

/** The ambient names snippets may use without defining them: stand-ins for application code. */
const HARNESS = `import type {
  AfterHook, BeforeHook, Handler, Request, Response, Server,
} from "slow-serv";

declare global {
  /** The application most snippets add to. */
  const app: Server;
  /** Snippets of a handler's body. */
  const request: Request;
  const response: Response;
  /** Stand-in handlers and hooks, for registrations whose body does not matter. */
  const handler: Handler;
  const h: Handler;
  const handleUpload: Handler;
  const contact: Handler;
  const upload: Handler;
  const getItem: Handler;
  const deleteItem: Handler;
  const requireToken: BeforeHook;
  const requireAdmin: BeforeHook;
  const noStore: AfterHook;
  /** Stand-in data access and services. */
  const users: Map<string, { id: string; name: string }>;
  const people: { name: string; website: string }[];
  function findUser(id: number | string): Promise<{ id: string; name: string } | undefined>;
  function listNotes(page: number): Promise<{ title: string }[]>;
  const database: { query(sql: string): Promise<unknown> };
  const sessions: { userFor(id: string | undefined): Promise<string | undefined> };
  class NotFoundInDatabase extends Error {}
  const metrics: { count(name: string, labels?: Record<string, string>): void };
  const denylist: { has(sid: string): Promise<boolean> };
  function validAfter(user: unknown): Promise<number>;
  const REPORT_SERVICE: string;
  const title: string;
  const token: string;
}
`;

/** Modules a snippet may import as if they were the application's own files. */
const APP_MODULE = `import { Server } from "slow-serv";

/** The application's factory, as a snippet's "./app.js" would export it. */
export function createApp(): Server {
  const app = new Server({ logger: false });
  app.post("/notes", async (request, response) => {
    const note = await request.json<{ title: string }>();
    response.status = 201;
    return { saved: note.title };
  });
  return app;
}
`;

function documents() {
  const docs = readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => join("docs", name));
  return ["README.md", ...docs];
}

/** The ```ts blocks of a Markdown file with their line numbers; opted-out blocks are counted. */
function extract(document) {
  const lines = readFileSync(join(root, document), "utf8").split("\n");
  const blocks = [];
  let skipped = 0;
  for (let i = 0; i < lines.length; i++) {
    const fence = /^(\s*)(`{3,})\s*(\S*)/.exec(lines[i]);
    if (fence === null) continue;
    const [, indent, ticks, language] = fence;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(ticks)) end++;
    if (language === "ts" || language === "typescript") {
      if (i > 0 && OPT_OUT.test(lines[i - 1].trim())) skipped++;
      else {
        const body = lines.slice(i + 1, end).map((line) => line.slice(indent.length));
        blocks.push({ line: i + 1, code: body.join("\n") });
      }
    }
    i = end;
  }
  return { blocks, skipped };
}

const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
  types: ["node"],
  typeRoots: [join(root, "node_modules", "@types")],
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  baseUrl: root,
  paths: { "slow-serv": ["src/index.ts"] },
  // Snippets show one thing each: an import or a variable they do not use is not a mistake.
  noUnusedLocals: false,
};

// Source files are parsed once and shared by the programs of every document.
const host = ts.createCompilerHost(compilerOptions);
const cache = new Map();
const getSourceFile = host.getSourceFile;
host.getSourceFile = (fileName, languageVersion, ...rest) => {
  if (fileName.startsWith(outDir)) return getSourceFile(fileName, languageVersion, ...rest);
  let file = cache.get(fileName);
  if (file === undefined) {
    file = getSourceFile(fileName, languageVersion, ...rest);
    cache.set(fileName, file);
  }
  return file;
};

/** `import { …every export… } from "slow-serv";` with `type` on the type-only ones. */
function preamble() {
  const index = join(root, "src", "index.ts");
  const program = ts.createProgram([index], compilerOptions, host);
  const checker = program.getTypeChecker();
  const exports = checker.getExportsOfModule(
    checker.getSymbolAtLocation(program.getSourceFile(index)),
  );
  const names = exports.map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return target.flags & ts.SymbolFlags.Value ? symbol.name : `type ${symbol.name}`;
  });
  return names;
}

/** The implicit import line for a block, without the names the block declares itself. */
function implicitImport(code) {
  const own = (name) =>
    new RegExp(`\\b(?:interface|type|class|function|const|let|var|enum)\\s+${name}\\b`).test(
      code,
    ) || new RegExp(`\\bimport\\s[^;]*\\b${name}\\b[^;]*\\sfrom\\s`).test(code);
  const names = exportNames.filter((entry) => !own(entry.replace(/^type /, "")));
  return `import { ${names.join(", ")} } from "slow-serv";`;
}
const IMPORTS_PACKAGE = /from\s+["']slow-serv["']/;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// "type": "module" as in an application, so the snippets are ES modules with top-level await.
writeFileSync(join(outDir, "package.json"), '{ "type": "module" }\n');
const harness = join(outDir, "harness.d.ts");
writeFileSync(harness, HARNESS);
writeFileSync(join(outDir, "app.ts"), APP_MODULE);

const exportNames = preamble();
let failures = 0;
let checked = 0;
let skippedTotal = 0;
for (const document of documents()) {
  const { blocks, skipped } = extract(document);
  skippedTotal += skipped;
  if (blocks.length === 0) continue;
  const stem = document.replace(/\.md$/, "").replace(/[/\\]/g, "-");
  const files = blocks.map((block, index) => {
    const file = join(outDir, `${stem}-${String(index + 1).padStart(2, "0")}.ts`);
    // `export {}` makes every block a module (top-level await, no clashes between blocks).
    const prefix = IMPORTS_PACKAGE.test(block.code) ? "" : `${implicitImport(block.code)}\n`;
    writeFileSync(file, `${prefix}${block.code}\nexport {};\n`);
    return { file, block, offset: prefix === "" ? 0 : 1 };
  });
  const program = ts.createProgram([harness, ...files.map((f) => f.file)], compilerOptions, host);
  for (const { file, block, offset } of files) {
    const source = program.getSourceFile(file);
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    checked++;
    for (const diagnostic of diagnostics) {
      failures++;
      const { line } = source.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n  ");
      console.error(
        `${document}:${block.line + 1 + line - offset}: TS${diagnostic.code}: ${message}  (${relative(root, file)})`,
      );
    }
  }
}
if (failures > 0) {
  console.error(`${failures} type error(s) in the documentation's TypeScript blocks.`);
  process.exit(1);
}
console.log(
  `Documentation: ${checked} TypeScript blocks type-check` +
    (skippedTotal > 0 ? ` (${skippedTotal} marked "not type-checked")` : ""),
);
