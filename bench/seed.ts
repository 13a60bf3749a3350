/**
 * A store for the benchmarks, with one owner and `count` links (src/seed.ts, as `kurz seed` does).
 * Returns the codes, in insertion order.
 */
import { createSqliteStore } from '../src/adapters/store/sqlite.js';
import { createPostgresStore } from '../src/adapters/store/postgres.js';
import { newId } from '../src/domain/ids.js';
import { seedLinks as seed } from '../src/seed.js';

/** `target` is a SQLite file path or a postgres:// URL (whose database must be empty or Kurz's). */
export async function seedLinks(target: string, count: number): Promise<string[]> {
  const store = target.startsWith('postgres') ? createPostgresStore(target) : createSqliteStore(target);
  try {
    await store.migrate();
    const now = Date.now();
    const owner = await store.createUser({ id: newId(now), email: 'bench@example.com', name: null, passwordHash: '!', createdAt: now });
    return await seed(store, owner.id, count, { prefix: 'b', now });
  } finally {
    await store.close();
  }
}
