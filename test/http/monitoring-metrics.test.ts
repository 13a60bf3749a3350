/**
 * The dashboard and the alert rules ask only for metrics Kurz exports: every metric name their PromQL
 * uses is a series of a running app's /metrics after some traffic (with Redis, so its cache level,
 * breaker and latency are there), or a recording rule of the rules file, or Prometheus's own `up`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, signUpAndIn } from '../support/app.js';
import { TEST_REDIS_URL, assertRedisUp, deletePrefix, uniquePrefix } from '../support/redis.js';
import { DASHBOARD_FILE, RULES_FILE, dashboardExpressions, metricNames, rules } from '../support/monitoring.js';

/** Series Prometheus makes itself for every target it scrapes. */
const SCRAPE_SERIES = new Set(['up']);

/** The names of the series in a Prometheus text exposition. */
const seriesNames = (exposition: string): Set<string> =>
  new Set(exposition.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(line)![0]));

test('when an app with Redis has served redirects, API calls and clicks, then every metric the dashboard and the rules use is in its /metrics', { timeout: 60_000 }, async () => {
  await assertRedisUp();
  const prefix = uniquePrefix();
  const { app, close } = await createTestApp('sqlite', {
    env: { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, RATE_REDIRECT: '600:100', CLICK_FLUSH_MS: '50', CDN_MAX_AGE_SECONDS: '60', CDN_PURGE_URL: 'http://127.0.0.1:9/purge' },
  });
  try {
    const caller = await signUpAndIn(app);
    const created = await app.inject({ method: 'POST', url: '/api/v1/links', headers: caller.auth, payload: { url: 'https://example.com/metrics' } });
    assert.equal(created.statusCode, 201, created.body);
    const { code, id } = created.json() as { code: string; id: string };
    for (let i = 0; i < 3; i++) assert.equal((await app.inject({ url: `/${code}` })).statusCode, 302);
    assert.equal((await app.inject({ url: '/nothing-here-1' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    // The clicks went through the Redis stream to the in-process consumer: applied once counted.
    for (let tries = 0; ; tries++) {
      const link = await app.inject({ url: `/api/v1/links/${id}`, headers: caller.auth });
      if (link.json().clicks === 3) break;
      assert.ok(tries < 200, `clicks applied: ${link.body}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const exported = seriesNames((await app.inject({ url: '/metrics' })).body);
    const recorded = new Set(rules().flatMap((rule) => (rule.record ? [rule.record] : [])));

    const used = [
      ...dashboardExpressions().map((expr) => ({ expr, file: DASHBOARD_FILE })),
      ...rules().map((rule) => ({ expr: rule.expr, file: RULES_FILE })),
    ].flatMap(({ expr, file }) => metricNames(expr).map((name) => ({ name, file, expr })));
    assert.ok(used.length > 40, `the files use metrics (${used.length} uses read)`);
    const unknown = used.filter(({ name }) => !exported.has(name) && !recorded.has(name) && !SCRAPE_SERIES.has(name));
    assert.deepEqual(unknown, [], 'names that Kurz does not export');
    // And the files cover what an operator needs from each family Kurz exports.
    const names = new Set(used.map(({ name }) => name));
    for (const family of ['http_request_duration_seconds_bucket', 'kurz_cache_lookups_total', 'kurz_click_queue_lag_seconds', 'kurz_click_stream_unconfirmed_events',
      'kurz_circuit_breaker_state', 'kurz_rate_limit_decisions_total', 'kurz_redis_command_duration_seconds_bucket', 'kurz_click_apply_seconds_bucket',
      'process_resident_memory_bytes', 'nodejs_eventloop_lag_p99_seconds']) {
      assert.ok(names.has(family), `${family} is used`);
    }
  } finally {
    await close();
    await deletePrefix(TEST_REDIS_URL, prefix);
  }
});
