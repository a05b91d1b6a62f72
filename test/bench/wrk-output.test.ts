import assert from "node:assert/strict";
import { test } from "node:test";
import { parseWrkOutput, wrkArgv } from "../../bench/wrk.js";

const withErrors = `Running 2s test @ http://127.0.0.1:3000/
  1 threads and 1000 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.34ms    2.00ms   1.50s    90.00%
    Req/Sec    80.00k     2.00k   85.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.30ms
     90%    1.40ms
     99%    1.20s 
  160123 requests in 2.00s, 20.00MB read
  Socket errors: connect 3, read 4, write 5, timeout 12
  Non-2xx or 3xx responses: 7
Requests/sec:  80061.50
Transfer/sec:     10.00MB
`;

test("reads totals, percentiles in every unit, socket errors and non-2xx counts", () => {
  assert.deepEqual(parseWrkOutput(withErrors), {
    requests: 160123,
    seconds: 2,
    requestsPerSecond: 80061.5,
    p50Us: 850,
    p99Us: 1.2e6,
    errors: { connect: 3, read: 4, write: 5, timeout: 12 },
    non2xx: 7,
  });
});

test("a clean run has zero errors, and wrk's bogus 0.00us percentile is treated as unknown", () => {
  const clean = withErrors
    .replace(/ {2}Socket errors.*\n/, "")
    .replace(/ {2}Non-2xx.*\n/, "")
    .replace("99%    1.20s ", "99%    0.00us");
  const result = parseWrkOutput(clean);
  assert.deepEqual(result.errors, { connect: 0, read: 0, write: 0, timeout: 0 });
  assert.equal(result.non2xx, 0);
  assert.ok(Number.isNaN(result.p99Us));
  assert.equal(result.p50Us, 850);
});

test("output without totals (e.g. connection refused) is an error that shows the output", () => {
  assert.throws(
    () => parseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused\n"),
    /Connection refused/,
  );
});

test("argv pins one thread, asks for latency, and passes script arguments after --", () => {
  assert.deepEqual(
    wrkArgv({
      url: "http://127.0.0.1:9/",
      connections: 100,
      durationS: 5,
      core: 0,
      script: "/x/pipeline.lua",
      scriptArgs: ["16"],
      headers: ["Cookie: a=b"],
    }),
    [
      "wrk",
      "-t",
      "1",
      "-c",
      "100",
      "-d",
      "5s",
      "--latency",
      "--timeout",
      "2s",
      "-s",
      "/x/pipeline.lua",
      "-H",
      "Cookie: a=b",
      "http://127.0.0.1:9/",
      "--",
      "16",
    ],
  );
});
