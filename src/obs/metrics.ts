import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from 'prom-client';
import { HotHistogram } from './hot-histogram.js';

/** One registry per app (not prom-client's global), so tests can build many apps in one process. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const http = ['method', 'route', 'status'] as const;
  // Tallies are added to their counters whenever any of these counters is read (a scrape, a test).
  const tallies: (() => void)[] = [];
  const collect = () => tallies.forEach((flush) => flush());
  const buffers: (() => number)[] = [];
  const unconfirmed: (() => number)[] = [];
  let storeReads: () => { primary: number; replica: number; lagMs: number | null } | undefined = () => undefined;
  return {
    registry,
    /**
     * A counter for the hot path: a plain number, added to the prom-client counter when it is read.
     * prom-client hashes and validates the labels on every inc(); this keeps that off the redirect.
     */
    tally<T extends string>(counter: Counter<T>, labels: LabelValues<T>): () => void {
      let pending = 0;
      tallies.push(() => {
        if (pending > 0) counter.inc(labels, pending);
        pending = 0;
      });
      return () => void pending++;
    },
    httpRequests: new Counter({
      name: 'http_requests_total', help: 'HTTP requests by route template and status', labelNames: http, registers, collect,
    }),
    httpDuration: new HotHistogram(
      'http_request_duration_seconds', 'HTTP request duration by route template and status',
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registry,
    ),
    cacheLookups: new Counter({
      name: 'kurz_cache_lookups_total',
      help: 'Link cache lookups by level (l1 in-process, l2 Redis) and result (hit, negative_hit for a known-absent code, miss)',
      labelNames: ['level', 'result'] as const, registers, collect,
    }),
    redisDuration: new Histogram({
      name: 'kurz_redis_command_duration_seconds', help: 'Redis call latency by command and outcome',
      labelNames: ['command', 'outcome'] as const, registers,
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    }),
    breakerState: new Gauge({
      name: 'kurz_circuit_breaker_state', help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open', labelNames: ['name'] as const, registers,
    }),
    pendingInvalidations: new Gauge({
      name: 'kurz_cache_pending_invalidations', help: 'Invalidations Redis could not take yet, replayed when it answers again', registers,
    }),
    rateLimits: new Counter({
      name: 'kurz_rate_limit_decisions_total', help: 'Rate limit decisions by class and outcome (allowed, limited)',
      labelNames: ['class', 'outcome'] as const, registers, collect,
    }),
    connectionsDropped: new Counter({
      name: 'kurz_connections_dropped_total', help: 'Connections closed on arrival because MAX_CONNECTIONS were open', registers,
    }),
    limiterFallbacks: new Counter({
      name: 'kurz_rate_limit_fallbacks_total', help: 'Rate limit decisions taken in-process because Redis could not answer', registers,
    }),
    clickEvents: new Counter({
      name: 'kurz_click_events_total',
      help: 'Click events by outcome: enqueued, applied (first time), duplicate (redelivered, already applied), redelivered (claimed from a dead consumer), resent (appended again after Redis lost them), unprotected (left to Redis alone: the consumers were too far behind for this process to keep a copy), dropped (buffer full)',
      labelNames: ['outcome'] as const, registers, collect,
    }),
    /** Adds a buffer of click events to kurz_click_buffer_events, which reads it when scraped. */
    watchClickBuffer: (size: () => number) => void buffers.push(size),
    clicksBuffered: new Gauge({
      name: 'kurz_click_buffer_events', help: 'Click events waiting in this process', registers,
      collect() {
        this.set(buffers.reduce((sum, size) => sum + size(), 0));
      },
    }),
    /** Adds a producer's unacknowledged stream clicks to kurz_click_stream_unconfirmed_events, read when scraped. */
    watchUnconfirmedClicks: (size: () => number) => void unconfirmed.push(size),
    clicksUnconfirmed: new Gauge({
      name: 'kurz_click_stream_unconfirmed_events',
      help: 'Clicks this process appended to the Redis stream that no consumer has acknowledged yet (kept, to be appended again if Redis loses them)',
      registers,
      collect() {
        this.set(unconfirmed.reduce((sum, size) => sum + size(), 0));
      },
    }),
    /** Names the store whose reads kurz_store_reads_total and kurz_replica_lag_seconds report, read when scraped. */
    watchStoreReads: (counts: typeof storeReads) => void (storeReads = counts),
    storeReads: new Counter({
      name: 'kurz_store_reads_total',
      help: 'Reads a read replica may serve (redirect misses, click stats) by the connection that served them: replica, or primary (no replica, lagging, failing, row not replayed yet, link just written)',
      labelNames: ['pool'] as const, registers,
      collect() {
        const counts = storeReads();
        if (!counts) return;
        // The store counts; a counter's value is set by resetting it to the store's totals.
        this.reset();
        this.inc({ pool: 'primary' }, counts.primary);
        this.inc({ pool: 'replica' }, counts.replica);
      },
    }),
    replicaLag: new Gauge({
      name: 'kurz_replica_lag_seconds', help: 'Replay lag of the read replica (DATABASE_READ_URL) at its last poll; -1 while it cannot be measured (down)', registers,
      collect() {
        const counts = storeReads();
        if (counts) this.set(counts.lagMs === null ? -1 : counts.lagMs / 1000);
      },
    }),
    clickQueueLag: new Gauge({ name: 'kurz_click_queue_lag_seconds', help: 'Age of the oldest event in the last batch applied', registers }),
    clickBatchSize: new Histogram({
      name: 'kurz_click_batch_size', help: 'Events per applied batch', registers, buckets: [1, 10, 50, 100, 250, 500, 1000, 2500],
    }),
    clickApplySeconds: new Histogram({
      name: 'kurz_click_apply_seconds', help: 'Time to apply one batch to the store', registers,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
    clickBatchFailures: new Counter({ name: 'kurz_click_batch_failures_total', help: 'Batches that failed to apply (retried)', registers }),
    cdnPurges: new Counter({
      name: 'kurz_cdn_purges_total', help: 'CDN purge requests by outcome: purged, retried (an attempt failed, another follows), failed (given up), dropped (queue full)',
      labelNames: ['outcome'] as const, registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
