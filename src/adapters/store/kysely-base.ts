import { Kysely, Migrator, sql } from 'kysely';
import { UniqueViolation } from '../../ports.js';
import type { Database } from './schema.js';
import { migrationProvider } from './migrations.js';

/** How an adapter recognises a unique-index failure of its driver, and which field it concerns. */
export type UniqueViolationOf = (err: unknown) => UniqueViolation['field'] | undefined;

/**
 * What every part of the Kysely store shares: the connection, the schema's migrations, and the
 * translation of unique-index failures. The store is built in layers, one file per concept:
 * this base → accounts (users, tokens, keys) → links → KyselyStore (clicks).
 */
export class KyselyBase {
  constructor(
    readonly db: Kysely<Database>,
    private readonly uniqueViolationOf: UniqueViolationOf,
    /**
     * Where migrations and compaction run: statements that may rightly take minutes on a large
     * database, so not under the request path's timeout (PostgreSQL gives them a pool of their own).
     */
    readonly maintenance: Kysely<Database> = db,
  ) {}

  async migrate(): Promise<void> {
    const { error } = await new Migrator({ db: this.maintenance, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
    if (this.maintenance !== this.db) await this.maintenance.destroy();
  }

  /** Runs a write, turning the driver's unique-index error into UniqueViolation. */
  protected async unique<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const field = this.uniqueViolationOf(err);
      throw field ? new UniqueViolation(field) : err;
    }
  }
}

/** Maps a unique index to the API field it protects ("links.code", "links_code", …). */
export function fieldOfConstraint(text: string): UniqueViolation['field'] | undefined {
  if (/\bcode\b|links_code/.test(text)) return 'code';
  if (/email/.test(text)) return 'email';
  if (/prefix/.test(text)) return 'prefix';
  return undefined;
}

/** Drops the keys whose value is undefined: in a change set, absent means "leave the column as it is". */
export function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as Partial<T>;
}
