/**
 * The monitoring files (deploy/grafana/kurz-dashboard.json, deploy/prometheus/kurz-rules.yml) read
 * back: their PromQL expressions, the metric names those use, the alerts and recording rules.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export const RULES_FILE = 'deploy/prometheus/kurz-rules.yml';
export const RULES_TEST_FILE = 'deploy/prometheus/kurz-rules.test.yml';
export const DASHBOARD_FILE = 'deploy/grafana/kurz-dashboard.json';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
}

/** Every rule of the rules file, recording and alerting. */
export function rules(): Rule[] {
  const file = parse(read(RULES_FILE)) as { groups: { rules: Rule[] }[] };
  return file.groups.flatMap((group) => group.rules);
}

/** Every PromQL expression of the dashboard: its panels' targets and its variables' queries. */
export function dashboardExpressions(): string[] {
  type Panel = { targets?: { expr: string }[]; panels?: Panel[] };
  const dashboard = JSON.parse(read(DASHBOARD_FILE)) as { panels: Panel[]; templating: { list: { definition?: string }[] } };
  const targets = (panels: Panel[]): string[] => panels.flatMap((p) => [...(p.targets ?? []).map((t) => t.expr), ...targets(p.panels ?? [])]);
  const variables = dashboard.templating.list.flatMap((v) => {
    // label_values(metric{…}, label): the metric is the first argument, the label is no metric.
    const match = /^label_values\(([^,]+),/.exec(v.definition ?? '');
    return match ? [match[1]!] : [];
  });
  return [...targets(dashboard.panels), ...variables];
}

/** PromQL's keywords and aggregation words that read like metric names outside parentheses. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/**
 * The metric names one PromQL expression selects: label matchers, strings, ranges and grouping
 * clauses removed, then every identifier that is not a function call or a keyword.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*(?![A-Za-z0-9_:]|\s*\()/g)].map((m) => m[0]);
  return [...new Set(names.filter((name) => !KEYWORDS.has(name.toLowerCase())))];
}
