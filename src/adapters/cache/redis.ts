import { randomUUID } from 'node:crypto';
import type { CacheEntry } from '../../ports.js';
import type { LinkCache } from './link-cache.js';
import type { RedisConnection } from '../redis/connection.js';

/** Stores the entry only if the code's generation is still the one the reader saw. */
const FILL = `
if (redis.call('GET', KEYS[2]) or '0') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;

/**
 * Drops the entry, gives the code a new generation (voiding outstanding fills) and tells every
 * instance. The generation is a fresh random value, not a counter: a counter that expired would
 * restart and could match an old token again.
 */
const INVALIDATE = `
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;

/**
 * The shared cache (L2) in Redis. A code's entry and its generation counter share a hash tag
 * ({code}), so both live in one Redis Cluster slot and one script can touch both atomically.
 */
export class RedisLinkCache implements LinkCache {
  private readonly channel: string;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: { prefix: string; maxTtlMs: number },
  ) {
    this.channel = `${options.prefix}invalidations`;
  }

  private keys(code: string): [string, string] {
    return [`${this.options.prefix}{${code}}:link`, `${this.options.prefix}{${code}}:gen`];
  }

  async get(code: string) {
    const [value, generation] = await this.redis.call('mget', (r) => r.mget(...this.keys(code)));
    return { entry: value == null ? undefined : (JSON.parse(value) as CacheEntry), token: generation ?? '0' };
  }

  async fill(code: string, entry: CacheEntry, token: string, ttlMs: number): Promise<void> {
    await this.redis.call('fill', (r) => r.eval(FILL, 2, ...this.keys(code), token, JSON.stringify(entry), Math.max(1, Math.round(ttlMs))));
  }

  async invalidate(code: string): Promise<void> {
    // The generation must outlive any entry filled before it, so it lives as long as the longest TTL.
    const generation = randomUUID();
    await this.redis.call('invalidate', (r) => r.eval(INVALIDATE, 2, ...this.keys(code), this.options.maxTtlMs, this.channel, code, generation));
  }

  private readonly subscribedListeners: Array<() => void> = [];

  /**
   * Calls `listener` with every code any instance invalidates (including this one). The subscription
   * waits for Redis if it is down at start-up, and is renewed after every reconnect.
   */
  onInvalidation(listener: (code: string) => void): void {
    const { subscriber } = this.redis;
    subscriber.on('message', (channel: string, code: string) => {
      if (channel === this.channel) listener(code);
    });
    const subscribe = () => subscriber.subscribe(this.channel).then(() => {
      for (const subscribed of this.subscribedListeners) subscribed();
    }, () => {});
    // ioredis subscribes again by itself on each reconnect, but emits 'ready' before Redis has answered
    // that SUBSCRIBE: one more (a no-op for Redis) gives a reply that comes after it took effect. The
    // first 'ready' of a connection not up yet is the first connection, which sends the one below.
    let reconnect = subscriber.status === 'ready';
    subscriber.on('ready', () => {
      if (reconnect) void subscribe();
      reconnect = true;
    });
    void subscribe();
  }

  /**
   * Calls `listener` each time the subscription has taken effect: the first time, and again after every
   * drop. What was published before never arrives here, so the in-process cache must forget everything
   * it cached until then: an instance that began serving before its first SUBSCRIBE was answered (or
   * between a reconnect and the new one's answer) could otherwise keep a changed link for its L1 TTL.
   */
  onSubscribed(listener: () => void): void {
    this.subscribedListeners.push(listener);
  }
}
