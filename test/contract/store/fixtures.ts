/** Builders for store records in the contract suite: each call gives fresh ids, codes, emails and times. */
import assert from 'node:assert/strict';
import type { KyselyStore } from '../../../src/adapters/store/index.js';
import type { Cursor } from '../../../src/domain/cursor.js';
import { newId } from '../../../src/domain/ids.js';
import { UniqueViolation, type ApiKeyRecord, type NewLink, type NewUser, type PageQuery, type RefreshTokenRecord } from '../../../src/ports.js';

export const T0 = Date.UTC(2024, 0, 1);
let seq = 0;

/** A time one second after the previous call's, so records built in order are newest last. */
export const later = (): number => T0 + ++seq * 1000;
const serial = (): number => ++seq;

export function newUser(over: Partial<NewUser> = {}): NewUser {
  const createdAt = over.createdAt ?? later();
  const n = serial();
  return { id: newId(createdAt), email: `user${n}@example.com`, name: `User ${n}`, passwordHash: 'not-a-real-hash', createdAt, ...over };
}

export function newLink(ownerId: string, over: Partial<NewLink> = {}): NewLink {
  const createdAt = over.createdAt ?? later();
  return {
    id: newId(createdAt), domainId: '', code: `code${serial()}`, url: 'https://example.com/', title: null, tags: [], redirectType: 302,
    expiresAt: null, maxClicks: null, expiredUrl: null, archived: false, rules: null, destinations: null, og: null, ownerId, createdAt, ...over,
  };
}

export function newApiKey(userId: string, over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  const createdAt = over.createdAt ?? later();
  const n = serial();
  return {
    id: newId(createdAt), userId, name: `key ${n}`, prefix: `kz_${n}`, keyHash: `hash${n}`, scopes: ['links:read', 'stats:read'], createdAt,
    expiresAt: null, revokedAt: null, ...over,
  };
}

export function newRefreshToken(userId: string, over: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  const createdAt = over.createdAt ?? later();
  return {
    id: newId(createdAt), userId, familyId: newId(createdAt), tokenHash: `hash${serial()}`, createdAt,
    expiresAt: createdAt + 86_400_000, usedAt: null, revokedAt: null, ...over,
  };
}

/** The order every listing promises: newest first by (createdAt, id). */
export const newestFirst = <R extends { createdAt: number; id: string }>(rows: R[]): R[] =>
  [...rows].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));

/** What each part of the contract needs: the suite's store, and a throw-away one for tests that need empty tables. */
export interface ContractContext {
  store(): KyselyStore;
  withFreshStore(fn: (store: KyselyStore) => Promise<void>): Promise<void>;
}

export const rejectsUnique = (write: Promise<unknown>, field: UniqueViolation['field']): Promise<void> =>
  assert.rejects(write, (err: unknown) => err instanceof UniqueViolation && err.field === field);

/** Follows cursors from `start` to the last page, checking each fetch returns at most limit + 1 rows. */
export async function pageThrough<R extends { createdAt: number; id: string }>(
  fetch: (q: PageQuery) => Promise<R[]>,
  limit: number,
  start?: Cursor,
): Promise<string[]> {
  const ids: string[] = [];
  let cursor = start;
  for (;;) {
    const rows = await fetch({ limit, cursor });
    assert.ok(rows.length <= limit + 1, `page of ${rows.length} rows for limit ${limit}`);
    const kept = rows.slice(0, limit);
    ids.push(...kept.map((r) => r.id));
    if (rows.length <= limit) return ids;
    const last = kept[kept.length - 1]!;
    cursor = { createdAt: last.createdAt, id: last.id };
  }
}
