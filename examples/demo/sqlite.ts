import { createRequire } from "node:module";

/**
 * The little of SQLite the demo uses, served by better-sqlite3 or, where that addon cannot load,
 * by Node's own `node:sqlite` (Node ≥ 22.5). The addon is built for one Node ABI at install time,
 * and CI runs the same checkout's tests on Node 22 and 24 too; both libraries share these calls.
 */
export interface SqlStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
}

export interface SqlDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  close(): unknown;
}

const require = createRequire(import.meta.url);

export function openSqlite(path: string): SqlDatabase {
  try {
    const Database = require("better-sqlite3") as new (path: string) => SqlDatabase;
    return new Database(path);
  } catch (addonError) {
    let builtIn: { DatabaseSync: new (path: string) => SqlDatabase };
    try {
      builtIn = require("node:sqlite") as typeof builtIn;
    } catch {
      throw addonError;
    }
    return new builtIn.DatabaseSync(path);
  }
}

/** A PRAGMA's value (`PRAGMA name`), as both libraries return it: one row, one column. */
export function pragma(db: SqlDatabase, name: string): unknown {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return row === undefined ? undefined : Object.values(row)[0];
}

/** Runs `work` in an IMMEDIATE transaction: the write lock first, so writers queue, never race. */
export function immediate<R>(db: SqlDatabase, work: () => R): R {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
