import type { Metrics } from '../obs/metrics.js';

/**
 * What every answered request records, in one place for the fast redirect (which answers before
 * Fastify) and for Fastify's onResponse hook: its count and duration by method, route template and
 * status, and whether its log line is written (a share of them; every 5xx).
 */
export function answeredRequests(metrics: Metrics) {
  // One pre-bound tally per label set: prom-client hashes labels on every inc(), which the redirect
  // avoids. Keyed route → method → status, so no key string is built per request.
  type Entry = { count: () => void; labels: { method: string; route: string; status: number } };
  const seen = new Map<string, Map<string, Map<number, Entry>>>();
  const entryOf = (method: string, route: string, status: number): Entry => {
    let byMethod = seen.get(route);
    if (!byMethod) seen.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let entry = byStatus.get(status);
    if (!entry) {
      const labels = { method, route, status };
      byStatus.set(status, (entry = { count: metrics.tally(metrics.httpRequests, labels), labels }));
    }
    return entry;
  };
  return {
    /** Counts one answer and observes its duration. */
    record(method: string, route: string, status: number, seconds: number): void {
      const entry = entryOf(method, route, status);
      entry.count();
      metrics.httpDuration.observe(entry.labels, seconds);
    },
    /** Whether this answer's log line is written: a `share` of them, and every 5xx. */
    logged: (status: number, share: number): boolean => status >= 500 || Math.random() < share,
  };
}

export type AnsweredRequests = ReturnType<typeof answeredRequests>;
