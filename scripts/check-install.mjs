// Installs slow-serv the two ways a user would — the packed tarball and a git URL — into fresh
// temporary projects, then type-checks a TypeScript consumer (module NodeNext, strict) against the
// installed package and runs it: the consumer starts a server on a free port and fetches from it.
// Also checks the packed files: LICENSE and README present, every relative link in README.md and
// docs/*.md resolves inside the package, every source map points at shipped files.
//
// Usage: node scripts/check-install.mjs [--skip-git]
//
// The git install is this repository's committed HEAD (uncommitted changes are not part of it)
// as git+file://…#<commit>, so no network is needed for slow-serv itself; npm does,
// however, install every devDependency in the clone to run `prepare` (that is how npm installs
// git dependencies), from its cache when it can. That part takes from half a minute (warm cache)
// to several minutes, so `.ci/run` runs this script after `npm test` rather than inside it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");
const skipGit = process.argv.includes("--skip-git");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const work = mkdtempSync(join(tmpdir(), "slow-serv-install-"));

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", env: npmEnv() });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd} (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Without the npm_* variables of an enclosing `npm run`, which would point npm at this repository. */
function npmEnv() {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith("npm_")) delete env[name];
  }
  return env;
}

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [path];
  });
}

const CONSUMER = `import { HttpError, type Request, Server } from "slow-serv";

const app = new Server({ logger: false });
app.group("/orgs/:org", (org) => {
  org.get("/members/:id", (request) => ({ org: request.params.org, id: request.params.id }));
});
app.get("/fail", (_request: Request) => {
  throw new HttpError(418, "short and stout");
});
const address = await app.run({ port: 0 });
const member = await fetch(\`\${address.url}/orgs/acme/members/7\`).then((r) => r.json());
const fail = await fetch(\`\${address.url}/fail\`);
await app.close();
console.log(JSON.stringify({ member, fail: fail.status }));
`;

/** A fresh project with slow-serv installed from `spec`, type-checked and run. */
function checkConsumer(name, spec, extraArgs) {
  const project = join(work, name);
  run("mkdir", ["-p", project], work);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: `consumer-${name}`, private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", ...extraArgs, spec], project);
  const installed = join(project, "node_modules", "slow-serv");
  for (const file of ["dist/index.js", "dist/index.d.ts", "LICENSE", "README.md"]) {
    if (!existsSync(join(installed, file))) throw new Error(`${name}: ${file} was not installed`);
  }
  writeFileSync(join(project, "consumer.ts"), CONSUMER);
  writeFileSync(
    join(project, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        outDir: "out",
        // @types/node from this repository: the consumer project installs nothing but slow-serv.
        typeRoots: [join(root, "node_modules", "@types")],
        types: ["node"],
      },
      files: ["consumer.ts"],
    }),
  );
  run(process.execPath, [tsc, "-p", "tsconfig.json"], project);
  const output = run(process.execPath, ["out/consumer.js"], project).trim();
  const expected = JSON.stringify({ member: { org: "acme", id: "7" }, fail: 418 });
  if (output !== expected)
    throw new Error(`${name}: the consumer printed ${output}, not ${expected}`);
  return installed;
}

/** LICENSE, links of the shipped Markdown, and source maps of the installed package. */
function checkPackageFiles(installed) {
  const problems = [];
  if (!readFileSync(join(installed, "LICENSE"), "utf8").startsWith("MIT License")) {
    problems.push("LICENSE is not the MIT licence package.json names");
  }
  const markdown = ["README.md", ...readdirSync(join(installed, "docs")).map((f) => `docs/${f}`)];
  for (const file of markdown.filter((f) => f.endsWith(".md"))) {
    const text = readFileSync(join(installed, file), "utf8");
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target) || target.startsWith("#")) continue;
      const path = target.split("#")[0];
      if (!existsSync(join(installed, dirname(file), path))) {
        problems.push(`${file} links to ${target}, which is not in the package`);
      }
    }
  }
  for (const map of files(join(installed, "dist")).filter((f) => f.endsWith(".map"))) {
    const { sources } = JSON.parse(readFileSync(map, "utf8"));
    for (const source of sources) {
      if (!existsSync(join(dirname(map), source))) {
        problems.push(`${relative(installed, map)} points at ${source}, which is not shipped`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`Packaged files:\n  ${problems.join("\n  ")}`);
}

try {
  const started = Date.now();
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
      cwd: root,
      encoding: "utf8",
      env: npmEnv(),
      stdio: ["ignore", "pipe", "inherit"],
    }),
  )[0];
  const tarball = join(work, packed.filename);
  checkPackageFiles(checkConsumer("tarball", tarball, ["--offline"]));
  console.log(`tarball ${packed.filename}: installed, type-checked and ran a NodeNext consumer`);
  if (!skipGit) {
    const commit = run("git", ["rev-parse", "HEAD"], root).trim();
    checkPackageFiles(checkConsumer("git", `git+file://${root}#${commit}`, ["--prefer-offline"]));
    console.log("git+file:// install: prepare built dist/; type-checked and ran the consumer");
  }
  console.log(`check-install passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
