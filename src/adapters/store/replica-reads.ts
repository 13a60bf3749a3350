import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from './schema.js';
import { CircuitBreaker } from '../../resilience/circuit-breaker.js';
import { withTimeout } from '../../resilience/wait.js';
import type { ReadCounts } from '../../ports.js';
import { completeUntil, parseLsn, type LsnSample } from './replica-lag.js';

/**
 * Where a read that may be stale runs. The stores ask this for the reads listed in docs/DESIGN.md#read-replica
 * (the redirect's miss, click stats) and run every other statement on the primary themselves.
 */
export interface ReadRouter {
  /**
   * Runs `query` on the replica when it is usable and `key` (a link key) was not written recently, else
   * on the primary. With `found`, an answer the replica gives that `found` rejects (a row it may not have
   * replayed yet) is asked of the primary again, so "absent" is always the primary's word.
   */
  read<T>(query: (db: Kysely<Database>) => Promise<T>, options?: { key?: string; found?: (answer: T) => boolean }): Promise<T>;
  /** A write to this link key (`*`: to any) has been made: its reads go to the primary while a replica may still lack it. */
  written(key: string): void;
  /** What served the reads so far. */
  counts(): ReadCounts;
  /** Stops polling. */
  close(): void;
  /** Ends the replica's pool (after close()). */
  end?(): Promise<void>;
}

/** No replica (SQLite, or PostgreSQL without DATABASE_READ_URL): everything on the one connection. */
export function primaryOnly(db: Kysely<Database>): ReadRouter {
  let primary = 0;
  return {
    read: (query) => (primary++, query(db)),
    written: () => {},
    counts: () => ({ primary, replica: 0, lagMs: null }),
    close: () => {},
  };
}

export interface ReplicaOptions {
  /** Past this replay lag the replica is not read from. */
  maxLagMs: number;
  log: Logger;
  /** Consecutive failed replica calls that open its breaker (then every read goes to the primary for `openMs`). */
  failureThreshold?: number;
  openMs?: number;
  /** Ends the replica's connections. */
  end(): Promise<void>;
}

/** At most this many written keys are remembered; past it every read goes to the primary until the replica has them all (a burst of writes). */
const MAX_RECENT = 10_000;

/**
 * Reads on a streaming replica, with the primary as the fallback of each one. The replica is usable
 * while the last background poll measured its replay lag at most `maxLagMs` and its breaker is
 * closed; a failed call (refused, timed out) falls back to the primary at once and counts toward the
 * breaker. A key written (invalidated) at time w is read on the primary until a poll finds the replica
 * complete past w: a primary WAL position read after w is replayed (docs/DESIGN.md#read-replica).
 */
export class ReplicaReads implements ReadRouter {
  /** The poll runs every quarter of the bound, clamped to 50 ms … 1 s: a lag is seen within 25 % of it. */
  readonly pollMs: number;
  private usable = false;
  private lagMs: number | null = null;
  private samples: LsnSample[] = [];
  /** The replica has every commit the primary made before this time (epoch ms), as of the last poll. */
  private complete = -Infinity;
  /** Link keys written, with when: in time order. */
  private readonly recent = new Map<string, number>();
  /** When every key was written (`*`, or too many keys to keep). */
  private allWrittenAt = -Infinity;
  private primaryReads = 0;
  private replicaReads = 0;
  private readonly breaker: CircuitBreaker;
  private readonly timer: NodeJS.Timeout;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly primary: Kysely<Database>,
    private readonly replica: Kysely<Database>,
    private readonly options: ReplicaOptions,
  ) {
    this.pollMs = Math.min(1_000, Math.max(50, Math.floor(options.maxLagMs / 4)));
    this.breaker = new CircuitBreaker({
      name: 'replica', failureThreshold: options.failureThreshold ?? 3, openMs: options.openMs ?? 2_000,
      onStateChange: (state) => {
        if (state === 'open') options.log.warn('read replica failing: reads go to the primary');
        else options.log.info({ state }, 'read replica breaker');
      },
    });
    this.timer = setInterval(() => void this.poll(), this.pollMs).unref();
    void this.poll();
  }

  /** One measurement of the lag (one statement on each server); polls never overlap. */
  poll(): Promise<void> {
    this.polling ??= this.measure().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async measure(): Promise<void> {
    const at = Date.now();
    try {
      const { rows } = await sql<{ lsn: string }>`select pg_current_wal_lsn()::text as lsn`.execute(this.primary);
      this.samples.push({ at, lsn: parseLsn(rows[0]!.lsn) });
    } catch {
      // The primary is away: the replica is judged against the older samples, so its lag only grows.
    }
    // Older samples can only say "more behind than the bound", which the newest unreplayed one says already.
    const keepFrom = at - 4 * (this.options.maxLagMs + this.pollMs);
    while (this.samples.length > 1 && this.samples[0]!.at < keepFrom) this.samples.shift();
    const was = this.usable;
    try {
      // A replica that does not answer within the bound is out of use by then, not after DATABASE_TIMEOUT_MS (a hung host).
      const { rows } = await this.breaker.run(() =>
        withTimeout(sql<{ lsn: string | null }>`select pg_last_wal_replay_lsn()::text as lsn`.execute(this.replica), this.options.maxLagMs));
      const replayed = rows[0]!.lsn;
      // Not a standby (pointed at a primary, or promoted): it has every commit made before this poll.
      this.complete = replayed === null ? at : completeUntil(this.samples, parseLsn(replayed));
      this.lagMs = Math.max(0, Date.now() - this.complete);
      this.usable = this.lagMs <= this.options.maxLagMs;
    } catch {
      this.lagMs = null;
      this.usable = false;
    }
    if (was !== this.usable) {
      this.options.log.info({ lagMs: this.lagMs, maxLagMs: this.options.maxLagMs }, this.usable ? 'read replica in use' : 'read replica not in use: reads go to the primary');
    }
  }

  async read<T>(query: (db: Kysely<Database>) => Promise<T>, options: { key?: string; found?: (answer: T) => boolean } = {}): Promise<T> {
    if (!this.usable || this.justWritten(options.key)) return this.onPrimary(query);
    let answer: T;
    try {
      answer = await this.breaker.run(() => query(this.replica));
    } catch {
      return this.onPrimary(query);
    }
    if (options.found && !options.found(answer)) return this.onPrimary(query);
    this.replicaReads++;
    return answer;
  }

  written(key: string): void {
    const at = Date.now();
    if (key === '*' || this.recent.size >= MAX_RECENT) {
      this.allWrittenAt = at;
      this.recent.clear();
    } else {
      this.recent.delete(key); // re-inserted last: the map stays in time order
      this.recent.set(key, at);
    }
  }

  counts(): ReadCounts {
    return { primary: this.primaryReads, replica: this.replicaReads, lagMs: this.lagMs };
  }

  close(): void {
    clearInterval(this.timer);
  }

  end(): Promise<void> {
    return this.options.end();
  }

  /**
   * Whether the replica may lack the last write to `key`: it was written at or after the time the
   * replica is known complete until (a sample taken in the same millisecond may predate the commit).
   */
  private justWritten(key: string | undefined): boolean {
    if (this.allWrittenAt >= this.complete) return true;
    for (const [k, at] of this.recent) {
      if (at >= this.complete) break;
      this.recent.delete(k);
    }
    return key !== undefined && this.recent.has(key);
  }

  private onPrimary<T>(query: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    this.primaryReads++;
    return query(this.primary);
  }
}
