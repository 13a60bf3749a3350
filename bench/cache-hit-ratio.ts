/**
 * Cache effectiveness on a skewed workload: N links, R redirects drawn Zipf(s=1) over them, sent
 * through app.inject (no network: this measures the cache, not HTTP). Prints, per configuration, the
 * share of lookups answered by each level and how many store lookups 1,000 redirects cost.
 *
 *   node --import tsx bench/cache-hit-ratio.ts [--links 100000] [--redirects 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { assemble } from '../src/compose.js';
import { loadConfig, resolveConfig } from '../src/config.js';
import { createSqliteStore } from '../src/adapters/store/sqlite.js';
import type { Store } from '../src/ports.js';
import type { Context } from '../src/http/context.js';
import { newId } from '../src/domain/ids.js';
import { zipfSampler } from './zipf.js';

const { values } = parseArgs({ options: { links: { type: 'string', default: '100000' }, redirects: { type: 'string', default: '100000' } } });
const LINKS = Number(values.links);
const REDIRECTS = Number(values.redirects);

async function seed(store: Store): Promise<string[]> {
  const owner = await store.createUser({ id: newId(), email: 'bench@example.com', name: null, passwordHash: 'x', createdAt: Date.now() });
  const codes: string[] = [];
  for (let i = 0; i < LINKS; i++) {
    const code = `c${i.toString(36).padStart(4, '0')}`;
    codes.push(code);
    await store.insertLink({
      id: newId(), code, url: `https://example.com/${i}`, title: null, tags: [], redirectType: 302, expiresAt: null,
      maxClicks: null, ownerId: owner.id, createdAt: Date.now(),
    });
  }
  return codes;
}

interface Row { config: string; l1: number; l2: number; store: number; perThousand: number; seconds: number }

async function run(config: string, env: Record<string, string>, instances: number, file: string, codes: string[]): Promise<Row> {
  let lookups = 0;
  const apps: { ctx: Context; close: () => Promise<void>; app: Awaited<ReturnType<typeof buildApp>> }[] = [];
  for (let i = 0; i < instances; i++) {
    const store = createSqliteStore(file);
    // The same store, with its redirect lookups counted.
    const counted: Store = Object.assign(Object.create(store), {
      findTargetByCode: (code: string) => (lookups++, store.findTargetByCode(code)),
    });
    const { ctx, close } = assemble(resolveConfig(loadConfig({ JWT_SECRET: 'x'.repeat(32), LOG_LEVEL: 'silent', RATE_REDIRECT: 'off', ...env })), counted, { log: pino({ level: 'silent' }) });
    apps.push({ ctx, close, app: await buildApp(ctx) });
  }
  const next = zipfSampler(codes.length);
  const redirect = async (i: number) => {
    // app.inject can complete on microtasks alone; yield now and then so timers run (lru-cache reads
    // its clock through one) as they do in a server that is busy with sockets.
    if (i % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const res = await apps[i % instances]!.app.inject({ url: `/${codes[next()]}` });
    if (res.statusCode !== 302) throw new Error(`unexpected ${res.statusCode}`);
  };
  const count = async (level: string, result: string) => {
    let sum = 0;
    for (const { ctx } of apps) sum += (await ctx.metrics.cacheLookups.get()).values.find((v) => v.labels.level === level && v.labels.result === result)?.value ?? 0;
    return sum;
  };
  // Warm up with one pass, then measure a second: the steady state, not the cold start.
  for (let i = 0; i < REDIRECTS; i++) await redirect(i);
  const [l1Before, l2Before, lookupsBefore] = [await count('l1', 'hit'), await count('l2', 'hit'), lookups];
  const start = performance.now();
  for (let i = 0; i < REDIRECTS; i++) await redirect(i);
  const seconds = (performance.now() - start) / 1000;
  const l1 = (await count('l1', 'hit')) - l1Before;
  const l2 = (await count('l2', 'hit')) - l2Before;
  const stored = lookups - lookupsBefore;
  for (const { app, close } of apps) {
    await app.close();
    await close();
  }
  return { config, l1: l1 / REDIRECTS, l2: l2 / REDIRECTS, store: stored / REDIRECTS, perThousand: (stored / REDIRECTS) * 1000, seconds };
}

const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
const file = join(dir, 'kurz.db');
try {
  const store = createSqliteStore(file);
  await store.migrate();
  const codes = await seed(store);
  await store.close();
  const prefix = `kurz-bench-${Date.now()}:`;
  const rows = [
    await run('one instance, in-process L1 only', {}, 1, file, codes),
    await run('one instance, L1 + Redis L2', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `${prefix}a:` }, 1, file, codes),
    await run('two instances, L1 + shared Redis L2', { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `${prefix}b:` }, 2, file, codes),
    await run('one instance, L1 limited to 1,000 entries', { CACHE_L1_MAX_ENTRIES: '1000' }, 1, file, codes),
    await run('one instance, L1 1,000 entries + Redis L2', { CACHE_L1_MAX_ENTRIES: '1000', REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `${prefix}c:` }, 1, file, codes),
  ];
  console.log(`${LINKS} links; ${REDIRECTS} redirects drawn Zipf(s=1) to warm up, then ${REDIRECTS} measured; defaults: L1 TTL 5 s, L2 TTL 1 h, L1 100,000 entries`);
  console.log('| configuration | L1 hits | L2 hits | store lookups | store lookups per 1,000 redirects | seconds |');
  console.log('|---|---|---|---|---|---|');
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const r of rows) console.log(`| ${r.config} | ${pct(r.l1)} | ${pct(r.l2)} | ${pct(r.store)} | ${r.perThousand.toFixed(1)} | ${r.seconds.toFixed(1)} |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
