import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteAdapter, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDatabase } from 'kysely';
import { kyselyStore, type KyselyStore } from './index.js';
import { fieldOfConstraint } from './dialect.js';
import type { Database } from './schema.js';
import type { SqliteSynchronous } from '../../config.js';
import { statementCache } from './statement-cache.js';
import { ClickWriterThread } from './click-writer.js';
import { primaryOnly } from './replica-reads.js';

/**
 * The embedded default: one SQLite file in WAL mode, no server to run. `synchronous` is FULL unless
 * told otherwise: every commit waits for an fsync of the WAL, so nothing acknowledged is lost to a
 * power cut. Group commit (group-commit.ts, and click batches) keeps that to one fsync per group.
 */
export function createSqliteStore(file: string, options: { synchronous?: SqliteSynchronous; clicksHere?: boolean } = {}): KyselyStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL'); // readers never wait for the writer
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'full'}`);
  sqlite.pragma('foreign_keys = ON'); // deleting a user cascades to their links, keys and tokens
  sqlite.pragma('busy_timeout = 5000'); // `kurz migrate` or a second process may hold the lock briefly
  // SQLite's own lower() folds only A-Z; PostgreSQL's folds every script. Replacing it keeps the
  // shared search query (lower(x) like lower(q)) meaning the same on both engines.
  sqlite.function('lower', { deterministic: true }, (s: unknown) => (typeof s === 'string' ? s.toLowerCase() : s));
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
  const store = kyselyStore({
    db,
    // No statement timeout here for long migrations to escape: they share the connection.
    maintenance: db,
    reads: primaryOnly(db),
    uniqueViolationOf: (err) => {
      const e = err as { code?: string; message?: string };
      if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
      return fieldOfConstraint(e.message ?? '');
    },
  });
  // Clicks are written by a thread of their own (click-writer.ts), but where that is the caller, or
  // an in-memory database that a second connection would not see.
  if (options.clicksHere || file === ':memory:') return store;
  const writer = new ClickWriterThread({ file, synchronous: options.synchronous });
  return {
    ...store,
    applyClicks: (clicks, batchId) => writer.apply(clicks, batchId),
    close: async () => {
      await writer.close();
      await store.close();
    },
  };
}

/**
 * SQLite as Kysely drives it, with transactions that take the write lock when they begin (BEGIN
 * IMMEDIATE), not at their first write.
 * A deferred transaction that reads first cannot wait for another process's write (`--workers N`, a
 * `kurz worker`): its upgrade fails at once with SQLITE_BUSY. An immediate one waits busy_timeout.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
  }

  override createDriver() {
    return new ImmediateSqliteDriver(this.config);
  }

  // SQLite runs DDL in transactions: a migration that fails half way leaves nothing behind.
  override createAdapter() {
    return new (class extends SqliteAdapter {
      override get supportsTransactionalDdl() {
        return true;
      }
    })();
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection) {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** SQLite for Kysely, with compiled statements reused (see statement-cache.ts). */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  // Sharing a statement is safe: better-sqlite3 runs it synchronously to the end (Kysely's only
  // exception, iterate(), is for streaming, which Kurz does not use).
  const statements = statementCache((sql) => sqlite.prepare(sql));
  return { prepare: (sql) => statements.prepare(sql), close: () => sqlite.close() };
}
