import net from "node:net";

/**
 * A small closed-loop load generator for the worker tests: `concurrency` loops, each sending one
 * request per fresh connection (so every request is a new accept on the shared socket) and
 * counting what came back.
 */

export interface LoadResult {
  ok: number;
  /** Non-2xx answers, as "status" strings. */
  failed: string[];
  /** Socket errors or connections closed without an answer. */
  errors: string[];
  /** Bodies of the 2xx answers (the answering worker's pid). */
  bodies: Set<string>;
}

function once(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1" });
    let data = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk: string) => {
      data += chunk;
    });
    socket.on("error", reject);
    socket.on("close", () => {
      const match = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (match === null) {
        reject(new Error(`closed without an answer (${JSON.stringify(data.slice(0, 60))})`));
        return;
      }
      resolve({ status: Number(match[1]), body: data.slice(data.indexOf("\r\n\r\n") + 4) });
    });
    socket.end(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`);
  });
}

export function startLoad(port: number, concurrency: number, path = "/pid") {
  const result: LoadResult = { ok: 0, failed: [], errors: [], bodies: new Set() };
  let running = true;
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      try {
        const { status, body } = await once(port, path);
        if (status >= 200 && status < 300) {
          result.ok++;
          result.bodies.add(body);
        } else result.failed.push(String(status));
      } catch (error) {
        result.errors.push((error as Error).message);
      }
    }
  });
  return {
    result,
    async stop(): Promise<LoadResult> {
      running = false;
      await Promise.all(loops);
      return result;
    },
  };
}
