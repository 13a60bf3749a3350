import { LRUCache } from 'lru-cache';
import type { LocalRateLimiter } from '../../ports.js';
import { fullAfterMs, take, type BucketLimit, type BucketState, type Decision } from '../../domain/token-bucket.js';

/**
 * Token buckets in process memory. Memory is bounded twice: a bucket is forgotten once it has been idle
 * long enough to be full again (then it is the same as a new one, so forgetting it changes nothing),
 * and at most `maxBuckets` are kept (least recently used go first).
 */
export class MemoryRateLimiter implements LocalRateLimiter {
  private readonly buckets: LRUCache<string, BucketState>;

  constructor(
    private readonly now: () => number = Date.now,
    maxBuckets = 100_000,
  ) {
    // Expiry reads the limiter's own clock, so a bucket is forgotten exactly when take() would find it full.
    this.buckets = new LRUCache({ max: maxBuckets, perf: { now }, ttlResolution: 0 });
    // lru-cache drops an expired entry only when it is read; sweep the ones nobody asks for again.
    setInterval(() => this.buckets.purgeStale(), 10_000).unref();
  }

  takeNow(key: string, limit: BucketLimit, cost = 1): Decision {
    const { decision, state } = take(limit, this.buckets.get(key), this.now(), cost);
    this.buckets.set(key, state, { ttl: fullAfterMs(limit) });
    return decision;
  }

  async take(key: string, limit: BucketLimit, cost = 1): Promise<Decision> {
    return this.takeNow(key, limit, cost);
  }

  /** Buckets held, not counting idle ones that are full again. */
  get size(): number {
    this.buckets.purgeStale();
    return this.buckets.size;
  }
}
