import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import type { RequestHead } from "../../src/wire/head.js";
import { HttpError } from "../../src/wire/http-error.js";
import { HttpEngine } from "../../src/wire/listener.js";
import { resolveLimits, resolveTimeouts } from "../../src/wire/options.js";
import { type ParserSink, RequestParser } from "../../src/wire/parser.js";
import { WireRequest } from "../../src/wire/request.js";
import { WireResponse } from "../../src/wire/response.js";
import { httpNoise, mutatedPipeline, splitAt, validPipeline } from "../parser/generate.js";
import { parseResponses, RawClient } from "../wire/client.js";
import { type ReferenceResult, readReference } from "./reference.js";

/**
 * The wire fuzzer (`npm run fuzz`; `npm test` runs it for a few seconds). Valid, mutated and
 * generated requests are read by the strict reference (reference.ts) and by the engine's parser
 * split at random points, and every tenth input also goes to a real engine over TCP, in random
 * pieces, then FIN. What must hold: the parser sees exactly the reference's requests and ends
 * the same way; over TCP every complete request is answered exactly once, in order, with its own
 * echo, an invalid input gets exactly one error response and a close, and nothing is answered
 * after it. RSS is sampled throughout and must stay flat. See docs/fuzzing.md.
 */

export interface FuzzOptions {
  /** Stop after this many seconds (default 60 from the command line). */
  seconds?: number;
  /** Stop after this many inputs, whichever comes first. */
  count?: number;
  /** Seed of the input generator: the same seed gives the same inputs. */
  seed?: number;
  /** Send one input in this many over TCP too (default 10). */
  tcpEvery?: number;
  /** Largest allowed RSS growth over the run after warm-up, in MiB (default 128). */
  maxRssGrowthMiB?: number;
  log?: (line: string) => void;
}

export interface Mismatch {
  readonly where: "parser" | "tcp";
  readonly problem: string;
  /** The input as a latin1 string (JSON-escaped when printed). */
  readonly input: string;
  readonly cuts: readonly number[];
}

export interface FuzzReport {
  readonly seed: number;
  readonly inputs: number;
  readonly tcpInputs: number;
  /** Inputs the reference does not model (past its size bounds): parsed, not compared. */
  readonly skipped: number;
  readonly errors: number;
  readonly mismatches: Mismatch[];
  readonly rssStartMiB: number;
  readonly rssPeakMiB: number;
  readonly seconds: number;
}

const MAX_BODY_BYTES = 64 * 1024;
const BATCH = 100;
const MAX_MISMATCHES = 20;

/** Requests assembled from the pieces the strictness rules are about (issue 13, item 13). */
const edgeRequest = fc
  .record({
    method: fc.constantFrom("GET", "POST", "HEAD", "OPTIONS", "CONNECT", "M".repeat(20)),
    target: fc.constantFrom(
      "/",
      "/a\\b",
      "/%00",
      "/x%0a?y",
      "/?q=%0d%0a",
      "*",
      "http://a/",
      "http://a:/b",
      "http://<x>/",
      "http://a:99999/",
      "http:///x",
      "https://[::1]:8/?",
      "a:80",
    ),
    version: fc.constantFrom("1.1", "1.1", "1.0", "2.0"),
    fields: fc.array(
      fc.constantFrom(
        "Host: a",
        "Host: a",
        "Host:",
        "Host: :80",
        "Host: [::1]",
        "Content-Length: 0",
        "Content-Length: 3",
        "Content-Length: 00",
        "Content-Length: 003",
        "Content-Type: text/plain",
        "Transfer-Encoding: chunked",
        "Expect: 100-continue",
        "Connection: close",
        "Connection: keep-alive",
      ),
      { maxLength: 5 },
    ),
    body: fc.constantFrom("", "abc", "0\r\n\r\n", "3\r\nabc\r\n0\r\n\r\n", "\x00", "{"),
  })
  .map(
    ({ method, target, version, fields, body }) =>
      `${method} ${target} HTTP/${version}\r\n${fields.map((field) => `${field}\r\n`).join("")}\r\n${body}`,
  );

const edgePipeline = fc
  .array(edgeRequest, { minLength: 1, maxLength: 3 })
  .map((requests) => Buffer.from(requests.join(""), "latin1"));

const anyInput: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 2, arbitrary: validPipeline.map((pipeline) => pipeline.bytes) },
  { weight: 5, arbitrary: mutatedPipeline },
  { weight: 3, arbitrary: httpNoise },
  { weight: 2, arbitrary: edgePipeline },
);

