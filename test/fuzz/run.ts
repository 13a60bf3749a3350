/**
 * npm run fuzz: FUZZ_RUNS requests (default 100,000) per store, SQLite then PostgreSQL, FUZZ_SEED to
 * replay a run. Prints what it found, grouped, with a few example requests each; exits 1 on any finding.
 */
import { fuzz, type Finding, type FuzzReport } from './fuzz.js';
import { DIALECTS } from '../support/stores.js';

const runs = Number(process.env.FUZZ_RUNS ?? 100_000);
const seed = Number(process.env.FUZZ_SEED ?? 42);
const only = process.env.FUZZ_STORE;
let failed = false;
for (const dialect of DIALECTS.filter((d) => !only || d === only)) {
  const report: FuzzReport = await fuzz(dialect, { runs, seed, progress: (n) => process.stderr.write(`\r${dialect}: ${n} requests`) });
  process.stderr.write('\n');
  console.log(`${dialect}: ${report.requests} requests in ${(report.ms / 1000).toFixed(1)} s; statuses ${JSON.stringify(report.byStatus)}; ${report.findings.length} finding(s)`);
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const key = `${f.kind} ${f.status} ${f.request.operation}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  for (const [key, findings] of groups) {
    console.log(`  ${findings.length} × ${key}`);
    for (const f of findings.slice(0, 3)) {
      const payload = f.request.payload === undefined ? '' : ` body ${JSON.stringify(typeof f.request.payload === 'string' ? f.request.payload.slice(0, 160) : `<bytes ${f.request.payload.toString('hex')}>`)}`;
      console.log(`      ${f.request.method} ${f.request.url.slice(0, 160)} ${JSON.stringify(f.request.headers['content-type'] ?? '')}${payload}\n        → ${f.detail.slice(0, 300)}`);
    }
  }
  failed ||= report.findings.length > 0;
}
process.exit(failed ? 1 : 0);
