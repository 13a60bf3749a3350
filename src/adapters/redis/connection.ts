import { ReplyError, type ChainableCommander } from 'ioredis';
import type { Logger } from 'pino';
import { CircuitBreaker, type BreakerState } from '../../resilience/circuit-breaker.js';
import { withTimeout } from '../../resilience/wait.js';
import type { Metrics } from '../../obs/metrics.js';
import { noTracing, type Tracing } from '../../obs/tracing.js';
import { openClient, type RedisClient } from './client.js';

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

type Log = Pick<Logger, 'info' | 'warn'>;

/** A call made while its connection is not up (starting, reconnecting): there is nothing to wait for, and it is no evidence against Redis. */
export class RedisNotConnected extends Error {}

/**
 * What every Redis call passes through, whichever connection it is sent on: one circuit breaker and
 * the latency metric. While Redis is down, calls fail at once and Kurz degrades to in-process behaviour.
 */
export class RedisGuard {
  readonly breaker: CircuitBreaker;
  private readonly closedListeners: Array<() => void> = [];
  private readonly timer: (command: string, outcome: 'ok' | 'error', seconds: number) => void;

  constructor(metrics: Metrics, log: Log, private readonly tracing: Tracing = noTracing) {
    this.breaker = new CircuitBreaker({
      name: 'redis',
      onStateChange: (state) => {
        metrics.breakerState.set({ name: 'redis' }, STATE_VALUE[state]);
        log[state === 'open' ? 'warn' : 'info']({ breaker: 'redis', state }, `redis circuit ${state}`);
        if (state === 'closed') for (const listener of this.closedListeners) listener();
      },
    });
    metrics.breakerState.set({ name: 'redis' }, 0);
    this.timer = (command, outcome, seconds) => metrics.redisDuration.observe({ command, outcome }, seconds);
  }

  /**
   * Runs one call on `client` through the breaker, timing it. Throws when Redis is down, slow or the
   * breaker is open; while `client` is not connected, RedisNotConnected at once, without counting.
   */
  run<T>(client: RedisClient, command: string, call: () => Promise<T>): Promise<T> {
    if (client.status !== 'ready') return Promise.reject(new RedisNotConnected(`redis is ${client.status}`));
    // A span inside a traced request or batch: the command's label, never its keys or values.
    if (this.tracing.enabled) return this.tracing.child(`redis ${command}`, { 'db.system': 'redis', 'db.system.name': 'redis', 'db.operation.name': command }, () => this.guarded(command, call));
    return this.guarded(command, call);
  }

  private guarded<T>(command: string, call: () => Promise<T>): Promise<T> {
    return this.breaker.run(async () => {
      const start = performance.now();
      try {
        const result = await call();
        this.timer(command, 'ok', (performance.now() - start) / 1000);
        return result;
      } catch (err) {
        this.timer(command, 'error', (performance.now() - start) / 1000);
        throw err;
      }
    });
  }

  /** Called each time the breaker closes again. */
  onClosed(listener: () => void): void {
    this.closedListeners.push(listener);
  }
}

/**
 * Logs the errors of `clients` (ioredis emits one per failed reconnection; a cluster one per node that
 * fails, as 'node error'), each distinct one once until `resetOn` is ready again.
 */
function logErrors(log: Log, clients: RedisClient[], resetOn: RedisClient): void {
  let lastError = '';
  const onError = (err: Error) => {
    if (err.message !== lastError) log.warn({ err: err.message }, 'redis connection error');
    lastError = err.message;
  };
  for (const client of clients) client.on('error', onError).on('node error', onError);
  resetOn.on('ready', () => (lastError = ''));
}

/**
 * One Redis connection for commands and one for pub/sub (a server's, or a cluster's: REDIS_URL
 * decides, client.ts), every command behind a timeout and the guard (breaker and metrics) shared by
 * everything that uses Redis; blocking() opens more connections behind the same guard. A probe lets
 * the breaker close again even with no traffic.
 */
export class RedisConnection {
  readonly client: RedisClient;
  readonly subscriber: RedisClient;
  readonly guard: RedisGuard;
  private readonly recoveredListeners: Array<() => void> = [];
  private readonly probe: NodeJS.Timeout;
  private readonly log: Log;

