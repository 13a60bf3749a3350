/**
 * What durability costs link creation on SQLite: SQLITE_SYNCHRONOUS=full (the default: an fsync of the
 * WAL per commit) against normal (fsync at checkpoints only), in alternating rounds. wrk runs pinned to
 * one core and Kurz to the other; each round creates links through the API with an API key for
 * `--seconds`, at `--connections` at a time.
 *
 *   npm run build && node --import tsx bench/sqlite-sync.ts [--rounds 3] [--seconds 5] [--connections 20]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startKurz, type Kurz } from './kurz.js';
import { signUp } from './http-scenario.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '20' } } });
const MODES = ['full', 'normal'] as const;
const dir = mkdtempSync(join(tmpdir(), 'kurz-sync-'));
const servers: Kurz[] = [];
try {
  const targets: Record<string, { kurz: Kurz; script: string }> = {};
  for (const mode of MODES) {
    const kurz = await startKurz({ database: join(dir, `${mode}.db`), env: { RATE_API: 'off', RATE_CREATE_LINK: 'off', SQLITE_SYNCHRONOUS: mode } });
    servers.push(kurz);
    const { key } = await signUp(kurz.url, `sync-${mode}@example.com`);
    const script = join(dir, `${mode}.lua`);
    writeFileSync(script, `
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/links", { ["content-type"] = "application/json", ["authorization"] = "Bearer ${key}" },
    '{"url":"https://example.com/sync/' .. n .. '"}')
end`);
    pin(kurz.url, '0');
    targets[mode] = { kurz, script };
  }
  const results: Record<string, number[]> = { full: [], normal: [] };
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const mode of MODES) {
      const { kurz, script } = targets[mode]!;
      const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${values.connections}`, `-d${values.seconds}s`, '-s', script, kurz.url], { encoding: 'utf8' });
      if (/Non-2xx or 3xx responses/.test(out)) throw new Error(`${mode}: some creations failed\n${out}`);
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
      results[mode]!.push(rps);
      console.error(`round ${round}, ${mode}: ${Math.round(rps)} links/s`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log('| SQLITE_SYNCHRONOUS | links/s, median | range | ratio to normal (median of rounds) |');
  console.log('|---|---|---|---|');
  const ratios = results.full!.map((full, i) => full / results.normal![i]!);
  for (const mode of MODES) {
    const xs = results[mode]!;
    console.log(`| ${mode} | ${Math.round(median(xs))} | ${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))} | ${mode === 'full' ? median(ratios).toFixed(2) : '1'} |`);
  }
} finally {
  await Promise.allSettled(servers.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
}

/** Pins every thread of the server listening at `url` to `cores`. */
function pin(url: string, cores: string): void {
  const port = new URL(url).port;
  const pid = execFileSync('sh', ['-c', `ss -Hltnp 'sport = :${port}' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2`], { encoding: 'utf8' }).trim();
  execFileSync('taskset', ['-apc', cores, pid], { stdio: 'ignore' });
}
