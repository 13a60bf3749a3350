import type { Logger } from 'pino';
import type { RateLimiter } from '../../ports.js';
import type { BucketLimit, Decision } from '../../domain/token-bucket.js';
import type { Metrics } from '../../obs/metrics.js';
import type { MemoryRateLimiter } from './memory.js';

/**
 * The shared (Redis) limiter, falling back to in-process buckets when Redis cannot answer: the
 * failure policy is "open to local limits", never "open to no limits". Each fallback is counted; the
 * switch to local limits and back is logged once each.
 */
export class FallbackRateLimiter implements RateLimiter {
  private degraded = false;

  constructor(
    private readonly shared: RateLimiter,
    private readonly local: MemoryRateLimiter,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  async take(key: string, limit: BucketLimit, cost = 1): Promise<Decision> {
    try {
      const decision = await this.shared.take(key, limit, cost);
      if (this.degraded) {
        this.degraded = false;
        this.log.info('rate limits are shared through Redis again');
      }
      return decision;
    } catch (err) {
      this.metrics.limiterFallbacks.inc();
      if (!this.degraded) {
        this.degraded = true;
        this.log.warn({ err: (err as Error).message }, 'Redis unavailable: rate limits fall back to this process');
      } else {
        this.log.debug({ key }, 'rate limit taken locally');
      }
      return this.local.takeNow(key, limit, cost);
    }
  }
}
