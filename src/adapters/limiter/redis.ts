import type { RateLimiter } from '../../ports.js';
import { decide, fullAfterMs, type BucketLimit, type Decision } from '../../domain/token-bucket.js';
import type { RedisConnection } from '../redis/connection.js';

/**
 * One atomic take: refill by the time elapsed on the Redis server's clock (so instances with skewed
 * clocks share one bucket exactly), take `cost` (ARGV[4]) tokens if there are that many (0 looks; a
 * negative cost gives them back, up to the capacity), store the bucket with an expiry of the time it takes to fill up again. The same arithmetic as domain/token-bucket.ts.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local per_ms = tonumber(ARGV[2]) / 1000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1])
if tokens == nil then
  tokens = capacity
else
  tokens = math.min(capacity, tokens + math.max(0, now - tonumber(bucket[2])) * per_ms)
end
local cost = tonumber(ARGV[4])
local allowed = 0
if tokens >= cost then
  tokens = math.min(capacity, tokens - cost)
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { allowed, tostring(tokens) }`;

/** Token buckets in Redis, shared by every instance: twenty instances enforce one limit, not twenty. */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  async take(key: string, limit: BucketLimit, cost = 1): Promise<Decision> {
    // The hash tag keeps the key in one Redis Cluster slot whatever the key contains.
    const bucket = `${this.prefix}rl:{${key}}`;
    const [allowed, tokens] = (await this.redis.call('rate-limit', (r) =>
      r.eval(TAKE, 1, bucket, limit.capacity, limit.refillPerSecond, fullAfterMs(limit), cost),
    )) as [number, string];
    return decide(limit, Number(tokens), allowed === 1, cost);
  }
}
