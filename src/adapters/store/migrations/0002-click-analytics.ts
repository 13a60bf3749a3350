import type { Kysely } from 'kysely';

/** Click analytics: the ids of applied clicks, per-dimension rollups (replaced by 0003) and the locks table. */
export async function up(db: Kysely<any>): Promise<void> {
  // Ids of the click events already applied: a redelivered event finds its id here and counts
  // nothing. Pruned after the redelivery window (CLICK_DEDUPE_DAYS), so it never becomes the raw log.
  await db.schema
    .createTable('applied_clicks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('applied_clicks_at').on('applied_clicks').column('at').execute();

  // Clicks per link per hour (granularity 'hour') or, past the retention, per day ('day'): the
  // total, and per value of each dimension (referrer, country, browser, os, device); bots apart.
  await db.schema
    .createTable('click_rollups')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('dimension', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('bot', 'integer', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('click_rollups_pk', ['link_id', 'dimension', 'bucket', 'granularity', 'value', 'bot'])
    .execute();
  // Retention folds old hourly rows: found by (granularity, bucket).
  await db.schema.createIndex('click_rollups_age').on('click_rollups').columns(['granularity', 'bucket']).execute();

  // Rows to lock, so that jobs which several processes run (compaction) never run twice at once.
  await db.schema.createTable('locks').addColumn('name', 'text', (c) => c.primaryKey()).execute();
  await db.insertInto('locks').values({ name: 'compact-clicks' }).execute();
}
