import type { Logger } from 'pino';
import { StoreUnavailable, type Store } from '../ports.js';
import type { Metrics } from '../obs/metrics.js';
import { groupClicks, type ClickEvent } from '../domain/clicks.js';
import { parseClick } from './parse.js';
import { newId } from '../domain/ids.js';
import { noTracing, type Tracing } from '../obs/tracing.js';

/**
 * parse → apply once → count: the worker's step for one batch, whoever delivers it (the in-process
 * buffer or a Redis Streams consumer). Idempotent: the events under one key (a stream entry's, or
 * `batchId` for events without one) are counted once however often they are delivered.
 */
export function clickApplier(store: Store, metrics: Metrics, now: () => number = Date.now, tracing: Tracing = noTracing) {
  const applyBatch = async (batch: readonly ClickEvent[], batchId: string): Promise<void> => {
    const applied = await store.applyClicks(groupClicks(batch).map(({ event, n }) => parseClick(event, n)), batchId);
    metrics.clickEvents.inc({ outcome: 'applied' }, applied);
    if (applied < batch.length) metrics.clickEvents.inc({ outcome: 'duplicate' }, batch.length - applied);
    metrics.clickQueueLag.set(Math.max(0, now() - oldest(batch)) / 1000);
  };
  return async (batch: readonly ClickEvent[], batchId = newId(now())): Promise<void> => {
    if (batch.length === 0) return;
    if (!tracing.enabled) return applyBatch(batch, batchId);
    // A span of the batch: a child of the first traced click's request, linked to every traced click's.
    const traces = tracesOf(batch);
    return tracing.span('clicks apply', { 'messaging.batch.message_count': batch.length }, () => applyBatch(batch, batchId), { parent: traces[0], links: traces, kind: 'consumer' });
  };
}

/** The distinct traceparents the clicks of a batch carry, in order. */
function tracesOf(batch: readonly ClickEvent[]): string[] {
  const traces = new Set<string>();
  for (const e of batch) if (e.trace) traces.add(e.trace);
  return [...traces];
}

/**
 * Logs work on the store that failed and will be retried: a warning while the store is away (the
 * store logs each outage once), an error with its stack for anything else, which may be a bug.
 */
export function logRetriedFailure(log: Logger, err: unknown, context: object, msg: string): void {
  if (err instanceof StoreUnavailable) log.warn({ ...context, reason: err.message }, msg);
  else log.error({ err, ...context }, msg);
}

/** The earliest click of a batch (a loop: spreading 20,000 arguments into Math.min overflows the stack). */
function oldest(batch: readonly ClickEvent[]): number {
  let at = Infinity;
  for (const e of batch) if (e.at < at) at = e.at;
  return at;
}
