import { Migrator, sql } from 'kysely';
import type { StoreLifecycle } from '../../ports.js';
import type { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/** Where Kysely's Migrator records what it applied (its default name). */
const MIGRATION_TABLE = 'kysely_migration';

/** The connection the other stores share: its schema (migrations/), its health, and its end. */
export class KyselyLifecycle implements StoreLifecycle {
  constructor(private readonly dialect: StoreDialect) {}

  async migrate(): Promise<string[]> {
    const newer = await this.newerMigrations();
    // A newer version migrated this database (a rolling upgrade, or a rollback of the code alone):
    // Kysely would refuse to run ("previously executed migration … is missing"). Every migration this
    // version knows is applied and migrations only add (docs/OPERATIONS.md, "Upgrade"), so it runs as is.
    if (newer.length > 0) return newer;
    const { error } = await new Migrator({ db: this.dialect.maintenance, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
    return [];
  }

  /** The applied migrations this version does not know, when it knows every other one; else none. */
  private async newerMigrations(): Promise<string[]> {
    const known = await migrationProvider.getMigrations();
    const tables = await this.dialect.maintenance.introspection.getTables({ withInternalKyselyTables: true });
    if (!tables.some((table) => table.name === MIGRATION_TABLE)) return [];
    const applied = await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(this.dialect.maintenance);
    const names = new Set(applied.rows.map((row) => row.name));
    if (!Object.keys(known).every((name) => names.has(name))) return [];
    return [...names].filter((name) => !(name in known)).sort();
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.dialect.db);
  }

  async close(): Promise<void> {
    const { db, maintenance } = this.dialect;
    this.dialect.reads.close();
    await db.destroy();
    if (maintenance !== db) await maintenance.destroy();
    await this.dialect.end?.();
  }
}
