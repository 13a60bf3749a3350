import { sql, type Kysely } from 'kysely';

/**
 * Import jobs (issue 17): one row per POST /api/v1/imports, its progress written as it runs (the
 * heartbeat that tells a job whose instance died from a live one) and its report once it ends.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('format', 'text', (c) => c.notNull())
    // 'running' | 'done' | 'failed' | 'interrupted'
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('dry_run', 'integer', (c) => c.notNull())
    .addColumn('domain', 'text')
    .addColumn('bytes_total', 'bigint', (c) => c.notNull())
    .addColumn('bytes_read', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('rows_read', 'bigint', (c) => c.notNull().defaultTo(0))
    // JSON of the ImportReport (domain/import-report.ts); null while running.
    .addColumn('report', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .execute();
  // A user's listing, newest first (keyset on created_at, id).
  await db.schema.createIndex('imports_owner_created').on('imports').columns(['owner_id', 'created_at', 'id']).execute();
  // At most one running job per user, enforced by the database: two racing starts cannot both run.
  await db.schema.createIndex('imports_one_running').on('imports').column('owner_id').unique().where(sql<boolean>`status = 'running'`).execute();
}
