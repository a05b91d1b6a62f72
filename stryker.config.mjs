// StrykerJS configuration for `npm run mutate` (docs/testing.md). Stryker mutates the TypeScript
// sources in a sandbox copy of the repository, `buildCommand` compiles that copy with tsc, and the
// TAP runner runs the compiled node:test files there. Each module lists the test files that
// exercise it; with per-test coverage (a test here is a whole file) every mutant then runs only
// the listed files that reached its code.
// scripts/mutate.mjs picks the module through SLOW_SERV_MUTATE and runs one module at a time.

// The parser's table, header and API tests pin every byte of its decisions; the property-based
// fuzz test and the TCP tests are left out, as they take ten times as long per mutant. Fast files
// come first: a mutant stops at the first file that fails, and the table (every split of every
// row) is the slowest.
const PARSER = [
  "parser/messages",
  "parser/parser-state",
  "parser/parser-api",
  "parser/headers",
  "parser/mutation-gaps",
  "parser/table",
];

/** Module name → the source it mutates and the compiled test files that exercise it. */
export const modules = {
  parser: { mutate: "src/wire/parser.ts", tests: PARSER },
  head: { mutate: "src/wire/head.ts", tests: PARSER },
  // RequestBody with a recording host covers every branch; the TCP files drive the same class.
  body: { mutate: "src/wire/body.ts", tests: ["wire/request-body"] },
  // Not every wire/* file: those over 2 s per run (stalls, backpressure, TLS, signals, clients,
  // acceptors…) would make each mutant take a minute. These TCP files drive the connection's
  // request cycle: framing, errors, 100-continue, pipelining, keep-alive, limits, deferred writes,
  // shutdown, streamed bodies, the protocol log, the sweep's timeouts (fake clock), the upgrade
  // hand-off and shared reads; the connection-* files pin what those leave open. Fast first, as
  // a mutant stops at the first file that kills it; basics (the slowest) goes last.
  connection: {
    mutate: "src/wire/connection.ts",
    tests: [
      "wire/connection-answers",
      "websocket/upgrade-seam",
      "wire/connection-peers",
      "wire/connection-flow",
      "wire/connection-reads",
      "wire/connection-sweep",
      "wire/connection-handoff",
      "wire/connection-deferred",
      "wire/deferred-writes",
      "wire/strictness",
      "wire/shutdown",
      "wire/bodies",
      "wire/protocol-log",
      "wire/continue",
      "wire/limits",
      "wire/pipelining",
      "wire/keep-alive",
      "wire/errors",
      "wire/timeouts",
      "wire/shared-reads",
      "wire/basics",
    ],
  },
  // Application and session modules: the in-memory unit and inject tests first (a mutant stops
  // at the first file that kills it), then the fewest TCP files that reach what those miss.
  router: {
    mutate: "src/app/router.ts",
    tests: ["router/*", "framework/router", "framework/hooks", "framework/errors"],
  },
  static: {
    mutate: "src/app/static.ts",
    tests: [
      "static/config",
      "static/mutation-gaps",
      "static/static-edges",
      "static/serve",
      "static/traversal",
      "static/matrix",
      "static/handles",
    ],
  },
  // static/send-file streams 50 MB twice per run: last, as a mutant stops at the first file that
  // kills it, so it runs only for what the faster files leave alive (sendFile's `download` and
  // `contentType` are tested there alone) and for the survivors.
  "send-file": {
    mutate: "src/app/send-file.ts",
    tests: [
      "static/content-disposition",
      "static/send-file-edges",
      "static/serve",
      "static/handles",
      "static/matrix",
      "static/send-file",
    ],
  },
  seal: { mutate: "src/session/seal.ts", tests: ["session/seal-reasons", "session/seal"] },
  manager: {
    mutate: "src/session/manager.ts",
    tests: [
      "session/manager-edges",
      "session/manager-sync",
      "session/manager-security",
      "session/manager-lifecycle",
      "session/manager-size",
      "session-http/rotation-expiry",
      "session-http/bad-cookies",
    ],
  },
  "csrf-guard": {
    mutate: "src/session/csrf-guard.ts",
    tests: [
      "session-http/csrf-origin",
      "session-http/csrf",
      "session-http/csrf-safe-methods",
      "session-http/csrf-upload",
    ],
  },
  // One origin spelling for the CSRF guard, CORS and security headers, and request.origin.
  origin: {
    mutate: "src/app/origin.ts",
    tests: [
      "framework/origin-option",
      "framework/request-origin",
      "session-http/csrf-origin",
      "plugins/cors",
      "plugins/security-headers",
    ],
  },
  // This wave's code where a silent bug is a security or correctness bug.
  // The wire modules below run their in-process unit tests only (about a second per mutant); the
  // TCP tests that drive the same code through a server (upgrade-seam, handshake, compression,
  // proxy-listener) take seconds each per mutant; the unit tests pin the same branches exactly.
  upgrade: { mutate: "src/wire/upgrade.ts", tests: ["wire/upgrade-session"] },
  "ws-frames": {
    mutate: "src/wire/websocket/frame-parser.ts",
    tests: ["websocket/frame-parser-edges", "websocket/frame-parser"],
  },
  "ws-handshake": {
    mutate: "src/wire/websocket/handshake.ts",
    tests: ["websocket/handshake-check"],
  },
  "ws-utf8": { mutate: "src/wire/websocket/utf8.ts", tests: ["websocket/utf8"] },
  "ws-deflate": { mutate: "src/wire/websocket/deflate.ts", tests: ["websocket/deflate-unit"] },
  "proxy-protocol": { mutate: "src/wire/proxy-protocol.ts", tests: ["wire/proxy-protocol"] },
  "address-match": { mutate: "src/wire/address-match.ts", tests: ["wire/address-match"] },
  "trust-proxy": {
    mutate: "src/app/proxy.ts",
    tests: ["framework/trust-proxy-edges", "framework/trust-proxy", "framework/request"],
  },
  "canonical-path": { mutate: "src/app/canonical-path.ts", tests: ["framework/canonical-path"] },
  "fetch-request": {
    mutate: "src/app/fetch/request.ts",
    tests: ["fetch/request-edges", "fetch/request", "fetch/handler-paths", "fetch/wire"],
  },
  "fetch-response": {
    mutate: "src/app/fetch/response.ts",
    tests: ["fetch/response", "fetch/exchange-edges", "fetch/wire", "fetch/app-fetch"],
  },
  // fetch/handler-paths reaches the WebSocket upgrade path and the error reports in memory,
  // where fetch/websocket and the TCP files would take seconds per mutant.
  "fetch-handler": {
    mutate: "src/edges/fetch/handler.ts",
    tests: ["fetch/handler-paths", "fetch/exchange-edges", "fetch/request-edges", "fetch/wire"],
  },
};

const name = process.env.SLOW_SERV_MUTATE ?? "seal";
const module = modules[name];
if (module === undefined) {
  throw new Error(
    `Unknown module "${name}" for mutation testing; known: ${Object.keys(modules).join(", ")}`,
  );
}
const reportDir = `reports/mutation/${name}`;

export default {
  packageManager: "npm",
  plugins: ["@stryker-mutator/tap-runner"],
  testRunner: "tap",
  tap: {
    testFiles: module.tests.map((test) => `build/test/${test}.test.js`),
    // node:test prints TAP only when asked to (its default reporter is spec on a terminal).
    nodeArgs: ["--test-reporter=tap"],
  },
  mutate: [module.mutate],
  buildCommand: "npx tsc -p tsconfig.json",
  // The sandbox is built from scratch: no stale build/, and nothing else the tests do not need.
  ignorePatterns: [
    "/build",
    "/dist",
    "/reports",
    "/test-artifacts",
    "/examples/demo/data",
    "/.slow-serv-dev-key",
  ],
  coverageAnalysis: "perTest",
  concurrency: 2,
  timeoutMS: 10000,
  incremental: true,
  incrementalFile: `${reportDir}/incremental.json`,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: `${reportDir}/index.html` },
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
