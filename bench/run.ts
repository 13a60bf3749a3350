/**
 * `npm run bench`: the redirect against its ceiling, in one run, with the same connections and duration.
 * Each server runs in its own process; autocannon runs here. Prints a table and writes bench/results.json.
 *
 *   npm run bench [-- --quick] [--connections 50] [--seconds 10] [--links 100000]
 *
 * Scenarios so far: the ceiling (a bare node:http Map lookup) and Kurz's redirect on the embedded
 * default, clicks recorded, for one hot code and for a Zipf spread over many codes.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startServer, repoRoot } from '../test/e2e/process-helpers.js';
import { seedLinks } from './seed.js';
import { zipfSampler } from './zipf.js';
import { BROWSER } from './http-scenario.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string' },
    links: { type: 'string' },
  },
});
const QUICK = values.quick;
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds ?? (QUICK ? 3 : 10));
const LINKS = Number(values.links ?? (QUICK ? 10_000 : 100_000));

interface Row { scenario: string; workload: string; rps: number; p50: number; p99: number; ratio?: number }

/** Loads `base` with GETs of the codes `pick` chooses; 2 s warm-up first. Every answer must be a 301. */
async function load(base: string, pick: () => string): Promise<Omit<Row, 'scenario' | 'workload'>> {
  const options = {
    url: base,
    connections: CONNECTIONS,
    headers: { 'user-agent': BROWSER },
    requests: [{ setupRequest: (req: { path?: string }) => ({ ...req, path: `/${pick()}` }) }],
  };
  await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: SECONDS });
  const ok = (result.statusCodeStats as Record<string, { count: number }>)['301']?.count ?? 0;
  if (ok < result.requests.total * 0.999) throw new Error(`expected 301s, got ${JSON.stringify(result.statusCodeStats)}`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function ceiling(codesFile: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/ceiling-server.ts', codesFile], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!.setEncoding('utf8'), 'data')) as [string];
  const port = Number(/listening (\d+)/.exec(line)?.[1]);
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const started = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'kurz-bench-'));
const rows: Row[] = [];
try {
  const databaseFile = join(dir, 'kurz.db');
  const codes = await seedLinks(databaseFile, LINKS);
  const codesFile = join(dir, 'codes.txt');
  writeFileSync(codesFile, codes.join('\n'));
  const hot = () => codes[0]!;
  const zipf = zipfSampler(codes.length);
  const spread = () => codes[zipf()]!;
  const workloads = [
    { name: 'one hot code', pick: hot },
    { name: `Zipf(s=1) over ${LINKS.toLocaleString('en')} codes`, pick: spread },
  ];

  const bare = await ceiling(codesFile);
  const ceilings = new Map<string, number>();
  try {
    for (const w of workloads) {
      const r = await load(bare.url, w.pick);
      ceilings.set(w.name, r.rps);
      rows.push({ scenario: 'ceiling: node:http + Map, 301', workload: w.name, ...r });
    }
  } finally {
    bare.stop();
  }

  const kurz = await startServer({ databaseFile, env: { LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off' } });
  try {
    for (const w of workloads) {
      const r = await load(kurz.url, w.pick);
      rows.push({ scenario: 'Kurz, embedded default, clicks recorded', workload: w.name, ...r, ratio: r.rps / ceilings.get(w.name)! });
    }
  } finally {
    await kurz.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const took = (Date.now() - started) / 1000;
console.log(`${CONNECTIONS} connections, ${SECONDS} s per row after a 2 s warm-up${QUICK ? ' (--quick)' : ''}; the run took ${took.toFixed(0)} s`);
console.log('| scenario | workload | requests/s | p50 ms | p99 ms | × ceiling |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.scenario} | ${r.workload} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${r.ratio === undefined ? '1.00' : r.ratio.toFixed(2)} |`);
}
writeFileSync(join(repoRoot, 'bench', 'results.json'), JSON.stringify({ at: new Date().toISOString(), quick: QUICK, connections: CONNECTIONS, seconds: SECONDS, took, rows }, null, 2));
