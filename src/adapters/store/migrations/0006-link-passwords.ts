import type { Kysely } from 'kysely';

/** Password-protected links: the argon2id hash of a link's password, null for a link without one. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('links').addColumn('password_hash', 'text').execute();
}
