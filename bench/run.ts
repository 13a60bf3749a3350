/**
 * `npm run bench`: Kurz against its ceiling, in one run, with the same connections and duration.
 * Each server runs in its own process (Kurz from a fresh build of dist/); autocannon runs here.
 * Prints a markdown table and writes bench/results.json (the last run, of either mode).
 *
 *   npm run bench [-- --quick] [--connections 50] [--seconds 10] [--links 100000] [--miss-links 1000000]
 *   npm run bench -- --scale [--huge] [--quick]
 *   npm run bench -- --soak [--seconds 300] [--idle-seconds 30] [--store sqlite|postgres] [--quick]
 *   npm run bench -- --qr [--qr-links 24] [--qr-concurrency 4]
 *
 * Scenarios: the ceiling (a bare node:http Map lookup); Kurz's cached redirect (one hot code, a Zipf
 * spread) on the embedded default, with `--workers 2`, and on PostgreSQL + Redis; the cache-miss
 * redirect (uniform over many codes, L1 of 1,000 entries) on SQLite and PostgreSQL; link creation
 * through the API on both, and on SQLite with SQLITE_SYNCHRONOUS=normal (no fsync per commit: the
 * price of durability). --scale instead runs the cache-miss redirect at 10^4..10^6 links (10^7 on
 * PostgreSQL with --huge), to see whether a lookup stays flat as the table grows. --soak instead runs
 * the Zipf mix over 100,000 links for 5 minutes, then 30 s of nothing, against the embedded default and
 * against PostgreSQL + Redis, and reports the server's memory over time (bench/soak.ts). It takes about
 * 12 minutes, which would more than triple a full run, so it is a mode of its own. --qr instead renders
 * 2048-pixel QR PNGs of different links and reports the server's event-loop delay and the latency of
 * /healthz meanwhile (bench/qr.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/e2e/process-helpers.js';
import { seedLinks } from './seed.js';
import { zipfSampler } from './zipf.js';
import { build, freshPostgres, redisPrefix, settlePostgres, REDIS_URL } from './targets.js';
import { startKurz, type Kurz } from './kurz.js';
import { redirects, type Timing } from './load.js';
import { ceilingRows, creations, kurzRows, startCeiling, Table, type Row } from './scenarios.js';
import { scaleRows } from './scale.js';
import { printSoak, soak, type SoakRow } from './soak.js';
import { printQr, qrLoad, type QrResult } from './qr.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scale: { type: 'boolean', default: false },
    huge: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    'idle-seconds': { type: 'string' },
    store: { type: 'string' },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string' },
    links: { type: 'string' },
    'miss-links': { type: 'string' },
    qr: { type: 'boolean', default: false },
    'qr-links': { type: 'string', default: '24' },
    'qr-concurrency': { type: 'string', default: '4' },
  },
});
const QUICK = values.quick;
const timing: Timing = {
  connections: Number(values.connections),
  warmupSeconds: QUICK ? 1 : 2,
  seconds: Number(values.seconds ?? (values.soak ? (QUICK ? 60 : 300) : QUICK ? 2 : 10)),
};
const IDLE_SECONDS = Number(values['idle-seconds'] ?? (QUICK ? 10 : 30));
const ZIPF_LINKS = Number(values.links ?? (QUICK ? 10_000 : 100_000));
const MISS_LINKS = Number(values['miss-links'] ?? (QUICK ? 100_000 : 1_000_000));

/** A bucket so large it never refuses: the limiter's code runs, as in production, but one client IP is not held to 100/s. */
const REDIRECT_ENV = { RATE_REDIRECT: '1000000000:1000000000', RATE_NOT_FOUND: 'off' };
/** An L1 far smaller than the working set: nearly every redirect is a store lookup. */
const MISS_ENV = { ...REDIRECT_ENV, CACHE_L1_MAX_ENTRIES: '1000' };
const CREATE_ENV = { RATE_API: 'off', RATE_CREATE_LINK: 'off' };

const fmt = (n: number) => n.toLocaleString('en');
const progress = (what: string) => console.error(`${process.uptime().toFixed(1).padStart(5)} s  ${what}`);
const started = Date.now();
const table = new Table();
const soaked: SoakRow[] = [];
const qrOptions = { links: Number(values['qr-links']), concurrency: Number(values['qr-concurrency']) };
let qr: QrResult | undefined;

