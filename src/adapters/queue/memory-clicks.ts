import type { FastifyBaseLogger } from 'fastify';
import type { ClickQueue, Store } from '../../ports.js';
import type { Metrics } from '../../obs/metrics.js';
import { jitter } from '../../resilience/jitter.js';

const MAX_BACKOFF_MS = 30_000;

/**
 * Clicks counted in memory (link id → count) and written to the store in one transaction every
 * `flushMs`. A failed write keeps the counts and retries with exponential backoff and jitter; close()
 * writes what is left, so a graceful shutdown loses nothing.
 */
export class MemoryClickQueue implements ClickQueue {
  private counts = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** The latest write; writes run one after another, so counts are never written twice or out of order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly options: { flushMs: number; metrics: Metrics; log: FastifyBaseLogger },
  ) {
    this.schedule(options.flushMs);
  }

  enqueue(linkId: string): void {
    this.counts.set(linkId, (this.counts.get(linkId) ?? 0) + 1);
  }

  /** Writes every click recorded before the call (after any write already under way). */
  flush(): Promise<void> {
    this.writing = this.writing.catch(() => {}).then(() => this.write());
    return this.writing;
  }

  /** Stops the timer and writes what is left, retrying a few times if the store is briefly away. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.flush();
      } catch (err) {
        if (attempt === 4) throw err;
        await new Promise((resolve) => setTimeout(resolve, jitter(200 * 2 ** attempt)));
      }
    }
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0) return;
    const batch = this.counts;
    this.counts = new Map();
    try {
      await this.store.addClicks(batch);
      this.failures = 0;
      let total = 0;
      for (const n of batch.values()) total += n;
      this.options.metrics.clicksFlushed.inc(total);
    } catch (err) {
      // Put the batch back (merged with clicks that came meanwhile) and let the timer retry later.
      for (const [id, n] of batch) this.counts.set(id, (this.counts.get(id) ?? 0) + n);
      this.failures++;
      this.options.metrics.clickFlushFailures.inc();
      this.options.log.error({ err, links: this.counts.size, failures: this.failures }, 'writing clicks failed; will retry');
      throw err;
    }
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(async () => {
      await this.flush().catch(() => {});
      if (this.timer === undefined) return; // closed meanwhile
      const backoff = this.failures === 0 ? this.options.flushMs : Math.min(this.options.flushMs * 2 ** this.failures, MAX_BACKOFF_MS);
      this.schedule(jitter(backoff));
    }, delayMs);
    this.timer.unref();
  }
}
