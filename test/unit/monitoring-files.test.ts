/**
 * The alert rules checked by Prometheus's own promtool (Debian's package prometheus, which .ci/run
 * installs): the file is valid, and its unit tests (deploy/prometheus/kurz-rules.test.yml) pass,
 * with every alert firing on a synthetic series and silent on a healthy job.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { RULES_FILE, RULES_TEST_FILE, dashboardExpressions, metricNames, rules } from '../support/monitoring.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run.error, undefined, 'promtool runs (apt-get install prometheus)');
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

test('when promtool checks the rules file, then it is valid', () => {
  const run = promtool('check', 'rules', RULES_FILE);
  assert.equal(run.status, 0, run.output);
  assert.match(run.output, new RegExp(`SUCCESS: ${rules().length} rules found`));
});

test('when promtool runs the rules\' unit tests, then every alert fires on its synthetic series and no other', () => {
  const run = promtool('test', 'rules', RULES_TEST_FILE);
  assert.equal(run.status, 0, run.output);
  assert.match(run.output, /SUCCESS/);
});

test('when the rules\' unit tests are read, then each alert has a test where it fires and is checked silent on the healthy job', () => {
  type AlertTest = { alertname: string; exp_alerts: unknown[] };
  const file = parse(readFileSync(new URL(`../../${RULES_TEST_FILE}`, import.meta.url), 'utf8')) as { tests: { name: string; alert_rule_test?: AlertTest[] }[] };
  const healthy = file.tests.find((t) => t.name === 'healthy')!.alert_rule_test!;
  const fired = file.tests.filter((t) => t.name !== 'healthy').flatMap((t) => t.alert_rule_test ?? []);
  for (const alert of rules().flatMap((rule) => (rule.alert ? [rule.alert] : []))) {
    assert.ok(healthy.some((t) => t.alertname === alert && t.exp_alerts.length === 0), `${alert} is checked silent on the healthy job`);
    assert.ok(fired.some((t) => t.alertname === alert && t.exp_alerts.length > 0), `${alert} has a test where it fires`);
  }
});

test('when the dashboard\'s queries are given to promtool as recording rules, then every one parses as PromQL', () => {
  // Grafana's variables stand for a range and a regular expression; promtool needs them filled in.
  const exprs = dashboardExpressions().map((expr) => expr.replaceAll('$__rate_interval', '5m').replaceAll('$instance', '.*'));
  const dir = mkdtempSync(join(tmpdir(), 'kurz-dashboard-'));
  try {
    const file = join(dir, 'dashboard-rules.yml');
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query:${i}`, expr })) }] }));
    const run = promtool('check', 'rules', file);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('when metric names are read from PromQL, then label matchers, ranges, grouping and functions are left out', () => {
  assert.deepEqual(
    metricNames('histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{job="kurz", route!="/:code"}[$__rate_interval])))'),
    ['http_request_duration_seconds_bucket'],
  );
  assert.deepEqual(metricNames('kurz:redirect_errors:ratio_rate1h > (14.4 * 0.001) and up{job="kurz"} == 0'), ['kurz:redirect_errors:ratio_rate1h', 'up']);
  assert.deepEqual(metricNames('sum(rate(a_total{x="or (b)"}[5m])) / sum without (c) (rate(b_total[5m])) unless on (d) c_bytes'), ['a_total', 'b_total', 'c_bytes']);
});
