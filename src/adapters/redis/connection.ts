import { Redis, ReplyError, type ChainableCommander } from 'ioredis';
import type { Logger } from 'pino';
import { CircuitBreaker, type BreakerState } from '../../resilience/circuit-breaker.js';
import type { Metrics } from '../../obs/metrics.js';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/**
 * One Redis connection for commands and one for pub/sub, every command behind a timeout and a
 * circuit breaker shared by everything that uses Redis. While Redis is down, calls fail at once
 * (Kurz degrades to in-process behaviour); a probe lets the breaker close again even with no traffic.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly subscriber: Redis;
  readonly breaker: CircuitBreaker;
  private readonly recoveredListeners: Array<() => void> = [];
  private readonly probe: NodeJS.Timeout;

  constructor(url: string, options: { timeoutMs: number; metrics: Metrics; log: Logger }) {
    const { metrics, log } = options;
    const reconnect = { retryStrategy: (times: number) => Math.min(100 * 2 ** times, 2_000) * (0.5 + Math.random() / 2) };
    this.client = new Redis(url, {
      ...reconnect,
      commandTimeout: options.timeoutMs,
      connectTimeout: Math.max(1_000, options.timeoutMs),
      enableOfflineQueue: false, // while disconnected a command fails at once instead of waiting in a queue
      maxRetriesPerRequest: 0,
    });
    // Only SUBSCRIBE is sent here; it may wait for the connection and is renewed on every reconnect.
    this.subscriber = new Redis(url, { ...reconnect, connectTimeout: Math.max(1_000, options.timeoutMs), maxRetriesPerRequest: null });
    let lastError = '';
    const onError = (err: Error) => {
      if (err.message !== lastError) log.warn({ err: err.message }, 'redis connection error');
      lastError = err.message;
    };
    this.client.on('error', onError);
    this.subscriber.on('error', onError);
    // Back after a disconnection (or a hang that opened the breaker): whatever Redis missed is replayed.
    this.client.on('ready', () => {
      lastError = '';
      this.notifyRecovered();
    });

    this.breaker = new CircuitBreaker({
      name: 'redis',
      onStateChange: (state) => {
        metrics.breakerState.set({ name: 'redis' }, STATE_VALUE[state]);
        log[state === 'open' ? 'warn' : 'info']({ breaker: 'redis', state }, `redis circuit ${state}`);
        if (state === 'closed') this.notifyRecovered();
      },
    });
    metrics.breakerState.set({ name: 'redis' }, 0);
    this.probe = setInterval(() => {
      if (this.breaker.state !== 'closed') this.call('ping', (r) => r.ping()).catch(() => {});
    }, 1_000).unref();

    this.timer = (command, outcome, seconds) => metrics.redisDuration.observe({ command, outcome }, seconds);
  }

  private readonly timer: (command: string, outcome: 'ok' | 'error', seconds: number) => void;

  /**
   * Runs one Redis call through the breaker, timing it. Throws when Redis is down, slow or the breaker
   * is open. While the connection is not up (start-up, reconnecting) it throws at once: there is
   * nothing to wait for, and it is no evidence against a Redis that is merely not reached yet.
   */
  async call<T>(command: string, run: (client: Redis) => Promise<T>): Promise<T> {
    if (this.client.status !== 'ready') throw new Error(`redis is ${this.client.status}`);
    return this.breaker.run(async () => {
      const start = performance.now();
      try {
        const result = await run(this.client);
        this.timer(command, 'ok', (performance.now() - start) / 1000);
        return result;
      } catch (err) {
        this.timer(command, 'error', (performance.now() - start) / 1000);
        throw err;
      }
    });
  }

  /**
   * Runs a pipeline or MULTI through the breaker, like call(). exec() resolves whatever became of each
   * command, so a command Redis did not answer (timed out, connection lost) is turned into a failure of
   * the whole call here: otherwise a hung Redis under click traffic would look healthy to the breaker,
   * every XADD pipeline "succeeding" with timeouts inside. Error replies (Redis answered no) stay in the results.
   */
  async batch(command: string, build: (client: Redis) => ChainableCommander): Promise<[Error | null, unknown][]> {
    return this.call(command, async (client) => {
      const results = (await build(client).exec()) ?? [];
      const unanswered = results.find(([err]) => err && !(err instanceof ReplyError));
      if (unanswered) throw unanswered[0];
      return results;
    });
  }

  /** Called each time Redis answers again after it could not be reached (reconnected, or the breaker closed). */
  onRecovered(listener: () => void): void {
    this.recoveredListeners.push(listener);
  }

  private notifyRecovered(): void {
    for (const listener of this.recoveredListeners) listener();
  }

  /** 'up' when commands flow and invalidations can arrive; 'degraded' while Kurz is serving without Redis. */
  get health(): 'up' | 'degraded' {
    const up = this.breaker.state === 'closed' && this.client.status === 'ready' && this.subscriber.status === 'ready';
    return up ? 'up' : 'degraded';
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    // QUIT lets pending replies arrive; without a connection there is nothing to wait for (and a
    // queued QUIT would wait for a reconnect that never comes).
    const end = async (c: Redis) => {
      if (c.status === 'ready') await c.quit().catch(() => {});
      c.disconnect();
    };
    await Promise.all([end(this.client), end(this.subscriber)]);
  }
}