/** A small seeded generator for the split points (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function echo(method: string, target: string, body: Buffer): string {
  const digest = createHash("sha1").update(body).digest("hex").slice(0, 12);
  return `${method} ${target} ${body.length} ${digest}`;
}

type Outcome = "waiting" | "partial-body" | "closed" | "error";

function referenceOutcome(result: ReferenceResult): Outcome | undefined {
  switch (result.end) {
    case "open":
    case "partial-head":
      return "waiting";
    case "unknown":
      return undefined;
    default:
      return result.end;
  }
}

/** The engine's parser over `pieces`, with the body limit the engine would apply. */
function parseWithEngineParser(pieces: readonly Buffer[]): {
  requests: Array<{ method: string; target: string; body: Buffer }>;
  outcome: Outcome;
} {
  const requests: Array<{ method: string; target: string; body: Buffer }> = [];
  let current: { method: string; target: string; parts: Buffer[] } | undefined;
  let announced = 0;
  let failed = false;
  const sink: ParserSink = {
    onHead(head: RequestHead) {
      current = { method: head.method, target: head.target, parts: [] };
      announced = 0;
      // The engine refuses a declared length over its limit with 413 when the body is read.
      if (head.contentLength > MAX_BODY_BYTES) {
        failed = true;
        parser.stop();
      }
    },
    onBody(bytes) {
      current!.parts.push(Buffer.from(bytes));
    },
    onComplete() {
      requests.push({
        method: current!.method,
        target: current!.target,
        body: Buffer.concat(current!.parts),
      });
      current = undefined;
    },
    onError() {
      failed = true;
    },
    onChunkSize(size) {
      announced += size;
      return announced > MAX_BODY_BYTES
        ? new HttpError(413, "Too large", { close: true })
        : undefined;
    },
  };
  const parser = new RequestParser(sink, resolveLimits({ maxBodyBytes: MAX_BODY_BYTES }));
  for (const piece of pieces) parser.execute(piece);
  let outcome: Outcome;
  if (failed) outcome = "error";
  else if (parser.done) outcome = "closed";
  else if (current !== undefined) outcome = "partial-body";
  else outcome = "waiting";
  return { requests, outcome };
}

function describeRequests(
  requests: ReadonlyArray<{ method: string; target: string; body: Buffer }>,
): string {
  return JSON.stringify(
    requests.map((request) => echo(request.method, request.target, request.body)),
  );
}

function compareParser(reference: ReferenceResult, pieces: readonly Buffer[]): string | undefined {
  const expected = referenceOutcome(reference);
  if (expected === undefined) return undefined;
  const parsed = parseWithEngineParser(pieces);
  const want = describeRequests(reference.requests);
  const got = describeRequests(parsed.requests);
  if (want !== got) return `requests differ: reference ${want}, parser ${got}`;
  if (expected !== parsed.outcome)
    return `reference ends "${expected}", parser "${parsed.outcome}"`;
  return undefined;
}

/** A wire-level server whose every answer names the request it answers. */
async function startEngine(): Promise<{ engine: HttpEngine; port: number }> {
  const engine = new HttpEngine(
    {
      createRequest: (head, body, connection) => new WireRequest(head, body, connection),
      createResponse: () => new WireResponse(),
      async handle(request, response) {
        const body = await request.bytes();
        response.body = echo(request.method, request.url, body);
      },
      handleError(error, _request, response) {
        response.status = error instanceof HttpError ? error.status : 500;
        response.body = error instanceof Error ? error.message : "error";
      },
      reportError() {
        // Clients that go away mid-response are expected here.
      },
    },
    resolveLimits({ maxBodyBytes: MAX_BODY_BYTES }),
    resolveTimeouts({ headers: 5_000 }),
  );
  const { port } = await engine.listen({ port: 0, host: "127.0.0.1", acceptors: 1 });
  return { engine, port };
}

async function compareTcp(
  port: number,
  reference: ReferenceResult,
  pieces: readonly Buffer[],
): Promise<string | undefined> {
  const expected = referenceOutcome(reference);
  if (expected === undefined) return undefined;
  const client = await RawClient.connect(port, { timeoutMs: 5_000 });
  for (const piece of pieces) {
    if (client.closed) break;
    client.write(piece);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!client.closed) client.end();
  let raw: Buffer;
  try {
    raw = await client.untilClosed();
  } catch (failure) {
    return `no close: ${(failure as Error).message}`;
  }
  const methods = reference.requests.map((request) => request.method);
  if (reference.openMethod !== undefined) methods.push(reference.openMethod);
  let parsed: ReturnType<typeof parseResponses>;
  try {
    parsed = parseResponses(raw, methods, true);
  } catch (failure) {
    return `unreadable answer: ${(failure as Error).message}`;
  }
  const finals = parsed.responses.filter((response) => response.status >= 200);
  const errorExpected = expected === "error" || expected === "partial-body";
  const count = reference.requests.length + (errorExpected ? 1 : 0);
  if (finals.length !== count) {
    return `${finals.length} answers for ${reference.requests.length} requests (${expected}): ${JSON.stringify(raw.toString("latin1").slice(0, 600))}`;
  }
  if (parsed.rest.length > 0) return "bytes after the last answer";
  for (const [index, request] of reference.requests.entries()) {
    const response = finals[index]!;
    if (response.status !== 200) return `request ${index} got ${response.status}`;
    const want = echo(request.method, request.target, request.body);
    if (request.method !== "HEAD" && response.body.toString("latin1") !== want) {
      return `answer ${index} is ${JSON.stringify(response.body.toString("latin1"))}, not ${JSON.stringify(want)}`;
    }
  }
  if (errorExpected) {
    const last = finals[finals.length - 1]!;
    if (last.status < 400 || last.status === 500 || last.status > 505) {
      return `refusal with status ${last.status}`;
    }
    if (last.headers.connection !== "close") return "a refusal without Connection: close";
  }
  return undefined;
}

