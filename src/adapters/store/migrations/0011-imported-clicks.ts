import type { Kysely } from 'kysely';

/**
 * The visit total a link had on the shortener it was imported from (issue 17): shown beside the clicks
 * Kurz counts itself, never mixed into them, so the stats' series and tables stay Kurz's own counts.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('links').addColumn('imported_clicks', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
}
