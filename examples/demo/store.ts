import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A list of records in one JSON file. Writes are queued so two requests never interleave a
 * read-modify-write, and each write goes to a temporary file renamed over the old one, so a crash
 * never leaves half a file. Fine for a demo; use a database for anything real.
 */
export class JsonList<T> {
  readonly path: string;
  #items: T[] | undefined = undefined;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.path = path;
  }

  async all(): Promise<readonly T[]> {
    if (this.#items === undefined) {
      try {
        this.#items = JSON.parse(await readFile(this.path, "utf8")) as T[];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
        this.#items = [];
      }
    }
    return this.#items;
  }

  /** Runs `change` on a copy of the list and saves the result; resolves with what `change` returned. */
  update<R>(change: (items: T[]) => R): Promise<R> {
    const run = this.#queue.then(async () => {
      const items = [...(await this.all())];
      const result = change(items);
      const temporary = `${this.path}.${randomBytes(4).toString("hex")}.tmp`;
      await writeFile(temporary, JSON.stringify(items, null, 2));
      await rename(temporary, this.path);
      this.#items = items;
      return result;
    });
    this.#queue = run.catch(() => undefined);
    return run;
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
  readonly guestbook: JsonList<GuestbookEntry>;
  readonly notes: JsonList<Note>;
  readonly files: JsonList<StoredFile>;
  readonly uploadDir: string;

  constructor(dataDir: string) {
    this.uploadDir = join(dataDir, "uploads");
    mkdirSync(this.uploadDir, { recursive: true });
    this.guestbook = new JsonList(join(dataDir, "guestbook.json"));
    this.notes = new JsonList(join(dataDir, "notes.json"));
    this.files = new JsonList(join(dataDir, "files.json"));
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
