import cluster from "node:cluster";
import { readFileSync } from "node:fs";
import type { ListenOptions } from "../wire/listener.js";
import { AppLoadError, loadApp, type StartedApp, startFetchApp } from "./app-loader.js";
import { healthPlugin } from "./health.js";
import { startWorkers } from "./workers.js";

/** `slow-serv start APP.js`: runs an app module, in one process or with workers. */

export interface StartArguments {
  file: string;
  port: number;
  host: string;
  /** undefined: one process, no primary. */
  workers: number | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** Addresses allowed to send a PROXY protocol header; undefined: none expected. */
  proxyProtocol: string | undefined;
  allowPlain: boolean;
  health: boolean;
  accessLog: "json" | "text" | "off" | undefined;
  drainDelay: number | undefined;
  /** With workers: pub/sub reaches every worker's subscribers (runWorkers' relayPublish). */
  relayPublish: boolean;
}

export const START_USAGE = `  slow-serv start APP.js    Run an app module (its default export: a Server, or a function
                            returning one) and print the address it listens on.
      --port N              Port (default $PORT, else 8000; 0 picks a free one).
      --host H              Interface (default $HOST, else 127.0.0.1; 0.0.0.0 for all).
      --workers N           N worker processes sharing the port; SIGHUP reloads them
                            without dropping a request, SIGTERM drains them.
      --tls-cert FILE       Serve HTTPS with this certificate (PEM) ...
      --tls-key FILE        ... and this private key (PEM).
      --proxy-protocol A    Read the PROXY protocol header (haproxy send-proxy[-v2], nginx
                            proxy_protocol) from these addresses/ranges, e.g. loopback.
      --allow-plain         With --proxy-protocol, also serve connections without one.
      --health              Answer GET /livez and /readyz (503 once draining).
      --drain-delay MS      With --workers, answer /readyz 503 this long before draining.
      --relay-publish       With --workers, relay WebSocket pub/sub between the workers.
      --access-log FORMAT   text (one readable line per request), json, or off.
`;

const VALUE_FLAGS = new Set([
  "--port",
  "--host",
  "--workers",
  "--tls-cert",
  "--tls-key",
  "--proxy-protocol",
  "--access-log",
  "--drain-delay",
]);

function portFrom(text: string, source: string): number | string {
  const port = Number(text);
  if (text.trim() === "" || !Number.isInteger(port) || port < 0 || port > 65535) {
    return `${source} must be a number from 0 to 65535, got '${text}'`;
  }
  return port;
}

export function parseStart(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): StartArguments | string {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  let file: string | undefined;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (VALUE_FLAGS.has(arg)) {
      const value = args[++index];
      if (value === undefined) return `${arg} needs a value`;
      values.set(arg, value);
    } else if (arg === "--health" || arg === "--allow-plain" || arg === "--relay-publish") {
      switches.add(arg);
    } else if (arg.startsWith("-") || file !== undefined) {
      return `Unexpected argument '${arg}'`;
    } else {
      file = arg;
    }
  }
  if (file === undefined) return "start needs the app module, e.g. slow-serv start ./build/app.js";
  const portText = values.get("--port") ?? env.PORT;
  const port =
    portText === undefined ? 8000 : portFrom(portText, values.has("--port") ? "--port" : "PORT");
  if (typeof port === "string") return port;
  let workers: number | undefined;
  const workersText = values.get("--workers");
  if (workersText !== undefined) {
    workers = Number(workersText);
    if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
      return `--workers must be a whole number from 1 to 1024, got '${workersText}'`;
    }
  }
  const tlsCert = values.get("--tls-cert");
  const tlsKey = values.get("--tls-key");
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    return "HTTPS needs both --tls-cert FILE and --tls-key FILE";
  }
  const accessLog = values.get("--access-log");
  if (accessLog !== undefined && !["json", "text", "off"].includes(accessLog)) {
    return `--access-log must be text, json or off, got '${accessLog}'`;
  }
  const proxyProtocol = values.get("--proxy-protocol");
  if (switches.has("--allow-plain") && proxyProtocol === undefined) {
    return "--allow-plain only makes sense with --proxy-protocol ADDRESSES";
  }
  if (switches.has("--relay-publish") && workers === undefined) {
    return "--relay-publish relays pub/sub between workers: add --workers N (one process needs no relay)";
  }
  const drainText = values.get("--drain-delay");
  const drainDelay = drainText === undefined ? undefined : Number(drainText);
  if (drainDelay !== undefined && (!Number.isInteger(drainDelay) || drainDelay < 0)) {
    return `--drain-delay must be a whole number of milliseconds, got '${drainText}'`;
  }
  return {
    file,
    port,
    host: values.get("--host") ?? env.HOST ?? "127.0.0.1",
    workers,
    tlsCert,
    tlsKey,
    proxyProtocol,
    allowPlain: switches.has("--allow-plain"),
    health: switches.has("--health"),
    accessLog: accessLog as StartArguments["accessLog"],
    drainDelay,
    relayPublish: switches.has("--relay-publish"),
  };
}

function readPem(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new AppLoadError(`Cannot read ${flag} ${path}: give the path of a PEM file`);
  }
}

function listenOptions(args: StartArguments): ListenOptions {
  const listen: ListenOptions = { port: args.port, host: args.host };
  if (args.tlsCert !== undefined && args.tlsKey !== undefined) {
    listen.tls = {
      cert: readPem(args.tlsCert, "--tls-cert"),
      key: readPem(args.tlsKey, "--tls-key"),
    };
  }
  if (args.proxyProtocol !== undefined) {
    listen.proxyProtocol = { trusted: args.proxyProtocol, allowPlain: args.allowPlain };
  }
  return listen;
}

/** Loads the app and listens: the whole job in one process, a worker's job with workers. */
async function startApp(args: StartArguments): Promise<StartedApp> {
  // Read by every Server the module creates that does not choose its own access log.
  if (args.accessLog !== undefined) process.env.SLOW_SERV_ACCESS_LOG = args.accessLog;
  const listen = listenOptions(args);
  const loaded = await loadApp(args.file);
  if (loaded.kind === "fetch") return startFetchApp(loaded.app, listen);
  const server = loaded.server;
  // An app that installed the endpoints itself keeps its own.
  if (args.health && !server.routes().some((route) => route.pattern === "/readyz")) {
    server.use(healthPlugin());
  }
  await server.run(listen);
  return server;
}

/** Runs `slow-serv start`; `write` gets the address line. Throws one-line errors. */
export async function start(args: StartArguments, write: (text: string) => void): Promise<void> {
  if (args.workers === undefined) {
    const app = await startApp(args);
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.stderr.write(`slow-serv: ${signal}, closing gracefully\n`);
      app.close().then(
        () => {},
        () => {
          process.exitCode = 1;
        },
      );
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    write(
      `slow-serv: ${args.file} listening on ${app.addresses.map((a) => a.url).join(", ")} (pid ${process.pid})\n`,
    );
    return;
  }
  const pool = await startWorkers({
    workers: args.workers,
    listen: { port: args.port, host: args.host },
    start: () => startApp(args),
    drainDelay: args.drainDelay,
    relayPublish: args.relayPublish,
    log: (message) => process.stderr.write(`slow-serv: ${message}\n`),
  });
  if (pool === undefined || !cluster.isPrimary) return;
  write(
    `slow-serv: ${args.file} listening on ${pool.addresses.map((a) => a.url).join(", ")} (${args.workers} workers, primary pid ${process.pid})\n`,
  );
}
