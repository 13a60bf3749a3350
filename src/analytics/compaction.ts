import type { Logger } from 'pino';
import type { Store } from '../ports.js';
import { DAY, HOUR } from './rollup.js';

/**
 * Hourly: fold hourly rollups older than the retention into daily rows, and forget the ids of clicks
 * applied longer ago than any redelivery can come. Returns a function that stops it.
 */
export function startCompaction(store: Store, options: { retentionDays: number; dedupeDays: number; log: Logger }): () => void {
  const run = async () => {
    const now = Date.now();
    try {
      await store.compactClicks(now - options.retentionDays * DAY, now - options.dedupeDays * DAY);
    } catch (err) {
      options.log.error({ err }, 'compacting click rollups failed; will try again in an hour');
    }
  };
  const first = setTimeout(run, 60_000).unref();
  const every = setInterval(run, HOUR).unref();
  return () => {
    clearTimeout(first);
    clearInterval(every);
  };
}
