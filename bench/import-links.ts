/**
 * How fast the import use case writes links to SQLite: `--rows` synthetic peer rows (half with a code of
 * their own, half given a derived one; each with a title, two tags and a click total), imported into a
 * fresh database file by importLinks over the composed context, as `POST /api/v1/imports` runs it. The
 * reader is not included: the rows are made in memory.
 *
 *   node --import tsx bench/import-links.ts [--rows 1000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfig, resolveConfig } from '../src/config.js';
import { assemble, openStore } from '../src/compose.js';
import { newId } from '../src/domain/ids.js';
import type { ImportRow } from '../src/importers/record.js';
import { importLinks } from '../src/use-cases/import-links.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const total = Number(values.rows);

async function* rows(n: number): AsyncIterable<ImportRow> {
  const createdAt = Date.UTC(2020, 0, 1);
  for (let i = 1; i <= n; i++) {
    yield {
      line: i + 1,
      link: {
        url: `https://example.com/articles/${i}?ref=bench`, code: i % 2 === 0 ? `b${i.toString(36)}` : null, domain: 'bit.ly',
        title: `Article number ${i}`, tags: ['bench', `t${i % 50}`], createdAt: createdAt + i, expiresAt: null, clicks: i % 1000,
      },
    };
  }
}

const dir = mkdtempSync(join(tmpdir(), 'kurz-import-bench-'));
try {
  const config = resolveConfig(loadConfig({ BASE_URL: 'http://kurz.test', JWT_SECRET: 'bench-secret-that-is-at-least-32-characters', DATABASE_URL: `sqlite:${join(dir, 'kurz.db')}` }));
  const log = pino({ level: 'silent' });
  const store = await openStore(config, log);
  const parts = assemble(config, store, { log });
  await parts.ctx.domains.reload();
  const now = Date.now();
  const owner = await store.createUser({ id: newId(now), email: 'bench@example.com', name: null, passwordHash: 'not-a-hash', createdAt: now });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = await importLinks(parts.ctx, { rows: rows(total), owner });
  const seconds = (performance.now() - started) / 1000;
  // On a shared machine the wall time depends on the neighbours; the CPU time of this process much less.
  const { user, system } = process.cpuUsage(cpu);
  console.log(JSON.stringify({ rows: total, seconds: Number(seconds.toFixed(1)), cpuSeconds: Number(((user + system) / 1e6).toFixed(1)), rowsPerSecond: Math.round(total / seconds), imported: report.imported, notes: report.notes }));
  await parts.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
