import type { Kysely } from 'kysely';

/** API key scopes, and the lock that keeps at least one admin. */
export async function up(db: Kysely<any>): Promise<void> {
  // What each API key may do, space-separated; keys made before scopes existed keep every right they had.
  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('links:read links:write stats:read'))
    .execute();
  // Locked by a demotion or deletion of an admin, so that two of them at once cannot leave no admin.
  await db.insertInto('locks').values({ name: 'admins' }).execute();
}
