/**
 * `npm run bench -- --scale`: the cache-miss redirect (uniform over every link, L1 of 1,000 entries,
 * no Redis) as the links table grows: 10,000, 100,000 and 1,000,000 links on SQLite and PostgreSQL,
 * plus 10,000,000 on PostgreSQL with --huge. An indexed lookup should stay nearly flat; a curve that
 * climbs points at a scan, or at an index that no longer fits in memory.
 *
 * Each store is grown in place between sizes (the links added carry a new code prefix), and each
 * size gets a fresh server, so one size's warm caches do not carry into the next.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedLinks } from './seed.js';
import { freshPostgres, settlePostgres, storedClicks } from './targets.js';
import { startKurz } from './kurz.js';
import { redirects, type Timing } from './load.js';
import { row, type Table } from './scenarios.js';

const SIZES = [10_000, 100_000, 1_000_000];
const HUGE = 10_000_000;
const MISS_ENV = { RATE_REDIRECT: '1000000000:1000000000', RATE_NOT_FOUND: 'off', CACHE_L1_MAX_ENTRIES: '1000' };

export async function scaleRows(table: Table, timing: Timing, options: { huge: boolean }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  try {
    await curve(table, timing, 'SQLite', join(dir, 'kurz.db'), SIZES, dir);
    const postgres = await freshPostgres();
    try {
      await curve(table, timing, 'PostgreSQL', postgres.url, options.huge ? [...SIZES, HUGE] : SIZES, dir);
    } finally {
      await postgres.drop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function curve(table: Table, timing: Timing, store: string, database: string, sizes: number[], dir: string): Promise<void> {
  let codes: string[] = [];
  const prefixes = 'bcdefgh';
  for (const [i, size] of sizes.entries()) {
    const seededAt = Date.now();
    codes = codes.concat(await seedLinks(database, size - codes.length, prefixes[i]));
    const postgres = database.startsWith('postgres');
    if (postgres) await settlePostgres(database);
    const took = ((Date.now() - seededAt) / 1000).toFixed(1);
    console.error(`${process.uptime().toFixed(1).padStart(5)} s  ${store}: ${size.toLocaleString('en')} links (seeding${postgres ? ' and VACUUM ANALYZE' : ''} took ${took} s)`);
    const codesFile = join(dir, 'codes.txt');
    writeFileSync(codesFile, codes.join('\n'));
    const uniform = redirects(`uniform over ${codes.length.toLocaleString('en')} codes`, 'uniform', codesFile);
    await row(table, startKurz({ database, env: MISS_ENV }), {
      scenario: `Kurz cache miss, ${store}, L1 of 1,000 entries, clicks recorded`,
      workload: () => uniform,
      clicks: () => storedClicks(database),
    }, timing);
  }
}
