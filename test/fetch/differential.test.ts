import { describe, it } from "node:test";
import { serve } from "../../src/index.js";
import { corpora } from "./apps.js";
import { assertSameAnswer, inProcess, overTcp } from "./compare.js";

/**
 * Real apps from npm, unmodified: every request answered by the app's own fetch in-process and
 * by the same app served over slow-serv's TCP must get the same status, headers and body.
 */
describe("fetch apps from npm: in-process and over slow-serv give the same answers", () => {
  for (const load of corpora) {
    it(load.name.replace(/Corpus$/, ""), async (context) => {
      let corpus: Awaited<ReturnType<typeof load>>;
      try {
        corpus = await load();
      } catch (error) {
        context.skip(`cannot load on Node ${process.version}: ${String(error)}`);
        return;
      }
      const server = await serve({ fetch: corpus.fetch, port: 0, logger: false });
      try {
        const base = `http://127.0.0.1:${server.port}`;
        for (const exchange of corpus.exchanges) {
          const what = `${corpus.name} ${exchange.method ?? "GET"} ${exchange.path}`;
          const local = await inProcess(corpus.fetch, base, exchange);
          const remote = await overTcp(server.port, exchange);
          assertSameAnswer(local, remote, what, exchange.method);
        }
      } finally {
        await server.close();
      }
    });
  }
});
