import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ClickEvent } from '../../domain/clicks.js';
import type { Metrics } from '../../obs/metrics.js';
import { BreakerOpenError } from '../../resilience/circuit-breaker.js';
import { backoffMs, type Backoff } from '../../resilience/backoff.js';
import { retry } from '../../resilience/retry.js';
import { sleep, untilAborted, withTimeout } from '../../resilience/wait.js';
import { BlockingConnection, RedisConnection, RedisGuard, RedisNotConnected } from '../redis/connection.js';
import { ENTRY_CLICKS, GROUP, eventsOf } from './stream-format.js';
import { logRetriedFailure } from '../../analytics/apply.js';
import type { Tracing } from '../../obs/tracing.js';

/**
 * How long Redis may take to answer one of the consumer's commands, beyond any BLOCK time. Nobody
 * waits on the consumer, so this is far longer than REDIS_TIMEOUT_MS (sized for a redirect): a
 * command that fails only delays clicks, and a batch not acknowledged is claimed again and counts nothing twice.
 */
const COMMAND_TIMEOUT_MS = 5_000;
/** After a Redis error the loop waits 200 ms, doubling, at most 5 s; Redis coming back ends the wait early. */
const REDIS_RETRY: Backoff = { firstMs: 200, maxMs: 5_000 };
/** A batch the store did not take is tried again after 400 ms, doubling, at most 30 s: a restart takes seconds, an outage longer. */
const APPLY_RETRY: Backoff = { firstMs: 400, maxMs: 30_000 };
/** Stopping, a batch is given up (left pending for another consumer) after this many failed attempts. */
const STOPPING_ATTEMPTS = 3;
/** stop() lets a read under way end by itself (it returns within blockMs) and this much more. */
const STOP_GRACE_MS = 500;

export interface ConsumerOptions {
  stream: string;
  apply: (batch: ClickEvent[]) => Promise<void>;
  batchSize: number;
  /** How long XREADGROUP waits for new clicks before the loop looks around (claims, stop). */
  blockMs?: number;
  /** A click pending this long with another consumer is taken over (that consumer is presumed dead). */
  claimIdleMs?: number;
  metrics: Metrics;
  log: Logger;
  /** Traces the Redis calls of the guard it makes when given a URL (`kurz worker`); default none. */
  tracing?: Tracing;
}

/**
 * The consumer side (`kurz worker`, or `kurz serve` with CLICK_CONSUMER=on): reads batches with
 * XREADGROUP in a consumer group, applies each batch in one store transaction, then XACKs (and XDELs)
 * it. A consumer that dies leaves its batch pending; after `claimIdleMs` another consumer takes it over
 * with XAUTOCLAIM. Delivery is at-least-once; the idempotent apply makes the counts exactly-once.
 * Its Redis connection is its own (a blocking read holds it) behind the breaker and metrics of `redis`,
 * or of a guard of its own when given a URL (`kurz worker`, which has no other Redis calls).
 */
export class StreamClickConsumer {
  private readonly conn: BlockingConnection;
  private readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Aborted once stop() gives up waiting: every wait of the loop ends with it, so stopping never hangs on Redis. */
  private readonly stopSignal = new AbortController();
  /** The wait between retries under way: aborted to end it early (stopping, or Redis back). */
  private napping: AbortController | undefined;

  constructor(redis: RedisConnection | string, private readonly options: ConsumerOptions) {
    this.conn = redis instanceof RedisConnection ? redis.blocking() : new BlockingConnection(redis, new RedisGuard(options.metrics, options.log, options.tracing), options.log);
    this.conn.onRecovered(() => this.napping?.abort());
  }

  /**
   * A call of the loop, cut short once stop() gives up waiting. Not Promise.race against a promise
   * that stays pending while the consumer runs: each race left a reaction on it, kept as long as the
   * process lived (1,700–1,900 bytes per read, measured by test/contract/stream-consumer-memory.test.ts;
   * 6 MB an hour at one read a second). untilAborted leaves nothing on the signal once the call ends.
   */
  private unlessStopped<T>(promise: Promise<T>): Promise<T> {
    return untilAborted(promise, this.stopSignal.signal);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Stops reading after the batch in hand is applied and acknowledged. A read under way is let finish
   * (it returns within blockMs), so nothing is delivered to a consumer that has gone; if Redis does
   * not answer, the wait is cut short (what it held stays pending, for another consumer to claim).
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.napping?.abort(); // a wait to retry Redis ends now: stopping is all there is left to do
    const { blockMs = 1_000 } = this.options;
    const finished = await withTimeout(this.loop ?? Promise.resolve(), blockMs + STOP_GRACE_MS).then(() => true, () => false);
    if (!finished) {
      this.stopSignal.abort();
      await this.loop;
    }
    this.conn.close();
  }

