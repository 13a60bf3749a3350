import type { ClickQueue } from '../../ports.js';
import type { Tracing } from '../../obs/tracing.js';

/**
 * The click queue with tracing on: each click recorded inside a sampled request carries that request's
 * traceparent (ClickEvent.trace) through the stream or the in-process buffer to the batch that applies
 * it. compose.ts puts it in front of the queue only when tracing is on, so the redirect pays nothing otherwise.
 */
export function tracedClicks(queue: ClickQueue, tracing: Tracing): ClickQueue {
  return {
    enqueue(event) {
      const trace = tracing.traceparent();
      queue.enqueue(trace ? { ...event, trace } : event);
    },
    flush: () => queue.flush(),
    close: () => queue.close(),
  };
}
