/**
 * A store for the benchmarks, with one owner and `count` links (src/seed.ts, as `kurz seed` does).
 * Returns the codes, in insertion order. Seeding the same target again adds `count` more links to the
 * same owner; give each round its own `prefix` (codes are `<prefix><7 base-36 digits>`).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { storeAt } from '../test/support/stores.js';
import { newId } from '../src/domain/ids.js';
import { seedLinks as seed } from '../src/seed.js';
import type { Store } from '../src/ports.js';

const OWNER = 'bench@example.com';

/**
 * `target` is a SQLite file path or a postgres:// URL (whose database must be empty or Kurz's).
 * With `hostname`, the links are on that custom domain (registered if it is not yet).
 */
export async function seedLinks(target: string, count: number, prefix = 'b', hostname?: string): Promise<string[]> {
  const store = storeAt(target.startsWith('postgres') ? target : `sqlite:${target}`);
  try {
    await store.migrate();
    const now = Date.now();
    const owner = (await store.findUserByEmail(OWNER))
      ?? (await store.createUser({ id: newId(now), email: OWNER, name: null, passwordHash: '!', createdAt: now }));
    const domainId = hostname === undefined ? undefined : ((await store.allDomains()).find((d) => d.hostname === hostname)
      ?? (await store.insertDomain({ id: newId(now), hostname, rootRedirect: null, notFoundRedirect: null, ownerId: null, createdAt: now }))).id;
    return await seed(yielding(store), owner.id, count, { prefix, now, domainId });
  } finally {
    await store.close();
  }
}

/**
 * The store, letting the event loop turn before each batch: better-sqlite3 is synchronous, and a
 * 1M-link seed would otherwise hold this process for ~10 s, starving whatever else it runs meanwhile
 * (the PostgreSQL seed's connection times out).
 */
function yielding(store: Store): Store {
  return Object.assign(Object.create(store) as Store, {
    insertLinks: async (...args: Parameters<Store['insertLinks']>) => {
      await nextTurn();
      return store.insertLinks(...args);
    },
  });
}
