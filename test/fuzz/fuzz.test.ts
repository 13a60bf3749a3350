/**
 * The CI-sized fuzz run (FUZZ_RUNS, default 2,000 requests per store); `npm run fuzz` runs 100,000.
 * Every answer below 500 and documented, and a rejected request changes no row.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { fuzz, watchWrites } from './fuzz.js';
import { createTestApp, signUpAndIn } from '../support/app.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
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

for (const dialect of DIALECTS) {
  test(`when a request writes a row on ${dialect}, then the fuzzer's write watch reports its table; a refused one reports nothing`, async () => {
    const t = await createTestApp(dialect);
    try {
      const caller = await signUpAndIn(t.app);
      const writes = await watchWrites((t.ctx.store as unknown as KyselyStore).db as unknown as Kysely<unknown>, dialect);
      const created = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url: 'https://example.com/w' } });
      assert.equal(created.statusCode, 201);
      assert.ok((await writes()).includes('insert links'));
      const refused = await t.app.inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url: 'ftp://x/' } });
      assert.equal(refused.statusCode, 400);
      assert.deepEqual(await writes(), []);
    } finally {
      await t.close();
    }
  });
}
