import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { immediate, openSqlite, pragma, type SqlDatabase } from "./sqlite.js";

/**
 * The demo's data: one SQLite database in WAL mode (better-sqlite3, or node:sqlite: see sqlite.ts), safe when several processes
 * (workers, instances) write at once. Each list is a table of JSON records in insertion order; an
 * update runs as one IMMEDIATE transaction (read, change, write back), so concurrent writers
 * queue behind SQLite's write lock instead of overwriting each other's changes, as the JSON files
 * each process kept a copy of used to.
 */

/** Schema changes in order; the database's `user_version` says how many have run. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE guestbook (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
   CREATE TABLE notes (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);
   CREATE TABLE files (seq INTEGER PRIMARY KEY AUTOINCREMENT, record TEXT NOT NULL);`,
];

export function openDatabase(path: string): SqlDatabase {
  const db = openSqlite(path);
  // Writers of other processes hold the lock for a few milliseconds: wait, do not fail.
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  immediate(db, () => {
    const version = Number(pragma(db, "user_version"));
    for (let index = version; index < MIGRATIONS.length; index++) db.exec(MIGRATIONS[index]!);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
  });
  return db;
}

type Table = "guestbook" | "notes" | "files";

/** A list of records in one table: the interface the JSON-file list had. */
export class RecordList<T> {
  readonly #db: SqlDatabase;
  readonly #table: Table;

  constructor(db: SqlDatabase, table: Table) {
    this.#db = db;
    this.#table = table;
  }

  async all(): Promise<readonly T[]> {
    const rows = this.#db.prepare(`SELECT record FROM ${this.#table} ORDER BY seq`).all() as Array<{
      record: string;
    }>;
    return rows.map((row) => JSON.parse(row.record) as T);
  }

  /** Runs `change` on the current list and saves the result atomically; resolves with its result. */
  async update<R>(change: (items: T[]) => R): Promise<R> {
    const table = this.#table;
    return immediate(this.#db, () => {
      const rows = this.#db
        .prepare(`SELECT seq, record FROM ${table} ORDER BY seq`)
        .all() as Array<{
        seq: number;
        record: string;
      }>;
      const items = rows.map((row) => JSON.parse(row.record) as T);
      const result = change(items);
      // Kept records keep their place; the rest is rewritten in the new order after them.
      let kept = 0;
      while (
        kept < rows.length &&
        kept < items.length &&
        JSON.stringify(items[kept]) === rows[kept]!.record
      )
        kept++;
      const from = kept < rows.length ? rows[kept]!.seq : Number.MAX_SAFE_INTEGER;
      this.#db.prepare(`DELETE FROM ${table} WHERE seq >= ?`).run(from);
      const insert = this.#db.prepare(`INSERT INTO ${table} (record) VALUES (?)`);
      for (const item of items.slice(kept)) insert.run(JSON.stringify(item));
      return result;
    });
  }
}

export interface GuestbookEntry {
  id: string;
  name: string;
  message: string;
  createdAt: string;
}

export interface Note {
  id: string;
  title: string;
  body: string;
  createdAt: string;
}

export interface StoredFile {
  /** Random; also the file name on disk, so the client's name never touches a path. */
  id: string;
  /** As the client sent it (directory part removed); only ever shown escaped or in a header. */
  originalName: string;
  size: number;
  uploadedAt: string;
}

/** Everything the demo keeps, under one data directory. */
export class DemoStore {
  readonly guestbook: RecordList<GuestbookEntry>;
  readonly notes: RecordList<Note>;
  readonly files: RecordList<StoredFile>;
  readonly uploadDir: string;
  readonly db: SqlDatabase;

  constructor(dataDir: string) {
    this.uploadDir = join(dataDir, "uploads");
    mkdirSync(this.uploadDir, { recursive: true });
    this.db = openDatabase(join(dataDir, "demo.sqlite"));
    this.guestbook = new RecordList(this.db, "guestbook");
    this.notes = new RecordList(this.db, "notes");
    this.files = new RecordList(this.db, "files");
  }

  /** Where an upload with this id lives; ids come from `newId()`, never from the client. */
  uploadPath(id: string): string {
    if (!/^[0-9a-f]{32}$/.test(id)) throw new Error(`Not an upload id: ${id}`);
    return join(this.uploadDir, id);
  }
}

export function newId(): string {
  return randomBytes(16).toString("hex");
}
