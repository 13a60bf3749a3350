import type { CacheEntry, CachedLink, LinkLookup, Store } from '../../ports.js';
import type { LinkCache } from './link-cache.js';
import type { Metrics } from '../../obs/metrics.js';
import { jitter } from '../../resilience/jitter.js';
import type { LruLinkCache } from './lru.js';
import type { CachePeers } from './cluster-peers.js';

export interface CacheTtls {
  ttlMs: number;
  l1TtlMs: number;
  negativeTtlMs: number;
}

/** At most this many invalidations are kept for replay while Redis is down (a few MB). */
const MAX_PENDING = 100_000;

/**
 * code → link, cache-aside over two levels: L1 in-process, L2 Redis (optional), then the store.
 * Concurrent misses for one code share one load (single flight); unknown codes are cached as null
 * for a short time (negative caching); TTLs carry jitter. Writers call invalidate().
 */
export class TieredLinkCache implements LinkLookup {
  private readonly flights = new Map<string, Promise<CacheEntry>>();
  /** Invalidations L2 has not taken (Redis down): replayed when it answers again. */
  private readonly pending = new Set<string>();
  private readonly counters;
  private readonly retry: NodeJS.Timeout;

  constructor(
    private readonly l1: LruLinkCache,
    private readonly l2: LinkCache | undefined,
    private readonly store: Store,
    private readonly ttl: CacheTtls,
    private readonly metrics: Metrics,
    /** Sibling processes' L1s (`--workers N` without Redis); with Redis, its pub/sub tells them. */
    private readonly peers?: CachePeers,
  ) {
    const count = (level: string, result: string) => metrics.tally(metrics.cacheLookups, { level, result });
    this.counters = {
      l1Hit: count('l1', 'hit'), l1Negative: count('l1', 'negative_hit'), l1Miss: count('l1', 'miss'),
      l2Hit: count('l2', 'hit'), l2Negative: count('l2', 'negative_hit'), l2Miss: count('l2', 'miss'),
    };
    // A single timed-out invalidation (a slow Redis, a blocked event loop) must not wait for the next
    // outage's recovery to be replayed: the other instances learn of the write only through it, so
    // retry the pending ones four times a second (the breaker keeps this cheap while Redis is down).
    this.retry = setInterval(() => {
      if (this.pending.size > 0) void this.replayPending();
    }, 250).unref();
  }

  close(): void {
    clearInterval(this.retry);
  }

  /** The link for a code, or null when no such code exists. An L1 hit does no I/O. */
  lookup(code: string): Promise<CacheEntry> | CacheEntry {
    const hit = this.l1.peek(code);
    if (hit !== undefined) {
      (hit ? this.counters.l1Hit : this.counters.l1Negative)();
      return hit;
    }
    this.counters.l1Miss();
    let flight = this.flights.get(code);
    if (!flight) {
      const loading = this.load(code).finally(() => {
        if (this.flights.get(code) === loading) this.flights.delete(code);
      });
      this.flights.set(code, (flight = loading));
    }
    return flight;
  }

  /**
   * Forgets a code in this process: its L1 entry, and the load under way if any, so that a lookup made
   * after an invalidation never shares a load that read the store before it. Other instances' and
   * processes' invalidations arrive here.
   */
  forget(code: string): void {
    this.flights.delete(code);
    void this.l1.invalidate(code);
  }

  /**
   * Forgets every code in this process: after its subscription to invalidations was down (a Redis
   * restart, a dropped connection), any of them may have been missed.
   */
  forgetAll(): void {
    this.flights.clear();
    this.l1.clear();
  }

  /** Forgets a code everywhere: this process, Redis, and (through Redis pub/sub or IPC) every other process. */
  async invalidate(code: string): Promise<void> {
    this.forget(code);
    this.peers?.publish(code);
    if (!this.l2) return;
    try {
      await this.l2.invalidate(code);
    } catch {
      this.remember(code);
      return;
    }
    if (this.pending.size > 0) await this.replayPending();
  }

  /** Sends the invalidations Redis missed while it was down; stops at the first failure. One replay at a time. */
  replayPending(): Promise<void> {
    this.replaying ??= this.replay().finally(() => (this.replaying = undefined));
    return this.replaying;
  }

  private replaying: Promise<void> | undefined;

  private async replay(): Promise<void> {
    for (const code of this.pending) {
      try {
        await this.l2!.invalidate(code);
      } catch {
        return;
      }
      this.pending.delete(code);
      this.metrics.pendingInvalidations.set(this.pending.size);
    }
  }

  private async load(code: string): Promise<CacheEntry> {
    const l1Token = this.l1.token();
    let l2Token: string | undefined;
    // A code whose invalidation Redis has not taken yet may still have its old entry there: this
    // instance (the writer) reads the store instead, so it sees its own write at once.
    if (this.l2 && !this.pending.has(code)) {
      // Redis down or slow: go on to the store; the breaker keeps this from costing a timeout each time.
      const cached = await this.l2.get(code).catch(() => undefined);
      if (cached?.entry !== undefined) {
        (cached.entry ? this.counters.l2Hit : this.counters.l2Negative)();
        await this.l1.fill(code, cached.entry, l1Token, this.l1Ttl(cached.entry));
        return cached.entry;
      }
      if (cached) this.counters.l2Miss();
      l2Token = cached?.token;
    }
    const target = await this.store.findTargetByCode(code);
    const entry: CacheEntry = target ? cacheable(target) : null;
    await this.l1.fill(code, entry, l1Token, this.l1Ttl(entry));
    if (this.l2 && l2Token !== undefined) {
      this.l2.fill(code, entry, l2Token, jitter(entry ? this.ttl.ttlMs : this.ttl.negativeTtlMs)).catch(() => {});
    }
    return entry;
  }

  private l1Ttl(entry: CacheEntry): number {
    return jitter(entry ? this.ttl.l1TtlMs : Math.min(this.ttl.l1TtlMs, this.ttl.negativeTtlMs));
  }

  private remember(code: string): void {
    if (this.pending.size < MAX_PENDING) this.pending.add(code);
    this.metrics.pendingInvalidations.set(this.pending.size);
  }
}

/** Only what a redirect needs; clicks change on every visit and are never cached. */
const cacheable = ({ id, url, redirectType, expiresAt, maxClicks, expiredUrl }: CachedLink): CachedLink =>
  ({ id, url, redirectType, expiresAt, maxClicks, expiredUrl });
