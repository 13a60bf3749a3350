import type { Kysely } from 'kysely';

/** Idempotency-Key: the first answer to a request, kept per user and key for 24 hours. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    // SHA-256 (hex) of the operation and its canonical body: the same key with another body is refused.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    // JSON of {status, headers, body}; null while the first request is still being answered.
    .addColumn('answer', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
  // The hourly sweep of expired keys reads by age.
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();
}