  private async run(): Promise<void> {
    const { stream, blockMs = 1_000, claimIdleMs = 30_000, log } = this.options;
    // Entries hold up to ENTRY_CLICKS clicks each: read about batchSize clicks' worth.
    const batchSize = Math.max(1, Math.ceil(this.options.batchSize / ENTRY_CLICKS));
    let failures = 0;
    let lastClaim = 0;
    while (!this.stopping) {
      try {
        await this.ensureGroup();
        let entries: [string, string[]][] = [];
        let claimed = false;
        if (Date.now() - lastClaim > Math.min(claimIdleMs, 5_000)) {
          lastClaim = Date.now();
          const [, taken] = (await this.unlessStopped(this.conn.call('xautoclaim', COMMAND_TIMEOUT_MS, (r) => r.xautoclaim(stream, GROUP, this.name, claimIdleMs, '0-0', 'COUNT', batchSize)))) as [string, [string, string[]][]];
          entries = taken.filter(([, fields]) => fields !== null);
          claimed = entries.length > 0;
        }
        if (entries.length === 0) {
          const read = (await this.unlessStopped(this.conn.block('xreadgroup', blockMs, COMMAND_TIMEOUT_MS, (r) =>
            r.xreadgroup('GROUP', GROUP, this.name, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, '>')))) as [string, [string, string[]][]][] | null;
          entries = read?.[0]?.[1] ?? [];
        }
        if (entries.length === 0) continue;
        await this.applyUntilDone(entries, claimed);
        failures = 0;
      } catch (err) {
        if (this.stopping) break;
        // The group is gone with the stream (Redis restarted empty, or the key was deleted): create it again.
        if (String((err as Error).message).startsWith('NOGROUP')) this.groupReady = false;
        failures++;
        // Not connected, or the breaker open: the connection has said so (once an outage); wait for it quietly.
        const unreached = err instanceof RedisNotConnected || err instanceof BreakerOpenError;
        if (!unreached) log.warn({ err: (err as Error).message, failures }, 'click consumer: Redis error; retrying');
        this.napping = new AbortController();
        await sleep(backoffMs(REDIS_RETRY, failures), this.napping.signal);
      }
    }
  }

  /**
   * Applies the batch (retrying with backoff while the store is away), then acknowledges it. Once
   * stop() gives up waiting, or after a few attempts while stopping, the batch is left pending: another
   * consumer will claim it.
   */
  private async applyUntilDone(entries: [string, string[]][], claimed: boolean): Promise<void> {
    const { apply, metrics, log } = this.options;
    const events = entries.flatMap(([, fields]) => eventsOf(fields[fields.indexOf('e') + 1]!));
    if (claimed) metrics.clickEvents.inc({ outcome: 'redelivered' }, events.length);
    const applied = await retry(() => apply(events), APPLY_RETRY, {
      signal: this.stopSignal.signal,
      retryIf: (_, attempt) => !this.stopping || attempt < STOPPING_ATTEMPTS,
      onFailure: (err, attempt) => {
        metrics.clickBatchFailures.inc();
        logRetriedFailure(log, err, { batch: events.length, attempt }, 'click consumer: applying a batch failed; will retry');
      },
    }).then(() => true, () => false);
    if (applied) await this.ack(entries.map(([id]) => id));
  }

  /**
   * Acknowledges (and deletes) a batch. Bounded in time: if Redis cannot take it, the batch stays
   * pending and is claimed again later, and applying it again counts nothing.
   */
  private async ack(ids: string[]): Promise<void> {
    const { stream } = this.options;
    await this.conn.call('xack', COMMAND_TIMEOUT_MS, (r) => r.multi().xack(stream, GROUP, ...ids).xdel(stream, ...ids).exec());
  }

  private groupReady = false;

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    // From the start of the stream: clicks appended before any worker existed are not skipped. BUSYGROUP
    // (it exists already) is an answer, not a failure of Redis, so the breaker never counts it.
    await this.unlessStopped(this.conn.call('xgroup', COMMAND_TIMEOUT_MS, (r) => r.xgroup('CREATE', this.options.stream, GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!String(err.message).includes('BUSYGROUP')) throw err;
    })));
    this.groupReady = true;
  }
}
