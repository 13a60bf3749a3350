/**
 * The CI-sized fuzz run (FUZZ_RUNS, default 2,000 requests per store); `npm run fuzz` runs 100,000.
 * Every answer below 500 and documented, and a rejected request changes no row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from './fuzz.js';
import { DIALECTS } from '../support/stores.js';

const runs = Number(process.env.FUZZ_RUNS ?? 2_000);

for (const dialect of DIALECTS) {
  test(`when ${runs} generated and hostile requests hit every operation on ${dialect}, then none is a 5xx or undocumented, and none rejected changes a row`, async () => {
    // A new seed each run explores further over time; a finding prints it, so FUZZ_SEED replays it.
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    const report = await fuzz(dialect, { runs, seed });
    const lines = report.findings.slice(0, 20).map((f) => `${f.kind} ${f.status} ${f.request.method} ${f.request.url.slice(0, 120)} ${JSON.stringify(String(f.request.payload ?? '').slice(0, 120))} → ${f.detail.slice(0, 200)}`);
    assert.equal(report.findings.length, 0, `${report.findings.length} finding(s) (replay with FUZZ_SEED=${seed}):\n${lines.join('\n')}`);
    assert.ok(report.requests > runs / 2, `${report.requests} requests sent`);
  });
}