export async function runFuzz(options: FuzzOptions = {}): Promise<FuzzReport> {
  const seed = options.seed ?? Date.now() % 2 ** 31;
  const seconds = options.seconds ?? 60;
  const count = options.count ?? Number.POSITIVE_INFINITY;
  const tcpEvery = options.tcpEvery ?? 10;
  const maxGrowth = options.maxRssGrowthMiB ?? 128;
  const log = options.log ?? (() => {});
  const next = random(seed);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const { engine, port } = await startEngine();
  const mismatches: Mismatch[] = [];
  const mib = (): number => process.memoryUsage().rss / 2 ** 20;
  const rssStart = mib();
  let rssBaseline: number | undefined;
  let rssPeak = rssStart;
  let inputs = 0;
  let tcpInputs = 0;
  let skipped = 0;
  let errors = 0;
  try {
    for (let batch = 0; inputs < count && performance.now() < deadline; batch++) {
      const samples = fc.sample(anyInput, { seed: seed + batch, numRuns: BATCH });
      for (const input of samples) {
        if (inputs >= count || performance.now() >= deadline) break;
        inputs++;
        const cuts = Array.from({ length: Math.floor(next() * 6) }, () =>
          Math.floor(next() * (input.length + 1)),
        );
        const pieces = splitAt(input, cuts);
        const reference = readReference(input, { maxBodyBytes: MAX_BODY_BYTES });
        if (reference.end === "unknown") skipped++;
        if (reference.end === "error") errors++;
        const report = (where: Mismatch["where"], problem: string): void => {
          mismatches.push({ where, problem, input: input.toString("latin1"), cuts });
          log(
            `MISMATCH (${where}) ${problem}\n  input ${JSON.stringify(input.toString("latin1"))} cuts ${JSON.stringify(cuts)}`,
          );
        };
        const parserProblem = compareParser(reference, pieces);
        if (parserProblem !== undefined) report("parser", parserProblem);
        if (inputs % tcpEvery === 0) {
          tcpInputs++;
          const tcpProblem = await compareTcp(port, reference, pieces);
          if (tcpProblem !== undefined) report("tcp", tcpProblem);
        }
        if (mismatches.length >= MAX_MISMATCHES) break;
      }
      if (mismatches.length >= MAX_MISMATCHES) break;
      const rss = mib();
      rssPeak = Math.max(rssPeak, rss);
      // After a warm-up (JIT, pools, the first sockets) the resident size must stay flat.
      if (
        rssBaseline === undefined &&
        performance.now() - started > Math.min(2_000, seconds * 200)
      ) {
        rssBaseline = rss;
      }
      if (rssBaseline !== undefined && rss - rssBaseline > maxGrowth) {
        mismatches.push({
          where: "tcp",
          problem: `RSS grew by ${(rss - rssBaseline).toFixed(0)} MiB (limit ${maxGrowth})`,
          input: "",
          cuts: [],
        });
        break;
      }
      if (batch % 20 === 0) {
        log(
          `${inputs} inputs, ${tcpInputs} over TCP, ${mismatches.length} mismatches, RSS ${rss.toFixed(0)} MiB`,
        );
      }
    }
  } finally {
    await engine.close();
  }
  return {
    seed,
    inputs,
    tcpInputs,
    skipped,
    errors,
    mismatches,
    rssStartMiB: rssStart,
    rssPeakMiB: rssPeak,
    seconds: (performance.now() - started) / 1000,
  };
}

function argument(name: string): number | undefined {
  const index = process.argv.indexOf(`--${name}`);
  if (index === -1) return undefined;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} needs a number ≥ 0`);
    process.exit(2);
  }
  return value;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runFuzz({
    seconds: argument("seconds") ?? 60,
    count: argument("count"),
    seed: argument("seed"),
    tcpEvery: argument("tcp-every"),
    log: (line) => console.log(line),
  });
  console.log(
    `seed ${report.seed}: ${report.inputs} inputs (${report.tcpInputs} over TCP, ${report.errors} invalid, ${report.skipped} not modelled) in ${report.seconds.toFixed(1)} s; ` +
      `RSS ${report.rssStartMiB.toFixed(0)} → peak ${report.rssPeakMiB.toFixed(0)} MiB; ${report.mismatches.length} mismatches`,
  );
  process.exit(report.mismatches.length === 0 ? 0 : 1);
}
