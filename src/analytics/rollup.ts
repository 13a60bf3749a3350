import type { ParsedClick } from './parse.js';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** The attributes a click is counted by, besides its link, hour and bot-ness; the stats break down by each. */
export const DIMENSIONS = ['referrer', 'country', 'browser', 'os', 'device'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * The clicks of one link in one hour (or, once folded, one day) that are alike in bot-ness and in
 * every dimension. One row per combination, not one per dimension: a click costs one row write, and
 * any breakdown is a GROUP BY of one column.
 */
export interface CountRow extends Record<Dimension, string> {
  linkId: string;
  /** Start of the hour (or, once folded, of the day), epoch ms UTC. */
  bucket: number;
  bot: boolean;
  clicks: number;
}

export const bucketOf = (at: number, size = HOUR): number => at - (at % size);

/** Sums a batch of clicks into count rows: per link, hour, bot-ness and combination of dimension values. */
export function countClicks(clicks: readonly ParsedClick[]): CountRow[] {
  const rows = new Map<string, CountRow>();
  for (const c of clicks) {
    const bucket = bucketOf(c.at);
    const key = `${c.linkId}\u0000${bucket}\u0000${c.bot}\u0000${c.referrer}\u0000${c.country}\u0000${c.browser}\u0000${c.os}\u0000${c.device}`;
    const row = rows.get(key);
    if (row) row.clicks++;
    else {
      const { linkId, bot, referrer, country, browser, os, device } = c;
      rows.set(key, { linkId, bucket, bot, referrer, country, browser, os, device, clicks: 1 });
    }
  }
  return [...rows.values()];
}

/** Clicks per link that links.clicks does not have yet (limited links were counted by the redirect). */
export function uncountedPerLink(clicks: readonly ParsedClick[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of clicks) if (!c.counted) counts.set(c.linkId, (counts.get(c.linkId) ?? 0) + 1);
  return counts;
}
