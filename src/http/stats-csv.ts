import { stringify } from 'csv-stringify/sync';
import { CSV_OPTIONS } from '../use-cases/link-csv.js';
import type { statsJson } from './present.js';

/**
 * A link's stats as one CSV table, `table,value,clicks`, for a spreadsheet to pivot: a row `total`, then
 * one row per entry of each table of the JSON stats, named as there (series: value is the bucket's
 * RFC 3339 start; destinations: the URL; rules: the rule's index, empty for visits no rule decided).
 */
export function statsCsv(stats: ReturnType<typeof statsJson>): string {
  const rows: string[][] = [['table', 'value', 'clicks'], ['total', '', String(stats.total)]];
  const table = <E extends { clicks: number }>(name: string, entries: readonly E[], value: (entry: E) => string) => {
    for (const entry of entries) rows.push([name, value(entry), String(entry.clicks)]);
  };
  table('series', stats.series, (p) => p.t);
  for (const name of ['referrers', 'countries', 'browsers', 'os', 'devices'] as const) table(name, stats[name], (e) => e.value);
  table('destinations', stats.destinations, (d) => d.url);
  table('rules', stats.rules, (r) => (r.rule === null ? '' : String(r.rule)));
  return stringify(rows, CSV_OPTIONS);
}
