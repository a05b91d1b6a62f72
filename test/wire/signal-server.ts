import { Server } from "../../src/index.js";

/**
 * A server for the signal test, in its own process so it can receive SIGTERM: one route that
 * waits for the test's "release" message, and `closeOnSignals()`. Inert unless started by a test
 * (the test runner also loads every file under test/).
 */

export const SIGNAL_SERVER_ENV = "SLOW_SERV_SIGNAL_SERVER";

async function main(): Promise<void> {
  const app = new Server({ logger: false });
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  process.on("message", (message) => {
    if (message === "release") release();
  });
  app.get("/slow", async () => {
    process.send?.("started");
    await released;
    return "finished";
  });
  app.closeOnSignals();
  // Registered after closeOnSignals: by the time this runs, close() has begun.
  process.on("SIGTERM", () => process.send?.("signalled"));
  const { port } = await app.run({ port: 0, host: "127.0.0.1" });
  // The IPC channel must not keep the process alive: only the server may.
  process.channel?.unref();
  process.send?.({ port });
}

if (process.env[SIGNAL_SERVER_ENV] === "1") void main();
