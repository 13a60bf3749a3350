import type { Logger } from 'pino';
import type { Metrics } from '../obs/metrics.js';

/** What the log line of an answered request says: the fields of Fastify's request and reply serializers. */
export interface AnsweredLine {
  reqId: string;
  method: string;
  url: string;
  host: string | undefined;
  /** The client's address (behind a trusted proxy, the address it forwarded). */
  remoteAddress: string;
  remotePort: number | undefined;
  statusCode: number;
  /** Milliseconds from the request's arrival to its answer. */
  responseTime: number;
}

/**
 * What every answered request records, in one place for the fast redirect (which answers before
 * Fastify) and for Fastify's onResponse hook: its count and duration by method, route template and
 * status, and its log line (a share of them; every 5xx).
 */
export function answeredRequests(metrics: Metrics, log: Logger) {
  // One pre-bound tally and observer per label set: prom-client hashes labels on every inc() and
  // observe(), which the redirect avoids. Keyed route → method → status, so no key string is built per request.
  type Entry = { count: () => void; observe: (seconds: number) => void };
  const seen = new Map<string, Map<string, Map<number, Entry>>>();
  const entryOf = (method: string, route: string, status: number): Entry => {
    let byMethod = seen.get(route);
    if (!byMethod) seen.set(route, (byMethod = new Map()));
    let byStatus = byMethod.get(method);
    if (!byStatus) byMethod.set(method, (byStatus = new Map()));
    let entry = byStatus.get(status);
    if (!entry) {
      const labels = { method, route, status };
      byStatus.set(status, (entry = { count: metrics.tally(metrics.httpRequests, labels), observe: metrics.httpDuration.observer(labels) }));
    }
    return entry;
  };
  return {
    /** Counts one answer and observes its duration. */
    record(method: string, route: string, status: number, seconds: number): void {
      const entry = entryOf(method, route, status);
      entry.count();
      entry.observe(seconds);
    },
    /** Whether this answer's log line is written: a `share` of them, and every 5xx. Asked first, so an unsampled answer builds no line. */
    logged: (status: number, share: number): boolean => status >= 500 || Math.random() < share,
    /** Writes the line of an answer that `logged` chose. */
    log({ reqId, method, url, host, remoteAddress, remotePort, statusCode, responseTime }: AnsweredLine): void {
      log.info({ reqId, req: { method, url, host, remoteAddress, remotePort }, res: { statusCode }, responseTime }, 'request completed');
    },
  };
}

export type AnsweredRequests = ReturnType<typeof answeredRequests>;
