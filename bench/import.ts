/**
 * The import row: `kurz import --from csv` of a generated export of N links (1,000,000; 100,000 with
 * --quick) into a fresh SQLite file, against its ceiling, `kurz seed --links N`: the same number of
 * links written by the same process through the store's bulk insert, with no file to read, no row to
 * check and no code to look up. Rounds alternate (seed, import), each on a fresh database; the row
 * reports the import's median rows/s, the median ratio of the seed's time to the import's (1 would be
 * an import as cheap as writing the rows), and checks each import's report: every row imported.
 */
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runKurz } from '../test/e2e/process-helpers.js';
import { median, type Run } from './load.js';
import type { Row, Table } from './scenarios.js';

const OWNER = 'bench-import@example.com';
const PASSWORD = 'plum violet harbour 42';

/** Writes a generic CSV export of `rows` links (every optional column used, some titles quoted) to `file`. */
async function writeExport(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const started = Date.UTC(2020, 0, 1);
  out.write('code,url,title,tags,created_at,clicks\n');
  for (let i = 0; i < rows; i++) {
    const title = i % 10 === 0 ? `"Article ${i}, ""quoted"""` : `Article ${i}`;
    const line = `i${i.toString(36)},https://example.com/articles/${i}?ref=bench,${title},news|bench,${new Date(started + i * 1000).toISOString()},${i % 1000}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** A fresh SQLite file with the owner's account; its DATABASE_URL. */
async function freshDatabase(dir: string, round: string): Promise<Record<string, string>> {
  const env = { DATABASE_URL: `sqlite:${join(dir, `${round}.db`)}`, KURZ_PASSWORD: PASSWORD };
  const made = await runKurz(['user', 'create', '--email', OWNER], { env, built: true, timeoutMs: 60_000 });
  if (made.code !== 0) throw new Error(`user create failed: ${made.stderr}`);
  return env;
}

/** Runs `args` to completion on `env`'s database; its wall time in ms. Throws on a non-zero exit. */
async function timed(args: string[], env: Record<string, string>): Promise<{ ms: number; stdout: string }> {
  const start = performance.now();
  const run = await runKurz(args, { env, built: true, timeoutMs: 600_000 });
  const ms = performance.now() - start;
  if (run.code !== 0) throw new Error(`kurz ${args.join(' ')} exited ${run.code}: ${run.stderr.slice(-500)}`);
  return { ms, stdout: run.stdout };
}

/** A timed process as the table's Run: `rows` in `ms` (rps in rows/s). */
const asRun = (rows: number, ms: number): Run => ({
  rps: (rows / ms) * 1000, p50: ms, p99: ms, counts: {}, requests: rows, seconds: ms / 1000, redirects: 0, maxMs: ms,
});

/** Runs the row (the build is the caller's) and adds it to the table. */
export async function importRow(table: Table, rows: number, rounds: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-import-'));
  try {
    const file = join(dir, 'export.csv');
    await writeExport(file, rows);
    const measured: { seedMs: number; importMs: number }[] = [];
    for (let round = 1; round <= rounds; round++) {
      const seeded = await timed(['seed', '--links', String(rows), '--owner', OWNER], await freshDatabase(dir, `seed-${round}`));
      const imported = await timed(['import', '--from', 'csv', file, '--owner', OWNER, '--json'], await freshDatabase(dir, `import-${round}`));
      const report = JSON.parse(imported.stdout) as { read: number; imported: number };
      if (report.read !== rows || report.imported !== rows) throw new Error(`import round ${round}: ${imported.stdout}`);
      measured.push({ seedMs: seeded.ms, importMs: imported.ms });
      rmSync(join(dir, `seed-${round}.db`), { force: true });
      rmSync(join(dir, `import-${round}.db`), { force: true });
    }
    const ratios = measured.map((r) => r.seedMs / r.importMs);
    const importMs = measured.map((r) => r.importMs);
    const row: Row = {
      scenario: 'Kurz import, generic CSV, SQLite (CLI)',
      workload: `${rows.toLocaleString('en')} rows of a generic CSV export, \`kurz import --from csv\` into a fresh file, whole process `
        + `(median ${(median(importMs) / 1000).toFixed(1)} s, slowest ${(Math.max(...importMs) / 1000).toFixed(1)} s); ceiling: \`kurz seed\` of as many links `
        + `(median ${(median(measured.map((r) => r.seedMs)) / 1000).toFixed(1)} s); rows/s, one process at a time`,
      rps: median(importMs.map((ms) => (rows / ms) * 1000)),
      p50: median(importMs),
      p99: Math.max(...importMs),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      rounds: measured.map((r, i) => ({ round: i + 1, ceiling: asRun(rows, r.seedMs), kurz: asRun(rows, r.importMs), ratio: ratios[i] })),
    };
    table.add(row);
    return row;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
