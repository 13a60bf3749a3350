/**
 * Loads N links straight into a SQLite file (and one user owning them), in transactions of 1,000-row
 * inserts: the data the redirect scenarios look codes up in. Returns the codes, in insertion order.
 */
import { createSqliteStore } from '../src/adapters/store/sqlite.js';
import { newId } from '../src/domain/ids.js';

export async function seedLinks(file: string, count: number): Promise<string[]> {
  const store = createSqliteStore(file);
  await store.migrate();
  const now = Date.now();
  const owner = await store.createUser({ id: newId(now), email: 'bench@example.com', name: null, passwordHash: 'x', createdAt: now });
  const codes = Array.from({ length: count }, (_, i) => `b${i.toString(36).padStart(6, '0')}`);
  for (let start = 0; start < count; start += 10_000) {
    await store.db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(start + 10_000, count); i += 1_000) {
        const rows = codes.slice(i, Math.min(i + 1_000, count)).map((code) => ({
          id: newId(now), code, url: `https://example.com/${code}`, title: null, redirect_type: 301,
          expires_at: null, max_clicks: null, owner_id: owner.id, created_at: now, updated_at: now,
        }));
        await trx.insertInto('links').values(rows).execute();
      }
    });
  }
  await store.close();
  return codes;
}
