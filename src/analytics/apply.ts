import type { Store } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import type { ClickEvent } from './click-event.js';
import { parseClick } from './parse.js';

/**
 * parse → apply once → count: the worker's step for one batch, whoever delivers it (the in-process
 * buffer or a Redis Streams consumer). Idempotent: a batch delivered twice is counted once.
 */
export function clickApplier(store: Store, metrics: Metrics, now: () => number = Date.now) {
  return async (batch: readonly ClickEvent[]): Promise<void> => {
    if (batch.length === 0) return;
    const applied = await store.applyClicks(batch.map(parseClick));
    metrics.clickEvents.inc({ outcome: 'applied' }, applied);
    if (applied < batch.length) metrics.clickEvents.inc({ outcome: 'duplicate' }, batch.length - applied);
    metrics.clickQueueLag.set(Math.max(0, now() - Math.min(...batch.map((e) => e.at))) / 1000);
  };
}
