import { Migrator, sql } from 'kysely';
import type { StoreLifecycle } from '../../ports.js';
import type { StoreDialect } from './dialect.js';
import { migrationProvider } from './migrations/index.js';

/** The connection the other stores share: its schema (migrations/), its health, and its end. */
export class KyselyLifecycle implements StoreLifecycle {
  constructor(private readonly dialect: StoreDialect) {}

  async migrate(): Promise<void> {
    const { error } = await new Migrator({ db: this.dialect.maintenance, provider: migrationProvider }).migrateToLatest();
    if (error) throw error;
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
