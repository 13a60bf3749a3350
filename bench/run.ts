/**
 * `npm run bench`: Kurz against its ceiling, in one run, with the same connections and duration.
 * Each server runs in its own process (Kurz from a fresh build of dist/), pinned to core 0; the load
 * comes from wrk on core 1 (bench/load.ts, bench/wrk/workload.lua). Each redirect row alternates
 * rounds of the ceiling and of Kurz (the other frozen) and reports the median ratio with its min–max;
 * every answer is checked (status, and Location against the code asked for), and every row that
 * records clicks checks that the clicks stored equal the redirects answered, exactly.
 * Prints a markdown table and writes bench/results.json (the last run, of either mode, every round).
 *
 *   npm run bench [-- --quick] [--rounds 3] [--connections 50] [--seconds 10] [--sustained-seconds 60]
 *                 [--links 100000] [--miss-links 1000000]
 *   npm run bench -- --scale [--huge] [--quick]
 *   npm run bench -- --soak [--seconds 300] [--idle-seconds 30] [--store sqlite|postgres] [--quick]
 *   npm run bench -- --qr [--qr-links 24] [--qr-concurrency 4]
 *   npm run bench -- --bulk [--rounds 3]
 *   npm run bench -- --import [--import-rows 1000000] [--rounds 3]
 *   npm run bench -- --tracing [--rounds 5]
 *
 * Rows: Kurz's cached redirect (one hot code, a Zipf spread) on the embedded default, with `--workers 2`,
 * and on PostgreSQL + Redis; the cache-miss redirect (uniform over many codes, L1 of 1,000 entries) on
 * SQLite and PostgreSQL; link creation through the API on both, and on SQLite with
 * SQLITE_SYNCHRONOUS=normal (no fsync per commit: the price of durability); and the sustained mix (95%
 * redirects over Zipf, 4% creations, 1% edits) for 60 s, with memory at its start and end. --quick
 * runs 1 s rounds after 0.5 s warm-ups, 10 s of the mix, smaller data, and fewer rows (the mix stands
 * for the Zipf and the creation rows; PostgreSQL + Redis on the hot code only; no --workers, no second
 * store for misses), to stay under a minute. --scale instead
 * runs the cache-miss redirect at 10^4..10^6 links (10^7 on PostgreSQL with --huge), to see whether a
 * lookup stays flat as the table grows. --soak instead runs the Zipf mix over 100,000 links for 5
 * minutes, then 30 s of nothing, against the embedded default and against PostgreSQL + Redis, and
 * reports the server's memory over time (bench/soak.ts). It takes about 12 minutes, which would more
 * than double a full run, so it is a mode of its own. --qr instead renders 2048-pixel QR PNGs of
 * different links and reports the server's event-loop delay and the latency of /healthz meanwhile
 * (bench/qr.ts). The bulk row (in both the full and the --quick run; --bulk runs it alone) times 1,000
 * links in one POST /api/v1/links/bulk against the same as 1,000 single POSTs, 50 at once (bench/bulk.ts). The import row (full and --quick runs; --import alone) times `kurz import` of a
 * generated CSV of 1,000,000 links (100,000 with --quick) against `kurz seed` of as many (bench/import.ts).
 * The tracing rows (full run; --tracing runs them alone, with the untraced row beside them) are the
 * hot-code redirect on SQLite with OpenTelemetry on, sampling 10% and 100% of requests, exporting
 * OTLP/protobuf to a local sink that discards (bench/otlp-sink.ts): their ratios against the untraced
 * row's are tracing's cost.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../test/e2e/process-helpers.js';
import { seedLinks, seedRoutedLink } from './seed.js';
import { build, freshPostgres, redisPrefix, settlePostgres, storedClicks, REDIS_URL } from './targets.js';
import { startKurz, type Kurz } from './kurz.js';
import { ensureWrk, pinningNote, redirects, type Timing } from './load.js';
import { creations, mixed, row, startCeiling, sustained, Table, type Ceiling, type Row } from './scenarios.js';
import { scaleRows } from './scale.js';
import { printSoak, soak, type SoakRow } from './soak.js';
import { printQr, qrLoad, type QrResult } from './qr.js';
import { bulkRow } from './bulk.js';
import { importRow } from './import.js';
import { startOtlpSink } from './otlp-sink.js';

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
    rounds: { type: 'string' },
    'sustained-seconds': { type: 'string' },
    links: { type: 'string' },
    'miss-links': { type: 'string' },
    qr: { type: 'boolean', default: false },
    bulk: { type: 'boolean', default: false },
    import: { type: 'boolean', default: false },
    tracing: { type: 'boolean', default: false },
    'import-rows': { type: 'string' },
    'qr-links': { type: 'string', default: '24' },
    'qr-concurrency': { type: 'string', default: '4' },
  },
});
const QUICK = values.quick;
const timing: Timing = {
  connections: Number(values.connections),
  warmupSeconds: QUICK ? 0.5 : 2,
  seconds: Number(values.seconds ?? (values.soak ? (QUICK ? 60 : 300) : QUICK ? 1 : 10)),
  rounds: Number(values.rounds ?? 3),
};
const SUSTAINED_SECONDS = Number(values['sustained-seconds'] ?? (QUICK ? 10 : 60));
const IDLE_SECONDS = Number(values['idle-seconds'] ?? (QUICK ? 10 : 30));
const ZIPF_LINKS = Number(values.links ?? (QUICK ? 10_000 : 100_000));
const MISS_LINKS = Number(values['miss-links'] ?? (QUICK ? 30_000 : 1_000_000));
const IMPORT_ROWS = Number(values['import-rows'] ?? (QUICK ? 100_000 : 1_000_000));

/** A bucket so large it never refuses: the limiter's code runs, as in production, but one client IP is not held to 100/s. */
const REDIRECT_ENV = { RATE_REDIRECT: '1000000000:1000000000', RATE_NOT_FOUND: 'off' };
/** An L1 far smaller than the working set: nearly every redirect is a store lookup. */
const MISS_ENV = { ...REDIRECT_ENV, CACHE_L1_MAX_ENTRIES: '1000' };
/** The custom domain of the rows that show a custom domain's redirect costs what the default one's does. */
const CUSTOM_HOST = 'go.bench.example';
const CREATE_ENV = { ...REDIRECT_ENV, RATE_API: 'off', RATE_CREATE_LINK: 'off' };

