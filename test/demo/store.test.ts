import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { pragma } from "../../examples/demo/sqlite.js";
import { DemoStore, openDatabase } from "../../examples/demo/store.js";

const WRITER = fileURLToPath(new URL("./fixtures/store-writer.js", import.meta.url));

describe("the demo's SQLite store", { timeout: 60_000 }, () => {
  it("four processes writing at once lose nothing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slow-serv-store-"));
    const writers = Array.from({ length: 4 }, (_, writer) =>
      spawn(process.execPath, [WRITER, dir, String(writer), "100"], { stdio: "inherit" }),
    );
    try {
      const codes = await Promise.all(writers.map(async (child) => (await once(child, "exit"))[0]));
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const store = new DemoStore(dir);
      const entries = await store.guestbook.all();
      store.db.close();
      assert.equal(entries.length, 400);
      for (let writer = 0; writer < 4; writer++) {
        const own = entries.filter((entry) => entry.name === `writer ${writer}`);
        // Every write of every process, each process's in its own order.
        assert.deepEqual(
          own.map((entry) => entry.message),
          Array.from({ length: 100 }, (_, index) => String(index)),
        );
      }
    } finally {
      for (const child of writers) if (child.exitCode === null) child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("runs its migrations once, in WAL mode", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slow-serv-store-"));
    try {
      const first = openDatabase(join(dir, "demo.sqlite"));
      assert.equal(pragma(first, "journal_mode"), "wal");
      assert.equal(pragma(first, "user_version"), 1);
      first.close();
      const again = openDatabase(join(dir, "demo.sqlite"));
      assert.equal(pragma(again, "user_version"), 1);
      again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("an update that removes and reorders keeps exactly the new list", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slow-serv-store-"));
    const store = new DemoStore(dir);
    try {
      const note = (id: string) => ({ id, title: id, body: "", createdAt: "" });
      await store.notes.update((notes) => notes.push(note("a"), note("b"), note("c")));
      const removed = await store.notes.update((notes) => notes.splice(1, 1).length);
      assert.equal(removed, 1);
      assert.deepEqual(
        (await store.notes.all()).map((entry) => entry.id),
        ["a", "c"],
      );
      await store.notes.update((notes) => notes.reverse());
      assert.deepEqual(
        (await store.notes.all()).map((entry) => entry.id),
        ["c", "a"],
      );
    } finally {
      store.db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
