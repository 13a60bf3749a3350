import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import SQLite from 'better-sqlite3';

/** What `backupSqlite` wrote. */
export interface SqliteBackup {
  /** The backup's size in bytes. */
  bytes: number;
  /** Links in the copy, for the operator to compare with what they expect. */
  links: number;
}

/**
 * A consistent copy of a SQLite database that servers may be writing, from any process: `VACUUM INTO`
 * reads the whole database in one read transaction, a snapshot as of its start, and in WAL mode a
 * reader neither waits for the writers nor holds them up (a copy of 100 MB takes seconds; servers
 * keep writing to the WAL meanwhile, which is checkpointed after). SQLite's backup API
 * (better-sqlite3's `db.backup`) copies 100 pages a step and starts over whenever another connection
 * writes between two steps: a server flushing clicks every second could keep it from ever finishing.
 * VACUUM INTO does not fsync what it wrote: this does, then renames the copy into place, so `output`
 * is either the whole backup or untouched.
 */
export function backupSqlite(file: string, output: string): SqliteBackup {
  const partial = join(dirname(output), `.${basename(output)}.partial`);
  rmSync(partial, { force: true });
  // Not readonly: a reader of a WAL database may need to create the -shm file if no server is running.
  const db = new SQLite(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('vacuum into ?').run(partial);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
  // A copy is checked before it replaces anything: `PRAGMA integrity_check` reads every page.
  const copy = new SQLite(partial, { readonly: true });
  let integrity: string;
  let links: number;
  try {
    integrity = copy.pragma('integrity_check', { simple: true }) as string;
    links = (copy.prepare('select count(*) as n from links').get() as { n: number }).n;
  } finally {
    copy.close();
  }
  if (integrity !== 'ok') {
    rmSync(partial, { force: true });
    throw new Error(`the copy failed its integrity check (${integrity}); ${output} is untouched`);
  }
  fsyncPath(partial);
  renameSync(partial, output);
  fsyncPath(dirname(output));
  return { bytes: statSync(output).size, links };
}

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