const fmt = (n: number) => n.toLocaleString('en');
const progress = (what: string) => console.error(`${process.uptime().toFixed(1).padStart(5)} s  ${what}`);
const started = Date.now();
const table = new Table();
const soaked: SoakRow[] = [];
const qrOptions = { links: Number(values['qr-links']), concurrency: Number(values['qr-concurrency']) };
let qr: QrResult | undefined;

const BULK_SCENARIO = 'Kurz bulk link creation, SQLite, API key';

if (!values.qr && !values.bulk && !values.import) ensureWrk();
if (!values.qr) progress(pinningNote);
if (values.scale) {
  await build();
  await scaleRows(table, timing, { huge: values.huge });
} else if (values.soak) {
  await soakScenarios();
} else if (values.qr) {
  await build();
  qr = await qrLoad(qrOptions);
} else if (values.bulk) {
  await build();
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  try {
    await bulkRow(table, startKurz({ database: join(dir, 'kurz.db'), env: CREATE_ENV }), BULK_SCENARIO, timing.rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else if (values.import) {
  await build();
  await importRow(table, IMPORT_ROWS, timing.rounds);
} else {
  await scenarios();
}

/** A Kurz server of the run: several rows may share one (the link-creation row and the sustained mix). */
interface ServerSpec {
  database: 'sqlite' | 'postgres';
  env: Record<string, string>;
  workers?: number;
}

/** A row of the table: its server, its row, and whether --quick runs it (--quick keeps one of each kind). */
interface Planned {
  server: ServerSpec;
  quick: boolean;
  /** --tracing runs these rows only: the untraced redirect and the traced ones. */
  tracing?: boolean;
  /** `keep`: a later row has this server too; `warm`: an earlier row had it (it had its warm-up). */
  run: (kurz: Promise<Kurz>, keep: boolean, warm: boolean) => Promise<Row>;
}

async function scenarios(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    // One dataset per store, seeded once for every row (the Zipf rows draw from its first codes).
    const built = build().then(() => progress('built dist/'));
    const sqlite = join(dir, 'kurz.db');
    const postgres = await freshPostgres();
    cleanups.push(postgres.drop);
    const redis = redisPrefix();
    cleanups.push(redis.clear);
    const pgRedis = { REDIS_URL, REDIS_PREFIX: redis.prefix };
    const sink = await startOtlpSink();
    cleanups.push(sink.stop);
    /** Tracing on, sampling `share` of the requests (none carries a traceparent), exported to the sink. */
    const traced = (share: string): ServerSpec => ({
      database: 'sqlite',
      env: { ...REDIRECT_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: share },
    });
    const codesFile = join(dir, 'codes.txt');
    const idsFile = join(dir, 'ids.txt');
    const hot = redirects('one hot code', 'hot', codesFile);
    // Cached codes: the warm-up asks for each once, so the rounds measure the cache, not its filling.
    const spread = {
      ...redirects(`Zipf(s=1) over ${fmt(ZIPF_LINKS)} cached codes`, 'zipf', codesFile, ZIPF_LINKS),
      warmup: redirects(`each of ${fmt(ZIPF_LINKS)} codes once`, 'sweep', codesFile, ZIPF_LINKS),
    };
    const uniform = redirects(`uniform over ${fmt(MISS_LINKS)} codes (cache misses)`, 'uniform', codesFile);
    // The same codes again on a custom domain, asked for under its Host: as fast as the default domain's.
    const hotOnDomain = redirects(`one hot code, Host: ${CUSTOM_HOST}`, 'hot', codesFile, undefined, CUSTOM_HOST);
    const spreadOnDomain = {
      ...redirects(`Zipf(s=1) over ${fmt(ZIPF_LINKS)} cached codes, Host: ${CUSTOM_HOST}`, 'zipf', codesFile, ZIPF_LINKS, CUSTOM_HOST),
      warmup: redirects(`each of ${fmt(ZIPF_LINKS)} codes once, Host: ${CUSTOM_HOST}`, 'sweep', codesFile, ZIPF_LINKS, CUSTOM_HOST),
    };
    // A link with three routing rules, none of which matches: every visit tests all three.
    const routedFile = join(dir, 'routed.txt');
    const routed = redirects('one hot code with three rules (device, language, country), none matching', 'hot', routedFile, undefined, undefined, 'en-US,en;q=0.9');
    let ceiling!: Ceiling;
    const clicks = { sqlite: () => storedClicks(sqlite), postgres: () => storedClicks(postgres.url) };
    const compare = (scenario: string, workload: typeof hot, store: 'sqlite' | 'postgres') => (kurz: Promise<Kurz>) =>
      row(table, kurz, { scenario, workload: () => workload, clicks: clicks[store], ceiling }, timing);
    const create = (scenario: string) => (kurz: Promise<Kurz>, keep: boolean) => row(table, kurz, { scenario, workload: (k) => creations(k.url), keep }, timing);
    // A server of its own for each row that records clicks, so that the clicks its store gained are that row's.
    const sqliteCached: ServerSpec = { database: 'sqlite', env: REDIRECT_ENV };
    const postgresCached: ServerSpec = { database: 'postgres', env: { ...REDIRECT_ENV, ...pgRedis } };
    const sqliteCreate: ServerSpec = { database: 'sqlite', env: CREATE_ENV };
    const plan: Planned[] = [
      { server: sqliteCached, quick: true, tracing: true, run: compare('Kurz, SQLite (embedded default), clicks recorded', hot, 'sqlite') },
      { server: traced('0.1'), quick: false, tracing: true, run: compare('Kurz, SQLite, tracing on: 10% of requests sampled, OTLP to a local sink, clicks recorded', hot, 'sqlite') },
      { server: traced('1'), quick: false, tracing: true, run: compare('Kurz, SQLite, tracing on: every request sampled, OTLP to a local sink, clicks recorded', hot, 'sqlite') },
      // In --quick, the sustained mix (95% of it Zipf redirects on SQLite, clicks checked) stands for this row.
      { server: { ...sqliteCached }, quick: false, run: compare('Kurz, SQLite (embedded default), clicks recorded', spread, 'sqlite') },
      { server: { ...sqliteCached }, quick: true, run: compare('Kurz, SQLite, a custom domain\'s link, clicks recorded', hotOnDomain, 'sqlite') },
      { server: { ...sqliteCached }, quick: false, run: compare('Kurz, SQLite, a custom domain\'s links, clicks recorded', spreadOnDomain, 'sqlite') },
      { server: { ...sqliteCached }, quick: true, run: compare('Kurz, SQLite, a link with three routing rules, clicks recorded', routed, 'sqlite') },
      {
        // Not in --quick: on 2 cores it cannot show scaling, and its three processes cost a fifth of the minute.
        server: { ...sqliteCached, workers: 2 }, quick: false,
        run: compare('Kurz `serve --workers 2`, SQLite, clicks recorded (2 cores: no room to scale, see docs/PERFORMANCE.md)', hot, 'sqlite'),
      },
      { server: postgresCached, quick: true, run: compare('Kurz, PostgreSQL + Redis, clicks recorded (through the stream)', hot, 'postgres') },
      { server: { ...postgresCached }, quick: false, run: compare('Kurz, PostgreSQL + Redis, clicks recorded (through the stream)', spread, 'postgres') },
      { server: { database: 'sqlite', env: MISS_ENV }, quick: true, run: compare('Kurz cache miss, SQLite, L1 of 1,000 entries, clicks recorded', uniform, 'sqlite') },
      { server: { database: 'postgres', env: MISS_ENV }, quick: false, run: compare('Kurz cache miss, PostgreSQL, L1 of 1,000 entries, clicks recorded', uniform, 'postgres') },
      // In --quick, the sustained mix (4% of it creations through the same API, every 201 checked) stands for this row.
      { server: sqliteCreate, quick: false, run: create('Kurz link creation, SQLite, API key') },
      {
        server: { database: 'sqlite', env: { ...CREATE_ENV, SQLITE_SYNCHRONOUS: 'normal' } }, quick: false,
        run: create('Kurz link creation, SQLite with SQLITE_SYNCHRONOUS=normal (no fsync per commit), API key'),
      },
      { server: { database: 'postgres', env: CREATE_ENV }, quick: false, run: create('Kurz link creation, PostgreSQL, API key') },
      // The creation rows' server too (it records no clicks), kept for the sustained mix.
      { server: sqliteCreate, quick: true, run: (kurz, keep) => bulkRow(table, kurz, BULK_SCENARIO, timing.rounds, keep) },
      {
        // The creation row's server, once that row is done (it records no clicks): one start-up fewer.
        server: sqliteCreate, quick: true,
        run: (kurz, _keep, warm) => sustained(table, kurz, {
          scenario: `Kurz, SQLite (embedded default), sustained mixed load, ${SUSTAINED_SECONDS} s`,
          workload: (k) => mixed(k.url, codesFile, ZIPF_LINKS, idsFile),
          clicks: clicks.sqlite,
        }, { ...timing, sustainedSeconds: SUSTAINED_SECONDS, warm }),
      },
    ];
    const rows = values.tracing ? plan.filter((p) => p.tracing) : plan.filter((p) => !QUICK || p.quick);
    const onPostgres = rows.some((p) => p.server.database === 'postgres');
    const seeded = Math.max(ZIPF_LINKS, MISS_LINKS);
    // PostgreSQL needs the cache-miss codes only when its cache-miss row runs.
    const seededPostgres = rows.some((p) => p.server.database === 'postgres' && p.server.env === MISS_ENV) ? seeded : ZIPF_LINKS;
    // The build and both seeds run at once, as none of them is measured; the servers start after the
    // seeds (started during them, they starve the seeding process until PostgreSQL's connection times out).
    const [codes] = await Promise.all([
      seedLinks(sqlite, seeded).then(async (all) => (await seedLinks(sqlite, ZIPF_LINKS, 'b', CUSTOM_HOST), all)),
      onPostgres ? seedLinks(postgres.url, seededPostgres).then(() => settlePostgres(postgres.url)) : undefined,
      built,
    ]);
    // The routed link's code last in the codes file too: the ceiling answers the codes of that file.
    const routedCode = await seedRoutedLink(sqlite);
    writeFileSync(codesFile, [...codes.slice(0, MISS_LINKS), routedCode].join('\n'));
    writeFileSync(routedFile, routedCode);
    progress(`seeded ${fmt(seeded)} links on SQLite${onPostgres ? ` and ${fmt(seededPostgres)} on PostgreSQL` : ''}`);

    // Every server starts now, at once, and waits frozen for its row (see bench/kurz.ts).
    const servers: Promise<Kurz>[] = [];
    cleanups.push(() => Promise.allSettled(servers.map(async (kurz) => (await kurz).stop())));
    const serverOf = new Map<ServerSpec, Promise<Kurz>>();
    for (const { server: s } of rows) {
      if (serverOf.has(s)) continue;
      const kurz = startKurz({ database: s.database === 'sqlite' ? sqlite : postgres.url, env: s.env, workers: s.workers, paused: true });
      serverOf.set(s, kurz);
      servers.push(kurz);
    }
    const ceilingStarted = startCeiling(codesFile);
    cleanups.push(() => ceilingStarted.then((c) => c.stop(), () => undefined));
    await Promise.allSettled([ceilingStarted, ...servers]);
    ceiling = await ceilingStarted;
    ceiling.freeze();
    progress(`${servers.length} Kurz servers and the ceiling started`);
    for (const [i, p] of rows.entries()) {
      const shared = (others: Planned[]) => others.some((other) => other.server === p.server);
      await p.run(serverOf.get(p.server)!, shared(rows.slice(i + 1)), shared(rows.slice(0, i)));
    }
    // Its own processes, one at a time, after every server has stopped (they would share the cores).
    await Promise.allSettled(servers.map(async (kurz) => (await kurz).stop()));
    if (values.tracing) progress(`the tracing rows' servers posted ${fmt(sink.spansPosted())} batches of spans to the sink`);
    else await importRow(table, IMPORT_ROWS, timing.rounds);
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
    const codesFile = join(dir, 'codes.txt');
    // Cached codes: the warm-up asks for each once, so the rounds measure the cache, not its filling.
    const spread = {
      ...redirects(`Zipf(s=1) over ${fmt(ZIPF_LINKS)} cached codes`, 'zipf', codesFile, ZIPF_LINKS),
      warmup: redirects(`each of ${fmt(ZIPF_LINKS)} codes once`, 'sweep', codesFile, ZIPF_LINKS),
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
      writeFileSync(codesFile, (await seedLinks(database, ZIPF_LINKS)).join('\n'));
      if (store === 'postgres') await settlePostgres(database);
      progress(`seeded ${fmt(ZIPF_LINKS)} links; soaking ${store} for ${timing.seconds} s, then ${IDLE_SECONDS} s idle`);
      const kurz = await startKurz({ database, env });
      kurz.pin();
      try {
        const name = store === 'sqlite' ? 'Kurz, SQLite (embedded default), clicks recorded' : 'Kurz, PostgreSQL + Redis, clicks recorded';
        soaked.push(await soak(kurz, name, spread, options));
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
const mode = values.scale ? 'scale' : values.soak ? 'soak' : values.qr ? 'qr' : values.bulk ? 'bulk' : values.import ? 'import' : 'scenarios';
if (qr) {
  printQr(qr, qrOptions);
} else if (values.soak) {
  console.log(`${timing.connections} connections, ${timing.seconds} s of load, then ${IDLE_SECONDS} s idle${QUICK ? ' (--quick)' : ''} (--soak); the run took ${took.toFixed(0)} s`);
  console.log('RSS: resident set (VmRSS) of the server at each mark, peak: VmHWM over the run; heap: V8 heap used / total from its /metrics. MB.');
  printSoak(soaked);
} else if (values.import) {
  console.log(`--import: ${timing.rounds} rounds, each \`kurz seed\` then \`kurz import\` of ${fmt(IMPORT_ROWS)} links on a fresh SQLite file; the run took ${took.toFixed(0)} s`);
  printTable(table.rows);
} else if (values.bulk) {
  console.log(`--bulk: ${timing.rounds} rounds after a warm-up, each one bulk request of 1,000 links then the same as single requests; the run took ${took.toFixed(0)} s`);
  printTable(table.rows);
} else {
  console.log(`${timing.connections} connections; ${timing.rounds} rounds of ${timing.seconds} s per server and row after a ${timing.warmupSeconds} s warm-up each${QUICK ? ' (--quick)' : ''}${values.scale ? ' (--scale)' : ''}; the run took ${took.toFixed(0)} s`);
  console.log(`${pinningNote}; load from wrk -t2 (bench/wrk/workload.lua), every answer checked (status, Location against the code asked for).`);
  console.log('Each redirect row alternates rounds: ceiling (bare node:http + Map, 301), then Kurz, the other frozen; × ceiling is the median of the per-round ratios (min–max).');
  console.log('req/s: median over the rounds (the requests of the workload over its seconds; the 404s of the drain of each run not counted); p50/p99: of the median round; peak RSS: VmHWM of the Kurz server over its row (for --workers, primary and workers summed).');
  printTable(table.rows);
}
const rows = qr ? [qr] : values.soak ? soaked : table.rows;
writeFileSync(join(repoRoot, 'bench', 'results.json'), JSON.stringify({ at: new Date().toISOString(), mode, quick: QUICK, pinning: values.qr ? undefined : pinningNote, ...timing, took, rows }, null, 2));

/** Markdown; the ratio column shows — where a row has no ceiling (creation, the sustained mix, --scale). */
function printTable(rows: Row[]): void {
  const n = (x: number | undefined, digits = 0) => (x === undefined ? '' : x.toFixed(digits));
  const columns = ['scenario', 'workload', 'Kurz req/s (median)', 'p50 ms', 'p99 ms', '× ceiling median (min–max)', 'peak RSS MB', 'clicks check'];
  console.log(`| ${columns.join(' | ')} |`);
  console.log(`|${columns.map(() => '---|').join('')}`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '—' : `${n(r.ratio, 2)} (${n(r.ratioMin, 2)}–${n(r.ratioMax, 2)})`;
    const rss = r.rssStartMb === undefined ? n(r.rssMb) : `${n(r.rssMb)} (start ${n(r.rssStartMb)}, end ${n(r.rssEndMb)})`;
    const clicks = r.clicks ? `${r.clicks.answered} answered, ${r.clicks.stored} stored ✓` : '—';
    console.log(`| ${[r.scenario, r.workload, n(r.rps), n(r.p50, 2), n(r.p99, 2), ratio, rss, clicks].join(' | ')} |`);
  }
}
