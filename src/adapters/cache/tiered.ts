import type { CacheEntry, CachedLink, LinkLookup, Store } from '../../ports.js';
import type { LinkCache } from './link-cache.js';
import type { Metrics } from '../../obs/metrics.js';
import { jitter } from '../../resilience/jitter.js';
import { keyParts } from '../../domain/link-key.js';
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
 * Link key (domain/link-key.ts: the code, or domain/code) → link, cache-aside over two levels: L1 in-process, L2 Redis (optional), then the store.
 * Concurrent misses for one key share one load (single flight); unknown keys are cached as null
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

  /** The link for a key, or null when no such key exists. An L1 hit does no I/O. */
  lookup(key: string): Promise<CacheEntry> | CacheEntry {
    const hit = this.l1.peek(key);
    if (hit !== undefined) {
      (hit ? this.counters.l1Hit : this.counters.l1Negative)();
      return hit;
    }
    this.counters.l1Miss();
    let flight = this.flights.get(key);
    if (!flight) {
      const loading = this.load(key).finally(() => {
        if (this.flights.get(key) === loading) this.flights.delete(key);
      });
      this.flights.set(key, (flight = loading));
    }
    return flight;
  }

  /**
   * Forgets a key in this process: its L1 entry, and the load under way if any, so that a lookup made
   * after an invalidation never shares a load that read the store before it. Other instances' and
   * processes' invalidations arrive here.
   */
  forget(key: string): void {
    // Before the entry goes: a miss it causes must not read a replica that lacks the write (docs/DESIGN.md#read-replica).
    this.store.written?.(key);
    this.flights.delete(key);
    void this.l1.invalidate(key);
  }

  /**
   * Forgets every key in this process: after its subscription to invalidations was down (a Redis
   * restart, a dropped connection), any of them may have been missed.
   */
  forgetAll(): void {
    this.store.written?.('*');
    this.flights.clear();
    this.l1.clear();
  }

  /** Forgets a key everywhere: this process, Redis, and (through Redis pub/sub or IPC) every other process. */
  async invalidate(key: string): Promise<void> {
    this.forget(key);
    this.peers?.publish(key);
    if (!this.l2) return;
    try {
      await this.l2.invalidate(key);
    } catch {
      this.remember(key);
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
    for (const key of this.pending) {
      try {
        await this.l2!.invalidate(key);
      } catch {
        return;
      }
      this.pending.delete(key);
      this.metrics.pendingInvalidations.set(this.pending.size);
    }
  }

  private async load(key: string): Promise<CacheEntry> {
    const l1Token = this.l1.token();
    let l2Token: string | undefined;
    // A key whose invalidation Redis has not taken yet may still have its old entry there: this
    // instance (the writer) reads the store instead, so it sees its own write at once.
    if (this.l2 && !this.pending.has(key)) {
      // Redis down or slow: go on to the store; the breaker keeps this from costing a timeout each time.
      const cached = await this.l2.get(key).catch(() => undefined);
      if (cached?.entry !== undefined) {
        (cached.entry ? this.counters.l2Hit : this.counters.l2Negative)();
        await this.l1.fill(key, cached.entry, l1Token, this.l1Ttl(cached.entry));
        return cached.entry;
      }
      if (cached) this.counters.l2Miss();
      l2Token = cached?.token;
    }
    const { domainId, code } = keyParts(key);
    const target = await this.store.findTargetByCode(code, domainId);
    const entry: CacheEntry = target ? cacheable(target) : null;
    await this.l1.fill(key, entry, l1Token, this.l1Ttl(entry));
    if (this.l2 && l2Token !== undefined) {
      this.l2.fill(key, entry, l2Token, jitter(entry ? this.ttl.ttlMs : this.ttl.negativeTtlMs)).catch(() => {});
    }
    return entry;
  }

  private l1Ttl(entry: CacheEntry): number {
    return jitter(entry ? this.ttl.l1TtlMs : Math.min(this.ttl.l1TtlMs, this.ttl.negativeTtlMs));
  }

  private remember(key: string): void {
    if (this.pending.size < MAX_PENDING) this.pending.add(key);
    this.metrics.pendingInvalidations.set(this.pending.size);
  }
}

/** Only what a redirect needs; clicks change on every visit and are never cached, nor is a password's hash (only whether there is one). */
const cacheable = ({ id, url, redirectType, expiresAt, maxClicks, hasPassword, expiredUrl, rules, destinations, og }: CachedLink): CachedLink =>
  ({ id, url, redirectType, expiresAt, maxClicks, hasPassword, expiredUrl, rules, destinations, og });
