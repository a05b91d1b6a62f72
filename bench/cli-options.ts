// Command-line flags for `npm run bench -- ...`; mistakes fail with a message saying how to fix them.
import { PEER_NAMES, type PeerName } from "./peers.js";
import { SCENARIOS } from "./scenarios.js";

export interface CliOptions {
  quick: boolean;
  help: boolean;
  scenarios: number[];
  /** Undefined: every peer that can run on this machine. */
  peers: PeerName[] | undefined;
  rounds: number;
  durationS: number;
  warmupS: number;
  idleConnections: number | undefined;
}

export const USAGE = `Usage: npm run bench -- [options]   (or: node build/bench/run.js [options])

  --quick               1 round of 2 s, 1 s warm-up, 2,000 idle connections (about a minute)
  --scenarios 1,2,4     scenarios to run (default all: ${SCENARIOS.map((s) => s.id).join(",")})
  --peers a,b           peers to compare (${PEER_NAMES.join(", ")}; default: all available)
  --rounds N            measurement rounds per scenario (default 3)
  --duration S          seconds per measurement (default 5)
  --warmup S            warm-up seconds per peer and scenario (default 3)
  --idle-connections N  connections for scenario 10 (default 10000)
  --help                this text

Scenarios:
${SCENARIOS.map((scenario) => `  ${String(scenario.id).padStart(2)}  ${scenario.title}`).join("\n")}`;

function positive(flag: string, text: string | undefined, integerOnly: boolean): number {
  const value = Number(text);
  if (
    text === undefined ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (integerOnly && !Number.isInteger(value))
  ) {
    const kind = integerOnly ? "a positive integer" : "a positive number";
    throw new Error(`${flag} needs ${kind}, got ${JSON.stringify(text)} (e.g. ${flag} 3)`);
  }
  return value;
}

function list(flag: string, text: string | undefined): string[] {
  const items = (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  if (items.length === 0)
    throw new Error(`${flag} needs a comma-separated list (e.g. ${flag} 1,2,4)`);
  return items;
}

export function parseCliOptions(argv: readonly string[]): CliOptions {
  const given = new Map<string, string | undefined>();
  for (let index = 0; index < argv.length; index++) {
    const raw = argv[index]!;
    const [flag, inline] = raw.includes("=")
      ? [raw.slice(0, raw.indexOf("=")), raw.slice(raw.indexOf("=") + 1)]
      : [raw, undefined];
    if (flag === "--quick" || flag === "--help" || flag === "-h") {
      given.set(flag === "-h" ? "--help" : flag, "");
      continue;
    }
    const known = [
      "--scenarios",
      "--peers",
      "--rounds",
      "--duration",
      "--warmup",
      "--idle-connections",
    ];
    if (!known.includes(flag!)) throw new Error(`unknown option ${raw}\n\n${USAGE}`);
    given.set(flag!, inline ?? argv[++index]);
  }
  const quick = given.has("--quick");
  const scenarios = given.has("--scenarios")
    ? list("--scenarios", given.get("--scenarios")).map((item) => {
        const id = Number(item);
        if (!SCENARIOS.some((scenario) => scenario.id === id)) {
          throw new Error(
            `--scenarios: no scenario ${JSON.stringify(item)}; choose from ${SCENARIOS.map((s) => s.id).join(",")}`,
          );
        }
        return id;
      })
    : SCENARIOS.map((scenario) => scenario.id);
  const peers = given.has("--peers")
    ? list("--peers", given.get("--peers")).map((item) => {
        if (!(PEER_NAMES as readonly string[]).includes(item)) {
          throw new Error(
            `--peers: unknown peer ${JSON.stringify(item)}; choose from ${PEER_NAMES.join(", ")}`,
          );
        }
        return item as PeerName;
      })
    : undefined;
  const number = (flag: string, fallback: number, integerOnly: boolean): number =>
    given.has(flag) ? positive(flag, given.get(flag), integerOnly) : fallback;
  return {
    quick,
    help: given.has("--help"),
    scenarios: [...new Set(scenarios)],
    peers: peers === undefined ? undefined : [...new Set(peers)],
    rounds: number("--rounds", quick ? 1 : 3, true),
    durationS: number("--duration", quick ? 2 : 5, true),
    warmupS: number("--warmup", quick ? 1 : 3, true),
    idleConnections: given.has("--idle-connections")
      ? positive("--idle-connections", given.get("--idle-connections"), true)
      : undefined,
  };
}
