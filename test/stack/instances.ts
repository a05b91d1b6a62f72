import { fileURLToPath } from "node:url";
import { generateKey } from "../../src/index.js";
import { type RunningCli, startCli } from "../edges/spawn-cli.js";

/** slow-serv instances of the stack app (fixtures-app.ts) started through `slow-serv start`. */

export const STACK_APP = fileURLToPath(new URL("./fixtures-app.js", import.meta.url));

export interface Instance extends RunningCli {
  readonly port: number;
}

/** Starts `count` instances sharing one session key; each on a port of its own. */
export async function startInstances(
  count: number,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Instance[]> {
  const key = generateKey();
  const started: Instance[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const running = await startCli(["start", STACK_APP, "--port", "0", ...args], {
        SESSION_KEY: key,
        STACK_INSTANCE: String.fromCharCode(97 + index),
        ...env,
      });
      started.push({ ...running, port: Number(new URL(running.url).port) });
    }
    return started;
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

export async function stopAll(instances: readonly Instance[]): Promise<void> {
  await Promise.all(instances.map((instance) => instance.stop()));
}
