/**
 * The import use case over a real SQLite store and the composed cache, with 200,000 generated rows:
 * batches of 5,000 each written in one store call, and every row counted once in the report.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { loadConfig, resolveConfig } from '../../src/config.js';
import { assemble, type Assembled } from '../../src/compose.js';
import { newId } from '../../src/domain/ids.js';
import type { ImportRow } from '../../src/importers/record.js';
import type { NewLink, Store, UserRecord } from '../../src/ports.js';
import { IMPORT_BATCH, importLinks } from '../../src/use-cases/import-links.js';
import { createTestStore } from '../support/stores.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { TEST_SECRET } from '../support/app.js';
import { peerLink } from '../support/import-rows.js';

const ROWS = 200_000;

/** Row i: every 1,000th (from 7) a bad URL, every 5,000th (from 9) banned by the peer, every 4,000th (from 3) the row before again; even rows have a code. */
function kindOf(i: number): 'invalid' | 'skipped' | 'duplicate' | 'link' {
  if (i % 1_000 === 7) return 'invalid';
  if (i % 5_000 === 9) return 'skipped';
  if (i % 4_000 === 3) return 'duplicate';
  return 'link';
}

async function* generated(): AsyncIterable<ImportRow> {
  for (let i = 0; i < ROWS; i++) {
    const line = i + 2; // after a header line
    const kind = kindOf(i);
    if (kind === 'skipped') yield { line, skipped: 'banned', code: null, detail: '' };
    else {
      const n = kind === 'duplicate' ? i - 1 : i;
      const url = kind === 'invalid' ? 'not a url' : `https://example.com/${n}`;
      yield { line, link: peerLink({ url, code: n % 2 === 0 ? `g${n}` : null, title: `Row ${n}`, clicks: n % 100 }) };
    }
  }
}

let parts: Assembled;
let closeStore: () => Promise<void>;
let raw: KyselyStore;
const writes: number[] = [];

before(async () => {
  const { store, close } = await createTestStore('sqlite');
  closeStore = close;
  raw = store;
  const counted: Store = {
    ...store,
    insertLinksWhereFree: (links: readonly NewLink[]) => {
      writes.push(links.length);
      return store.insertLinksWhereFree(links);
    },
  };
  const config = resolveConfig(loadConfig({ BASE_URL: 'http://kurz.test', JWT_SECRET: TEST_SECRET, DATABASE_URL: 'sqlite::memory:' }));
  parts = assemble(config, counted, { log: pino({ level: 'silent' }) });
  await parts.ctx.domains.reload();
});
after(async () => {
  await parts.close();
  await closeStore();
});

test('when 200,000 rows are imported, then they are written a batch (IMPORT_BATCH) at a time and every row is counted once', async () => {
  const now = Date.now();
  const owner: UserRecord = await parts.ctx.store.createUser({ id: newId(now), email: 'mover@example.com', name: null, passwordHash: 'not-a-hash', createdAt: now });
  const progress: number[] = [];
  const report = await importLinks(parts.ctx, { rows: generated(), owner, onProgress: ({ rows }) => progress.push(rows) });

  const expected = { invalid: 0, skipped: 0, duplicate: 0, link: 0 };
  for (let i = 0; i < ROWS; i++) expected[kindOf(i)] += 1;
  assert.deepEqual(
    { read: report.read, imported: report.imported, duplicates: report.duplicates, conflicts: report.conflicts, invalid: report.invalid, skipped: report.skipped },
    { read: ROWS, imported: expected.link, duplicates: expected.duplicate, conflicts: 0, invalid: expected.invalid, skipped: expected.skipped },
  );
  assert.equal(report.interrupted, false);
  assert.deepEqual(progress, Array.from({ length: ROWS / IMPORT_BATCH }, (_, i) => (i + 1) * IMPORT_BATCH));
  // One write per batch (no code drawn again), none larger than the valid rows of its batch.
  assert.equal(writes.length, ROWS / IMPORT_BATCH);
  assert.ok(writes.every((n) => n > 0 && n <= IMPORT_BATCH));
  assert.equal(writes.reduce((a, b) => a + b, 0), expected.link + expected.duplicate);
  assert.deepEqual(report.examples.invalid.map((e) => e.line), Array.from({ length: 10 }, (_, k) => k * 1_000 + 7 + 2));
  const stored = await raw.db.selectFrom('links').select((eb) => eb.fn.countAll().as('n')).where('owner_id', '=', owner.id).executeTakeFirstOrThrow();
  assert.equal(Number(stored.n), expected.link);
  assert.equal((await parts.ctx.store.findLinkByCode('g199998'))?.importedClicks, 98);
});
