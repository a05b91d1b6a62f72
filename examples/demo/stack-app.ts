import { join } from "node:path";
import type { Server } from "../../src/index.js";
import { createDemoApp } from "./app.js";
import { demoDir } from "./paths.js";

/**
 * The demo as `slow-serv start` runs it in `npm run stack` (scripts/stack.mjs): every instance and
 * worker shares SESSION_KEY and the SQLite database in DATA_DIR.
 */
export default function stackApp(): Server {
  const key = process.env.SESSION_KEY;
  if (key === undefined) throw new Error("SESSION_KEY is not set: npm run stack sets it for you");
  return createDemoApp({
    dataDir: process.env.DATA_DIR ?? join(demoDir, "data"),
    sessionKeys: [key],
    development: false,
  });
}
