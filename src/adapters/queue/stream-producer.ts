import type { Logger } from 'pino';
import type { ClickQueue } from '../../ports.js';
import type { ClickEvent } from '../../domain/clicks.js';
import type { Metrics } from '../../obs/metrics.js';
import type { RedisConnection } from '../redis/connection.js';
import { newId } from '../../domain/ids.js';
import { ENTRY_CLICKS, GROUP, compareIds, eventsOf } from './stream-format.js';

/** How often the producer asks Redis what the consumers have applied, and whether Redis restarted. */
const CHECK_MS = 1_000;
const OVERFLOW_LOG_MS = 10_000;

export interface StreamProducerOptions {
  stream: string;
  /** XADD's approximate MAXLEN: the guard on Redis memory if nothing consumes. */
  maxLen: number;
  /** Takes the clicks the stream cannot: the in-process queue, which applies them to the store itself. */
  fallback: ClickQueue;
  /** Clicks kept until a consumer has applied them; past this many, the oldest copies are let go. */
  maxUnconfirmed: number;
  metrics: Metrics;
  log: Logger;
}

/** One stream entry: the JSON of its clicks (which share one key), and how many they are. */
interface Entry {
  json: string;
  clicks: number;
}

/** An entry Redis took and no consumer has acknowledged yet. */
interface Sent extends Entry {
  id: string;
}

/**
 * The producer side of the click stream: the clicks of each event-loop turn are appended as one entry
 * (XADD with an approximate MAXLEN guard), never awaited by the redirect. Each entry has a key (a
 * UUIDv7) that its clicks carry: the unit of exactly-once.
 *
 * Redis keeps the stream in memory only (its default configuration), so an entry is not safe once
 * appended, only once a consumer has applied it. The producer therefore keeps a copy of every entry
 * until the consumer group has acknowledged it (consumers acknowledge after the store committed), and
 * appends the copies again when Redis comes back without them: a new run_id (restarted) or no stream.
 * Applying an entry twice counts nothing twice (its key), so sending again is always safe.
 *
 * The copies are bounded by `maxUnconfirmed` clicks: when the consumers fall further behind, the
 * oldest copies are let go (those entries are then only in Redis, like every entry before this
 * existed), so a backlog costs this process a bounded amount of memory. What Redis does not take
 * (down, slow, breaker open) goes to `fallback`, the in-process queue that applies to the store directly.
 */
