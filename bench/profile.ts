/**
 * CPU profile of the redirect under load: starts Kurz (embedded default, clicks recorded) under
 * `node --cpu-prof`, pinned to core 0, loads it with wrk on core 1 (bench/load.ts, 50 connections),
 * stops it, and prints where the CPU went: self time by function and by package. The .cpuprofile is
 * kept for a flame graph (Chrome DevTools, speedscope).
 *
 *   node --import tsx bench/profile.ts [--workload hot|zipf|create|routed] [--seconds 10] [--links 10000] [--out dir] [--env K=V …]
 */
import { mkdtempSync, readdirSync, readFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startServer } from '../test/e2e/process-helpers.js';
import { seedLinks, seedRoutedLink } from './seed.js';
import { build } from './targets.js';
import { creations } from './scenarios.js';
import { drive, ensureWrk, pin, redirects } from './load.js';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: 'hot' },
    seconds: { type: 'string', default: '10' },
    links: { type: 'string', default: '10000' },
    out: { type: 'string', default: 'bench/profiles' },
    env: { type: 'string', multiple: true, default: [] },
  },
});

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

ensureWrk();
await build();
const dir = mkdtempSync(join(tmpdir(), 'kurz-profile-'));
const codesFile = join(dir, 'codes.txt');
writeFileSync(codesFile, (await seedLinks(join(dir, 'kurz.db'), Number(values.links))).join('\n'));
// The link with three routing rules (bench/seed.ts), for --workload routed.
const routedFile = join(dir, 'routed.txt');
writeFileSync(routedFile, await seedRoutedLink(join(dir, 'kurz.db')));
const env = Object.fromEntries(values.env.map((kv) => kv.split('=') as [string, string]));
const kurz = await startServer({
  databaseFile: join(dir, 'kurz.db'),
  env: { LOG_REQUESTS: '0', RATE_REDIRECT: 'off', RATE_NOT_FOUND: 'off', RATE_API: 'off', RATE_CREATE_LINK: 'off', ...env },
  // dist/ as it ships, not src/ under tsx (whose module hooks would take a tenth of the profile).
  built: true,
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', join(dir, 'prof')],
});
pin([kurz.pid]);
const workload = values.workload === 'create'
  ? await creations(kurz.url)
  : values.workload === 'zipf'
    ? redirects('Zipf(s=1)', 'zipf', codesFile, Number(values.links))
    : values.workload === 'routed'
      ? redirects('one hot code with three rules', 'hot', routedFile, undefined, undefined, 'en-US,en;q=0.9')
      : redirects('one hot code', 'hot', codesFile);
const result = await drive(kurz.url, workload, 50, Number(values.seconds));
await kurz.stop();
console.log(`${values.workload}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms (wrk, 50 connections)`);

const file = readdirSync(join(dir, 'prof')).find((f) => f.endsWith('.cpuprofile'))!;
mkdirSync(values.out, { recursive: true });
const kept = resolve(values.out, `${values.workload}-${Date.now()}.cpuprofile`);
copyFileSync(join(dir, 'prof', file), kept);
const profile = JSON.parse(readFileSync(kept, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);

const place = (n: ProfileNode) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const kurz = /\/(?:src|dist)\/(.*)$/.exec(url)?.[1];
  if (kurz) return `kurz:${kurz}`;
  return url.startsWith('node:') ? url : url ? 'other' : `(${n.callFrame.functionName || 'native'})`;
};
const tally = (key: (n: ProfileNode) => string) => {
  const sums = new Map<string, number>();
  for (const [id, t] of self) {
    const k = key(byId.get(id)!);
    sums.set(k, (sums.get(k) ?? 0) + t);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, 25);
};
const print = (title: string, rows: [string, number][]) => {
  console.log(`\n${title}`);
  for (const [k, t] of rows) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
};
print('self time by package or file', tally(place));
print('self time by function', tally((n) => `${n.callFrame.functionName || '(anonymous)'}  ${place(n)}:${n.callFrame.lineNumber + 1}`));
console.log(`\nprofile: ${kept}`);
