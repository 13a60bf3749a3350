import { sql, type Kysely } from 'kysely';

/** A link's fallback for when it is over, and its archived flag (issue 15). UTM parameters live in the url itself. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('links').addColumn('expired_url', 'text').execute();
  // An integer, not a boolean: SQLite has none, and one type on both stores keeps the queries the same.
  await db.schema.alterTable('links').addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  // The listing of archived links, keyset over (created_at, id) per owner and for an admin's view of
  // all, from partial indexes that hold archived links only: no cost to creating a link, and that
  // listing never walks the (usually far more) live ones. The default listing keeps 0001's indexes
  // and skips archived rows as it walks them.
  await db.schema.createIndex('links_archived_owner_created_id').on('links').columns(['owner_id', 'created_at', 'id'])
    .where(sql.ref('archived'), '=', sql.lit(1)).execute();
  await db.schema.createIndex('links_archived_created_id').on('links').columns(['created_at', 'id'])
    .where(sql.ref('archived'), '=', sql.lit(1)).execute();
}
