import type { Kysely } from 'kysely';
import type { IdempotencyClaim, IdempotencyStore, StoredAnswer } from '../../ports.js';
import type { Database } from './schema.js';
import type { StoreDialect } from './dialect.js';

/** The first answers to requests sent with an Idempotency-Key, one row per (user, key). */
export class KyselyIdempotencyStore implements IdempotencyStore {
  private readonly db: Kysely<Database>;

  constructor(dialect: StoreDialect) {
    this.db = dialect.db;
  }

  /**
   * Forgets an outdated claim of the key, then inserts ours with ON CONFLICT DO NOTHING: of two racing
   * claims, the second's insert waits for the first's (PostgreSQL) or its transaction does (SQLite), and
   * then finds the first's row, which it returns.
   */
  async claimIdempotencyKey(
    userId: string, key: string, requestHash: string, now: number, liveSince: number, pendingSince: number,
  ): Promise<IdempotencyClaim> {
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('idempotency_keys')
        .where('user_id', '=', userId).where('key', '=', key)
        .where((eb) => eb.or([eb('created_at', '<', liveSince), eb.and([eb('answer', 'is', null), eb('created_at', '<', pendingSince)])]))
        .execute();
      const inserted = await trx.insertInto('idempotency_keys')
        .values({ user_id: userId, key, request_hash: requestHash, answer: null, created_at: now })
        .onConflict((oc) => oc.columns(['user_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { claimed: true };
      const row = await trx.selectFrom('idempotency_keys').select(['request_hash', 'answer'])
        .where('user_id', '=', userId).where('key', '=', key).executeTakeFirstOrThrow();
      return { claimed: false, requestHash: row.request_hash, answer: row.answer === null ? undefined : JSON.parse(row.answer) as StoredAnswer };
    });
  }

  async answerIdempotencyKey(userId: string, key: string, answer: StoredAnswer): Promise<void> {
    await this.db.updateTable('idempotency_keys').set({ answer: JSON.stringify(answer) })
      .where('user_id', '=', userId).where('key', '=', key).execute();
  }

  async releaseIdempotencyKey(userId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys')
      .where('user_id', '=', userId).where('key', '=', key).where('answer', 'is', null).execute();
  }

  async deleteIdempotencyKeysBefore(before: number): Promise<number> {
    const result = await this.db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
