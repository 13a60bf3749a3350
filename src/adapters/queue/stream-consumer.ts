import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { ClickEvent } from '../../domain/clicks.js';
import type { Metrics } from '../../obs/metrics.js';
import { jitter } from '../../resilience/jitter.js';
import { ENTRY_CLICKS, GROUP, eventsOf } from './stream-format.js';
import { logRetriedFailure } from '../../analytics/apply.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

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
}

/**
 * The consumer side (`kurz worker`, or `kurz serve` with CLICK_CONSUMER=on): reads batches with
 * XREADGROUP in a consumer group, applies each batch in one store transaction, then XACKs (and XDELs)
 * it. A consumer that dies leaves its batch pending; after `claimIdleMs` another consumer takes it over
 * with XAUTOCLAIM. Delivery is at-least-once; the idempotent apply makes the counts exactly-once.
 */
export class StreamClickConsumer {
  private readonly client: Redis;
  private readonly name = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Aborted once stop() gives up waiting: every wait of the loop ends with it, so stopping never hangs on Redis. */
  private readonly stopSignal = new AbortController();

  constructor(url: string, private readonly options: ConsumerOptions) {
    // A connection of its own: XREADGROUP BLOCK holds it, and it must wait for Redis to come back.
    this.client = new Redis(url, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(100 * 2 ** n, 2_000) });
    this.client.on('error', () => {});
  }

  /**
   * `promise`, or a rejection once stopping. Not Promise.race against a promise that stays pending
   * while the consumer runs: each race left a reaction on that promise, kept as long as the process
   * lived (1,700–1,900 bytes per read, measured by test/contract/stream-consumer-memory.test.ts; 6 MB
   * an hour at one read a second). The listener here is removed when the wait ends.
   */
  private unlessStopped<T>(promise: Promise<T>): Promise<T> {
    const { signal } = this.stopSignal;
    if (signal.aborted) return Promise.reject(new Error('stopping'));
    return new Promise<T>((resolve, reject) => {
      const stop = () => reject(new Error('stopping'));
      signal.addEventListener('abort', stop, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
    });
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
    const { blockMs = 1_000 } = this.options;
    const finished = await Promise.race([this.loop?.then(() => true), sleep(blockMs + 500).then(() => false)]);
    if (!finished) {
      this.stopSignal.abort();
      await this.loop;
    }
    this.client.disconnect();
  }

  private async run(): Promise<void> {
    const { stream, blockMs = 1_000, claimIdleMs = 30_000, log } = this.options;
    // Entries hold up to ENTRY_CLICKS clicks each: read about batchSize clicks' worth.
    const batchSize = Math.max(1, Math.ceil(this.options.batchSize / ENTRY_CLICKS));
    let failures = 0;
    let lastClaim = 0;
    while (!this.stopping) {
      try {
        await this.unlessStopped(this.ensureGroup());
        let entries: [string, string[]][] = [];
        let claimed = false;
        if (Date.now() - lastClaim > Math.min(claimIdleMs, 5_000)) {
          lastClaim = Date.now();
          const [, taken] = (await this.unlessStopped(this.client.xautoclaim(stream, GROUP, this.name, claimIdleMs, '0-0', 'COUNT', batchSize))) as [string, [string, string[]][]];
          entries = taken.filter(([, fields]) => fields !== null);
          claimed = entries.length > 0;
        }
        if (entries.length === 0) {
          const read = (await this.unlessStopped(this.client.xreadgroup('GROUP', GROUP, this.name, 'COUNT', batchSize, 'BLOCK', blockMs, 'STREAMS', stream, '>'))) as
            [string, [string, string[]][]][] | null;
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
        log.warn({ err: (err as Error).message, failures }, 'click consumer: Redis error; retrying');
        await this.unlessStopped(new Promise((resolve) => setTimeout(resolve, jitter(Math.min(100 * 2 ** failures, 5_000))))).catch(() => {});
      }
    }
  }

  /** Applies the batch (retrying with backoff while the store is away), then acknowledges it. */
  private async applyUntilDone(entries: [string, string[]][], claimed: boolean): Promise<void> {
    const events = entries.flatMap(([, fields]) => eventsOf(fields[fields.indexOf('e') + 1]!));
    if (claimed) this.options.metrics.clickEvents.inc({ outcome: 'redelivered' }, events.length);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.apply(events);
        break;
      } catch (err) {
        this.options.metrics.clickBatchFailures.inc();
        logRetriedFailure(this.options.log, err, { batch: events.length, attempt }, 'click consumer: applying a batch failed; will retry');
        if (this.stopping && attempt >= 3) return; // left pending: another consumer will claim it
        await new Promise((resolve) => setTimeout(resolve, jitter(Math.min(200 * 2 ** attempt, 30_000))));
      }
    }
    const ids = entries.map(([id]) => id);
    await this.ack(ids);
  }

  /**
   * Acknowledges (and deletes) a batch. Bounded in time: if Redis cannot take it, the batch stays
   * pending and is claimed again later, and applying it again counts nothing.
   */
  private async ack(ids: string[]): Promise<void> {
    const { stream } = this.options;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('XACK timed out')), 5_000)));
    try {
      await Promise.race([this.client.multi().xack(stream, GROUP, ...ids).xdel(stream, ...ids).exec(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private groupReady = false;

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      // From the start of the stream: clicks appended before any worker existed are not skipped.
      await this.client.xgroup('CREATE', this.options.stream, GROUP, '0', 'MKSTREAM');
    } catch (err) {
      if (!String((err as Error).message).includes('BUSYGROUP')) throw err;
    }
    this.groupReady = true;
  }
}
