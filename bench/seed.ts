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

/**
 * One link with three routing rules that a desktop browser asking for English matches none of, so
 * every visit tests all three (device: the user agent parsed, language: Accept-Language parsed,
 * country) and lands on the link's url: the routed redirect's worst case. Returns its code.
 */
export async function seedRoutedLink(target: string, code = 'rules3'): Promise<string> {
  const store = storeAt(target.startsWith('postgres') ? target : `sqlite:${target}`);
  try {
    const now = Date.now();
    const owner = await store.findUserByEmail(OWNER);
    await store.insertLink({
      id: newId(now), code, url: `https://example.com/${code}`, title: null, tags: [], redirectType: 301, expiresAt: null, maxClicks: null,
      ownerId: owner!.id, createdAt: now,
      rules: [
        { conditions: [{ type: 'device', value: 'ios' }], url: 'https://example.com/ios' },
        { conditions: [{ type: 'language', value: 'de' }], url: 'https://example.com/de' },
        { conditions: [{ type: 'country', value: 'FR' }], url: 'https://example.com/fr' },
      ],
    });
    return code;
  } finally {
    await store.close();
  }
}
