import { LRUCache } from 'lru-cache';
import type { RateLimiter } from '../../ports.js';
import { fullAfterMs, take, type BucketLimit, type BucketState, type Decision } from '../../domain/token-bucket.js';

/**
 * Token buckets in process memory. Memory is bounded twice: a bucket is forgotten once it has been idle
 * long enough to be full again (then it is the same as a new one, so forgetting it changes nothing),
 * and at most `maxBuckets` are kept (least recently used go first).
 */
export class MemoryRateLimiter implements RateLimiter {
  private readonly buckets: LRUCache<string, BucketState>;

  constructor(
    private readonly now: () => number = Date.now,
    maxBuckets = 100_000,
  ) {
    this.buckets = new LRUCache({ max: maxBuckets });
  }

  /** Synchronous take, for callers that must not yield. */
  takeNow(key: string, limit: BucketLimit): Decision {
    const { decision, state } = take(limit, this.buckets.get(key), this.now());
    this.buckets.set(key, state, { ttl: fullAfterMs(limit) });
    return decision;
  }

  async take(key: string, limit: BucketLimit): Promise<Decision> {
    return this.takeNow(key, limit);
  }

  get size(): number {
    return this.buckets.size;
  }
}
