import type { Logger } from 'pino';
import type { Store } from '../ports.js';
import { logRetriedFailure } from './apply.js';
import { backoffMs } from '../resilience/backoff.js';
import { DAY, HOUR } from '../domain/clicks.js';
import { IDEMPOTENCY_TTL_MS } from '../use-cases/idempotency.js';

export interface CompactionOptions {
  retentionDays: number;
  dedupeDays: number;
  log: Logger;
  /** Before the first run (60 s: start-up has other work). */
  firstDelayMs?: number;
  /** Between runs (an hour). */
  everyMs?: number;
  /** After a failure, the first retry (5 s), doubling up to `everyMs`. */
  retryMs?: number;
}

/**
 * Hourly: fold hourly rollups older than the retention into daily rows, forget the ids of clicks
 * applied longer ago than any redelivery can come, and the Idempotency-Keys older than 24 h. A failed
 * run (the database down or restarting) is retried with backoff rather than an hour later. Returns a function that stops it.
 */
export function startCompaction(store: Store, options: CompactionOptions): () => void {
  const { firstDelayMs = 60_000, everyMs = HOUR, retryMs = 5_000, log } = options;
  // A failed run is not left for the next hour: the database is likely back within seconds.
  const retrying = { firstMs: retryMs, maxMs: everyMs };
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let failures = 0;
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(run, ms).unref();
  };
  const run = async () => {
    const now = Date.now();
    try {
      await store.compactClicks(now - options.retentionDays * DAY, now - options.dedupeDays * DAY);
      // Piggy-backed here, the one hourly job: Idempotency-Keys are kept 24 h (use-cases/idempotency.ts); a
      // claim finds an expired row of its own key and replaces it, so an hour late is never wrong, only kept longer.
      await store.deleteIdempotencyKeysBefore(now - IDEMPOTENCY_TTL_MS);
      if (failures > 0) log.info({ failures }, 'compacting click rollups succeeded again');
      failures = 0;
      schedule(everyMs);
    } catch (err) {
      failures++;
      const retryInMs = backoffMs(retrying, failures);
      logRetriedFailure(log, err, { failures, retryInMs }, 'compacting click rollups failed; will retry');
      schedule(retryInMs);
    }
  };
  schedule(firstDelayMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
