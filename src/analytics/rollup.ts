import type { ParsedClick } from './parse.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** What a rollup row counts: every click (total) or the clicks with one value of one attribute. */
export const DIMENSIONS = ['total', 'referrer', 'country', 'browser', 'os', 'device'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface RollupRow {
  linkId: string;
  /** Start of the hour (or, once folded, of the day), epoch ms UTC. */
  bucket: number;
  dimension: Dimension;
  /** '' for total. */
  value: string;
  bot: boolean;
  clicks: number;
}

export const bucketOf = (at: number, size = HOUR): number => at - (at % size);

/**
 * Sums a batch of clicks into rollup rows: per link, hour, bot-ness, and for each dimension its value.
 * Each click adds one to the total row and one to a row of every other dimension. Clicks alike in
 * every attribute are counted together first, so a batch costs one key per click, not six.
 */
export function rollUp(clicks: readonly ParsedClick[]): RollupRow[] {
  const alike = new Map<string, { click: ParsedClick; n: number }>();
  for (const c of clicks) {
    const key = `${c.linkId}\u0000${bucketOf(c.at)}\u0000${c.bot}\u0000${c.referrer}\u0000${c.country}\u0000${c.browser}\u0000${c.os}\u0000${c.device}`;
    const group = alike.get(key);
    if (group) group.n++;
    else alike.set(key, { click: c, n: 1 });
  }
  const rows = new Map<string, RollupRow>();
  const add = (c: ParsedClick, n: number, dimension: Dimension, value: string) => {
    const bucket = bucketOf(c.at);
    const key = `${c.linkId}\u0000${bucket}\u0000${dimension}\u0000${value}\u0000${c.bot}`;
    const row = rows.get(key);
    if (row) row.clicks += n;
    else rows.set(key, { linkId: c.linkId, bucket, dimension, value, bot: c.bot, clicks: n });
  };
  for (const { click: c, n } of alike.values()) {
    add(c, n, 'total', '');
    add(c, n, 'referrer', c.referrer);
    add(c, n, 'country', c.country);
    add(c, n, 'browser', c.browser);
    add(c, n, 'os', c.os);
    add(c, n, 'device', c.device);
  }
  return [...rows.values()];
}

/** Clicks per link that links.clicks does not have yet (limited links were counted by the redirect). */
export function uncountedPerLink(clicks: readonly ParsedClick[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of clicks) if (!c.counted) counts.set(c.linkId, (counts.get(c.linkId) ?? 0) + 1);
  return counts;
}
