import type { Kysely } from 'kysely';

/**
 * click_routes (issue 16): the routed clicks of a link per hour (or day), bot-ness, deciding rule and
 * destination, for the stats' `destinations` and `rules`. A table of its own rather than two more
 * columns of click_counts: that table's primary key would need a rebuild on SQLite, and a link that
 * does not route writes no row here. `rule` is -1 for "no rule decided" so that the key holds no NULL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('click_routes')
    .addColumn('link_id', 'text', (c) => c.notNull().references('links.id').onDelete('cascade'))
    .addColumn('granularity', 'text', (c) => c.notNull())
    .addColumn('bucket', 'bigint', (c) => c.notNull())
    .addColumn('bot', 'integer', (c) => c.notNull())
    .addColumn('rule', 'integer', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    // A link's stats read a range of buckets: the key leads with (link_id, bucket), as click_counts' does.
    .addPrimaryKeyConstraint('click_routes_pk', ['link_id', 'bucket', 'granularity', 'bot', 'rule', 'destination'])
    .execute();
  // Compaction finds the hourly rows to fold by age, as for click_counts.
  await db.schema.createIndex('click_routes_age').on('click_routes').columns(['granularity', 'bucket']).execute();
}
