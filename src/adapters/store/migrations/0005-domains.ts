import type { Kysely } from 'kysely';

/**
 * Custom domains, each with a code space of its own: a code is unique per domain, not overall. Every
 * link made before belongs to the default domain (BASE_URL's host, domain_id ''), so no client sees a change.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('domains')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('hostname', 'text', (c) => c.notNull().unique())
    .addColumn('root_redirect', 'text')
    .addColumn('not_found_redirect', 'text')
    // A domain given to a user stays when they are deleted, shared with everyone, with its links.
    .addColumn('owner_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('domains_created_id').on('domains').columns(['created_at', 'id']).execute();

  await db.schema.alterTable('links').addColumn('domain_id', 'text', (c) => c.notNull().defaultTo('')).execute();
  // The redirect's one read is by (domain, code): the unique index that gave codes one space gives way to it.
  await db.schema.createIndex('links_domain_code').on('links').columns(['domain_id', 'code']).unique().execute();
  await db.schema.dropIndex('links_code').execute();
}