export class RedisStreamClickQueue implements ClickQueue {
  private pending: ClickEvent[] = [];
  private scheduled = false;
  /** The latest step (an append, a check, the close); they run one after another. */
  private steps: Promise<void> = Promise.resolve();
  /** Appended and not yet acknowledged, in stream order. */
  private unconfirmed: Sent[] = [];
  private unconfirmedClicks = 0;
  /** The run_id of the Redis server that holds the unconfirmed entries. */
  private runId: string | undefined;
  private closed = false;
  private lastOverflowLog = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: StreamProducerOptions,
  ) {
    options.metrics.watchUnconfirmedClicks(() => this.unconfirmedClicks);
    // Steps run in order, so the first check learns which server this is before anything is appended.
    void this.check();
    this.timer = setInterval(() => void this.check(), CHECK_MS).unref();
    // A Redis that answers again may be a new, empty one: ask at once rather than at the next tick.
    redis.onRecovered(() => void this.check());
  }

  enqueue(event: ClickEvent): void {
    this.pending.push(event);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.send());
    }
  }

  async flush(): Promise<void> {
    await this.send();
    await this.options.fallback.flush();
  }

  /**
   * Appends what is left, then applies in this process every click no consumer has acknowledged yet
   * (a consumer that applies it as well counts nothing twice): a graceful stop leaves no click whose
   * only copy is in Redis.
   */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.send();
    await this.check();
    this.closed = true;
    await this.step(async () => {
      for (const entry of this.unconfirmed) this.toFallback(entry);
      this.forget(this.unconfirmed.length);
    });
    await this.options.fallback.close();
  }

  private send(): Promise<void> {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    return this.step(() => this.append(batch));
  }

  private step(run: () => Promise<void>): Promise<void> {
    this.steps = this.steps.then(run).catch((err) => this.options.log.error({ err }, 'click stream producer failed a step'));
    return this.steps;
  }

  private async append(batch: ClickEvent[]): Promise<void> {
    const entries: Entry[] = [];
    for (let i = 0; i < batch.length; i += ENTRY_CLICKS) {
      // From here an entry can arrive twice (appended again, or in the stream and the fallback both): key it.
      const key = newId(batch[i]!.at);
      const clicks = batch.slice(i, i + ENTRY_CLICKS).map((event) => ({ ...event, key: event.key ?? key }));
      entries.push({ json: JSON.stringify(clicks), clicks: clicks.length });
    }
    const appended = await this.xadd(entries);
    this.options.metrics.clickEvents.inc({ outcome: 'enqueued' }, appended);
  }

  /** Appends the entries and keeps each one Redis took; the others go to the fallback. Returns the clicks Redis took. */
  private async xadd(entries: Entry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const { stream, maxLen } = this.options;
    let replies: [Error | null, unknown][] = [];
    try {
      replies = await this.redis.batch('xadd', (r) => {
        const pipeline = r.pipeline();
        for (const entry of entries) pipeline.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'e', entry.json);
        return pipeline;
      });
    } catch {
      // Redis did not answer: every entry is applied in this process instead.
    }
    let taken = 0;
    entries.forEach((entry, i) => {
      const [err, id] = replies[i] ?? [new Error('not appended')];
      if (err) return this.toFallback(entry);
      this.unconfirmed.push({ ...entry, id: String(id) });
      this.unconfirmedClicks += entry.clicks;
      taken += entry.clicks;
    });
    this.letGoPastBound();
    return taken;
  }

  /** Past `maxUnconfirmed`, lets the oldest copies go: those entries are left to Redis alone. */
  private letGoPastBound(): void {
    let n = 0;
    let clicks = this.unconfirmedClicks;
    while (clicks > this.options.maxUnconfirmed) clicks -= this.unconfirmed[n++]!.clicks;
    if (n === 0) return;
    this.options.metrics.clickEvents.inc({ outcome: 'unprotected' }, this.unconfirmedClicks - clicks);
    this.forget(n);
    const now = Date.now();
    if (now - this.lastOverflowLog < OVERFLOW_LOG_MS) return;
    this.lastOverflowLog = now;
    this.options.log.warn({ unconfirmed: this.unconfirmedClicks }, 'click stream consumers are far behind: the oldest clicks are left to Redis alone (a Redis restart now would lose them)');
  }

  /**
   * Forgets the entries the consumer group has acknowledged: those it delivered (up to its
   * last-delivered-id) that are no longer pending. If Redis is not the server the entries were appended
   * to, or the stream is gone, appends them all again.
   */
  private check(): Promise<void> {
    if (this.closed) return this.steps;
    return this.step(async () => {
      const { stream } = this.options;
      let replies: [Error | null, unknown][];
      try {
        replies = await this.redis.batch('xinfo', (r) => r.multi().info('server').xinfo('GROUPS', stream).xpending(stream, GROUP));
      } catch {
        return; // no answer: keep everything, and ask again at the next tick
      }
      const [[, info], [noStream, groups], [noGroup, summary]] = replies as [[null, string], [Error | null, unknown[][]], [Error | null, [number, string | null]]];
      const runId = /run_id:(\w+)/.exec(info)?.[1];
      if (runId !== this.runId || noStream) {
        this.runId = runId;
        return this.appendAgain();
      }
      if (noGroup) return; // no consumer has started: nothing is applied yet
      const group = groups.find((fields) => fields[fields.indexOf('name') + 1] === GROUP)!;
      const delivered = String(group[group.indexOf('last-delivered-id') + 1]);
      const [pendingCount, firstPending] = summary;
      const acknowledged = (id: string) => compareIds(id, delivered) <= 0 && (pendingCount === 0 || compareIds(id, firstPending!) < 0);
      let n = 0;
      while (n < this.unconfirmed.length && acknowledged(this.unconfirmed[n]!.id)) n++;
      this.forget(n);
    });
  }

  private async appendAgain(): Promise<void> {
    if (this.unconfirmed.length === 0) return;
    const entries = this.unconfirmed.map(({ json, clicks }): Entry => ({ json, clicks }));
    const clicks = this.unconfirmedClicks;
    this.forget(entries.length);
    this.options.log.warn({ entries: entries.length, clicks }, 'Redis lost click stream entries no consumer had applied (restarted?): appending them again');
    this.options.metrics.clickEvents.inc({ outcome: 'resent' }, clicks);
    await this.xadd(entries);
  }

  /** Drops the first n unconfirmed entries. */
  private forget(n: number): void {
    for (const entry of this.unconfirmed.splice(0, n)) this.unconfirmedClicks -= entry.clicks;
  }

  private toFallback(entry: Entry): void {
    for (const event of eventsOf(entry.json)) this.options.fallback.enqueue(event);
  }
}