  constructor(
    private readonly url: string,
    options: { timeoutMs: number; metrics: Metrics; log: Logger; tracing?: Tracing },
  ) {
    const { metrics, log } = options;
    this.log = log;
    const connectTimeoutMs = Math.max(1_000, options.timeoutMs);
    // While disconnected a command fails at once instead of waiting in a queue.
    this.client = openClient(url, { commandTimeoutMs: options.timeoutMs, connectTimeoutMs, offlineQueue: false, maxRetriesPerRequest: 0 });
    // Only SUBSCRIBE is sent here; it may wait for the connection and is renewed on every reconnect.
    this.subscriber = openClient(url, { connectTimeoutMs, offlineQueue: true, maxRetriesPerRequest: null });
    logErrors(log, [this.client, this.subscriber], this.client);
    // Back after a disconnection (or a hang that opened the breaker): whatever Redis missed is replayed.
    this.client.on('ready', () => this.notifyRecovered());
    this.guard = new RedisGuard(metrics, log, options.tracing);
    this.guard.onClosed(() => this.notifyRecovered());
    this.probe = setInterval(() => {
      if (this.guard.breaker.state !== 'closed') this.call('ping', (r) => r.ping()).catch(() => {});
    }, 1_000).unref();
  }

  /**
   * Runs one Redis call through the breaker, timing it. Throws when Redis is down, slow or the breaker
   * is open. While the connection is not up (start-up, reconnecting) it throws at once: there is
   * nothing to wait for, and it is no evidence against a Redis that is merely not reached yet.
   */
  call<T>(command: string, run: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.guard.run(this.client, command, () => run(this.client));
  }

  /**
   * Runs a pipeline or MULTI through the breaker, like call(). exec() resolves whatever became of each
   * command, so a command Redis did not answer (timed out, connection lost) is turned into a failure of
   * the whole call here: otherwise a hung Redis under click traffic would look healthy to the breaker,
   * every XADD pipeline "succeeding" with timeouts inside. Error replies (Redis answered no) stay in the results.
   */
  async batch(command: string, build: (client: RedisClient) => ChainableCommander): Promise<[Error | null, unknown][]> {
    return this.call(command, async (client) => {
      const results = (await build(client).exec()) ?? [];
      const unanswered = results.find(([err]) => err && !(err instanceof ReplyError));
      if (unanswered) throw unanswered[0];
      return results;
    });
  }

  /** A connection of its own for one reader that blocks, behind this connection's breaker and metrics; the reader closes it. */
  blocking(): BlockingConnection {
    return new BlockingConnection(this.url, this.guard, this.log);
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
    const up = this.guard.breaker.state === 'closed' && this.client.status === 'ready' && this.subscriber.status === 'ready';
    return up ? 'up' : 'degraded';
  }

  async close(): Promise<void> {
    clearInterval(this.probe);
    // QUIT lets pending replies arrive; without a connection there is nothing to wait for (and a
    // queued QUIT would wait for a reconnect that never comes).
    const end = async (c: RedisClient) => {
      if (c.status === 'ready') await c.quit().catch(() => {});
      c.disconnect();
    };
    await Promise.all([end(this.client), end(this.subscriber)]);
  }
}

/**
 * A connection of its own for one reader that blocks (XREADGROUP BLOCK holds its connection), behind
 * `guard` like every other Redis call. It has no command timeout of its own: each call states its
 * bound, and a blocking one gets its BLOCK time on top (REDIS_TIMEOUT_MS, sized for a redirect, would
 * fail every read that waited for clicks). Like RedisConnection.call, a call fails at once while the
 * connection is not up, rather than waiting in a queue.
 */
export class BlockingConnection {
  private readonly client: RedisClient;

  constructor(
    url: string,
    private readonly guard: RedisGuard,
    log: Log,
  ) {
    this.client = openClient(url, { offlineQueue: false, maxRetriesPerRequest: 0 });
    logErrors(log, [this.client], this.client);
  }

  /** Runs one command through the guard; it fails after `timeoutMs`. */
  call<T>(command: string, timeoutMs: number, run: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.guard.run(this.client, command, () => withTimeout(run(this.client), timeoutMs));
  }

  /**
   * Runs a command that blocks for up to `blockMs`; it fails after `blockMs + marginMs`. While the
   * breaker is not closed a PING goes first: the breaker's one trial call is then a quick one, not a
   * read that holds it half-open (and every other Redis call failing) for up to `blockMs`.
   */
  async block<T>(command: string, blockMs: number, marginMs: number, run: (client: RedisClient) => Promise<T>): Promise<T> {
    if (this.guard.breaker.state !== 'closed') await this.call('ping', marginMs, (r) => r.ping());
    return this.call(command, blockMs + marginMs, run);
  }

  /** Called each time this connection is up again, or the breaker closes: a reader waiting to retry can go on. */
  onRecovered(listener: () => void): void {
    this.client.on('ready', listener);
    this.guard.onClosed(listener);
  }

  close(): void {
    this.client.disconnect();
  }
}
