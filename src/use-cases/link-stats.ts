import { invalid } from '../domain/errors.js';
import { DAY, HOUR, bucketOf } from '../domain/clicks.js';
import type { ClickStats, ClickStore } from '../ports.js';
import type { Actor } from './actor.js';
import { getLink, type LinkDeps } from './links.js';

/** What the stats use case uses, besides the link store through getLink. */
export interface StatsDeps {
  /** The click rollups. */
  store: ClickStore;
  /** Epoch milliseconds: the end of a range that names none. */
  clock: () => number;
}

export interface StatsRequest {
  from?: number;
  to?: number;
  interval: 'hour' | 'day';
  includeBots: boolean;
}

const MAX_POINTS = 1000;

/** owner or admin → range → rollups → a series with every bucket of the range, zeros included. */
export async function linkStats(deps: StatsDeps & Pick<LinkDeps, 'store'>, actor: Actor, linkId: string, request: StatsRequest): Promise<ClickStats> {
  await getLink(deps, actor, linkId);
  const size = request.interval === 'day' ? DAY : HOUR;
  const to = request.to ?? deps.clock();
  const from = request.from ?? to - 7 * DAY;
  if (from >= to) throw invalid('from', 'must be before to');
  const first = bucketOf(from, size);
  if ((to - first) / size > MAX_POINTS) {
    throw invalid('from', `the range holds more than ${MAX_POINTS} ${request.interval}s; narrow it or use a longer interval`);
  }
  const stats = await deps.store.clickStats({ linkId, from: first, to, interval: request.interval, includeBots: request.includeBots });
  const byBucket = new Map(stats.series.map((p) => [p.t, p.clicks]));
  const series = [];
  for (let t = first; t < to; t += size) series.push({ t, clicks: byBucket.get(t) ?? 0 });
  return { ...stats, series };
}
