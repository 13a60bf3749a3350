/**
 * Why `npm start` runs node with --max-semi-space-size=32: the hot-code redirect with V8's default young
 * generation and with a 32 MB semi-space, alternately, twice: requests/s, p99 and peak RSS of each.
 *
 *   node --import tsx bench/young-generation.ts   (build first: npm run build)
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../test/e2e/process-helpers.js';
import { drive, pin, redirects } from './load.js';
import { seedLinks } from './seed.js';

const peakMb = (pid: number) => Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const dir = mkdtempSync(join(tmpdir(), 'kurz-young-'));
try {
  const databaseFile = join(dir, 'kurz.db');
  const codesFile = join(dir, 'codes.txt');
  writeFileSync(codesFile, (await seedLinks(databaseFile, 1_000)).join('\n'));
  const hot = redirects('one hot code', 'hot', codesFile);
  for (const round of [1, 2]) {
    for (const flags of [[], ['--max-semi-space-size=32']]) {
      const server = await startServer({ databaseFile, built: true, nodeArgs: flags, env: { LOG_REQUESTS: '0', RATE_REDIRECT: '1000000000:1000000000', RATE_NOT_FOUND: 'off' } });
      pin([server.pid]);
      await drive(server.url, hot, 50, 3); // warm-up, not measured
      writeFileSync(`/proc/${server.pid}/clear_refs`, '5'); // the peak from here on
      const m = await drive(server.url, hot, 50, 10);
      console.log(`round ${round}, ${flags.join(' ') || 'V8 default'}: ${Math.round(m.rps)} req/s, p99 ${m.p99.toFixed(1)} ms, peak RSS ${peakMb(server.pid).toFixed(0)} MB`);
      await server.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