if (values.scale) {
  await build();
  await scaleRows(table, timing, { huge: values.huge });
} else if (values.soak) {
  await soakScenarios();
} else if (values.qr) {
  await build();
  qr = await qrLoad(qrOptions);
} else {
  await scenarios();
}

async function scenarios(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    // One dataset per store, seeded once for every row (the Zipf rows draw from its first codes);
    // the build and both seeds run at once, as none of them is measured.
    const built = build().then(() => progress('built dist/'));
    const sqlite = join(dir, 'kurz.db');
    const postgres = await freshPostgres();
    cleanups.push(postgres.drop);
    const redis = redisPrefix();
    cleanups.push(redis.clear);
    const seeded = Math.max(ZIPF_LINKS, MISS_LINKS);
    const [codes] = await Promise.all([
      seedLinks(sqlite, seeded),
      seedLinks(postgres.url, seeded).then(() => settlePostgres(postgres.url)),
      built,
    ]);
    const codesFile = join(dir, 'codes.txt');
    writeFileSync(codesFile, codes.slice(0, MISS_LINKS).join('\n'));
    progress(`seeded ${fmt(seeded)} links on SQLite and on PostgreSQL`);

    // Every server starts now, at once, and waits frozen for its rows (see bench/kurz.ts).
    const servers: Promise<Kurz>[] = [];
    cleanups.push(() => Promise.allSettled(servers.map(async (kurz) => (await kurz).stop())));
    const start = (options: Omit<Parameters<typeof startKurz>[0], 'paused'>) => {
      const kurz = startKurz({ ...options, paused: true });
      servers.push(kurz);
      return kurz;
    };
    const ceiling = startCeiling(codesFile);
    cleanups.push(() => ceiling.then((c) => c.stop(), () => undefined));
    const pgRedis = { REDIS_URL, REDIS_PREFIX: redis.prefix };
    const sqliteCached = start({ database: sqlite, env: REDIRECT_ENV });
    const sqliteWorkers = start({ database: sqlite, env: REDIRECT_ENV, workers: 2 });
    const postgresCached = start({ database: postgres.url, env: { ...REDIRECT_ENV, ...pgRedis } });
    const sqliteMiss = start({ database: sqlite, env: MISS_ENV });
    const postgresMiss = start({ database: postgres.url, env: MISS_ENV });
    const sqliteCreate = start({ database: sqlite, env: CREATE_ENV });
    const sqliteCreateNormal = start({ database: sqlite, env: { ...CREATE_ENV, SQLITE_SYNCHRONOUS: 'normal' } });
    const postgresCreate = start({ database: postgres.url, env: CREATE_ENV });
    await Promise.allSettled([ceiling, ...servers]);
    progress('servers started');

    const zipf = zipfSampler(ZIPF_LINKS);
    const hot = redirects('one hot code', 'hot', () => codes[0]!);
    const spread = redirects(`Zipf(s=1) over ${fmt(ZIPF_LINKS)} codes`, 'zipf', () => codes[zipf()]!);
    const uniform = redirects(`uniform over ${fmt(MISS_LINKS)} codes (cache misses)`, 'uniform', () => codes[Math.floor(Math.random() * MISS_LINKS)]!);

    await ceilingRows(table, await ceiling, [hot, spread, uniform], timing);
    await kurzRows(table, 'Kurz, SQLite (embedded default), clicks recorded', sqliteCached, () => [hot, spread], timing);
    await kurzRows(table, 'Kurz `serve --workers 2`, SQLite, clicks recorded', sqliteWorkers, () => [hot], timing);
    await kurzRows(table, 'Kurz, PostgreSQL + Redis, clicks recorded', postgresCached, () => [hot, spread], timing);
    await kurzRows(table, 'Kurz cache miss, SQLite, L1 of 1,000 entries, clicks recorded', sqliteMiss, () => [uniform], timing);
    await kurzRows(table, 'Kurz cache miss, PostgreSQL, L1 of 1,000 entries, clicks recorded', postgresMiss, () => [uniform], timing);
    const create = async (kurz: Kurz) => [await creations(kurz.url, 'hot')];
    await kurzRows(table, 'Kurz link creation, SQLite, API key', sqliteCreate, create, timing);
    await kurzRows(table, 'Kurz link creation, SQLite with SQLITE_SYNCHRONOUS=normal (no fsync per commit), API key', sqliteCreateNormal, create, timing);
    await kurzRows(table, 'Kurz link creation, PostgreSQL, API key', postgresCreate, create, timing);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The soak rows: Kurz as npm start runs it, on the embedded default and on PostgreSQL + Redis (fresh
 * database and key prefix), each under the Zipf mix for `timing.seconds`, then idle (bench/soak.ts).
 */
async function soakScenarios(): Promise<void> {
  const stores = values.store ? [values.store] : ['sqlite', 'postgres'];
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    await build();
    const spread = (codes: string[]) => {
      const zipf = zipfSampler(ZIPF_LINKS);
      return redirects(`Zipf(s=1) over ${fmt(ZIPF_LINKS)} codes`, 'zipf', () => codes[zipf()]!);
    };
    const options = { connections: timing.connections, seconds: timing.seconds, idleSeconds: IDLE_SECONDS };
    for (const store of stores) {
      let database = join(dir, 'kurz.db');
      let env: Record<string, string> = REDIRECT_ENV;
      if (store === 'postgres') {
        const postgres = await freshPostgres();
        cleanups.push(postgres.drop);
        const redis = redisPrefix();
        cleanups.push(redis.clear);
        database = postgres.url;
        env = { ...REDIRECT_ENV, REDIS_URL, REDIS_PREFIX: redis.prefix };
      } else if (store !== 'sqlite') {
        throw new Error(`--store must be sqlite or postgres (got ${store})`);
      }
      const codes = await seedLinks(database, ZIPF_LINKS);
      if (store === 'postgres') await settlePostgres(database);
      progress(`seeded ${fmt(ZIPF_LINKS)} links; soaking ${store} for ${timing.seconds} s, then ${IDLE_SECONDS} s idle`);
      const kurz = await startKurz({ database, env });
      try {
        const name = store === 'sqlite' ? 'Kurz, SQLite (embedded default), clicks recorded' : 'Kurz, PostgreSQL + Redis, clicks recorded';
        soaked.push(await soak(kurz, name, spread(codes), options));
        progress(`${name}: peak ${soaked.at(-1)!.peakMb.toFixed(0)} MB`);
      } finally {
        await kurz.stop();
      }
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
    rmSync(dir, { recursive: true, force: true });
  }
}

const took = (Date.now() - started) / 1000;
const mode = values.scale ? 'scale' : values.soak ? 'soak' : values.qr ? 'qr' : 'scenarios';
if (qr) {
  printQr(qr, qrOptions);
} else if (values.soak) {
  console.log(`${timing.connections} connections, ${timing.seconds} s of load, then ${IDLE_SECONDS} s idle${QUICK ? ' (--quick)' : ''} (--soak); the run took ${took.toFixed(0)} s`);
  console.log('RSS: resident set (VmRSS) of the server at each mark, peak: VmHWM over the run; heap: V8 heap used / total from its /metrics. MB.');
  printSoak(soaked);
} else {
  console.log(`${timing.connections} connections, ${timing.seconds} s per row after a ${timing.warmupSeconds} s warm-up${QUICK ? ' (--quick)' : ''}${values.scale ? ' (--scale)' : ''}; the run took ${took.toFixed(0)} s`);
  console.log('rssMb: peak resident set (VmHWM) of the Kurz server process during the row, warm-up included; for --workers, primary and workers summed.');
  printTable(table.rows);
}
const rows = qr ? [qr] : values.soak ? soaked : table.rows;
writeFileSync(join(repoRoot, 'bench', 'results.json'), JSON.stringify({ at: new Date().toISOString(), mode, quick: QUICK, ...timing, took, rows }, null, 2));

/** Markdown; the ratio column only when there is a ceiling (not in --scale). */
function printTable(rows: Row[]): void {
  const n = (x: number | undefined, digits = 0) => (x === undefined ? '' : x.toFixed(digits));
  const ratios = rows.some((r) => r.ratio !== undefined);
  const columns = ['scenario', 'workload', 'requests/s', 'p50 ms', 'p99 ms', ...(ratios ? ['× ceiling'] : []), 'rssMb'];
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---|').join('')}`);
  for (const r of rows) {
    const cells = [r.scenario, r.workload, n(r.rps), n(r.p50), n(r.p99), ...(ratios ? [n(r.ratio, 2)] : []), n(r.rssMb)];
    console.log(`| ${cells.join(' | ')} |`);
  }
}
