/**
 * What the bench's answer check costs wrk: the ceiling server (bench/ceiling-server.ts) loaded by
 * bench/wrk/workload.lua with its response() callback (status, x-request-id, Location of every answer)
 * and without it (wrk then parses no headers; only its count of 4xx/5xx answers is left), alternating,
 * `--rounds` times each, on the hot code and on Zipf. If the callback made wrk the bottleneck, the
 * ceiling's requests/s would drop with it.
 *
 *   node --import tsx bench/check-cost.ts [--rounds 3] [--seconds 5] [--connections 50]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { drive, ensureWrk, median, pinningNote, redirects } from './load.js';
import { startCeiling } from './scenarios.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '50' } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

ensureWrk();
const dir = mkdtempSync(join(tmpdir(), 'kurz-check-cost-'));
const codesFile = join(dir, 'codes.txt');
writeFileSync(codesFile, Array.from({ length: 100_000 }, (_, i) => `b${i.toString(36).padStart(7, '0')}`).join('\n'));
const ceiling = await startCeiling(codesFile);
try {
  console.log(`${pinningNote}; ${connections} connections, ${rounds} rounds of ${seconds} s each way, alternating`);
  console.log('| workload | with response() req/s | without req/s | with / without (median, min–max) |');
  console.log('|---|---|---|---|');
  for (const w of [redirects('one hot code', 'hot', codesFile), redirects('Zipf(s=1) over 100,000 codes', 'zipf', codesFile, 100_000)]) {
    await drive(ceiling.url, w, connections, 2); // warm-up
    const withCheck: number[] = [];
    const without: number[] = [];
    for (let round = 0; round < rounds; round++) {
      withCheck.push((await drive(ceiling.url, w, connections, seconds)).rps);
      without.push((await drive(ceiling.url, w, connections, seconds, { check: false })).rps);
    }
    const ratios = withCheck.map((x, i) => x / without[i]!);
    const list = (xs: number[]) => xs.map((x) => Math.round(x)).join(', ');
    console.log(`| ${w.name} | ${list(withCheck)} | ${list(without)} | ${median(ratios).toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) |`);
  }
} finally {
  ceiling.stop();
  rmSync(dir, { recursive: true, force: true });
}
