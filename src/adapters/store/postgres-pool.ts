import pg from 'pg';
import type { Logger } from 'pino';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { StoreUnavailable } from '../../ports.js';
import { withTimeout } from '../../resilience/wait.js';

export interface PoolLimits {
  /** Connections at most. */
  size: number;
  /** Opening a connection, or waiting for one when all are busy, fails after this long. */
  connectTimeoutMs: number;
  /** A call's budget: the wait for a connection plus its first statement; each later statement of a transaction gets as long again. */
  timeoutMs: number;
  /** Calls that may wait for a connection while `size` are busy; the next one fails at once. */
  maxWaiting: number;
}

/**
 * A pg pool for Kysely that stays safe when PostgreSQL restarts, goes away or hangs:
 * - No client error can end the process. pg-pool listens for a client's errors only while the client
 *   is idle, and Kysely not at all; a client inside a transaction whose server terminates it (`pg_ctl
 *   restart`) emitted 'error' with no listener, and `kurz worker` died. Here every client has a
 *   listener for its whole life; its broken state fails its calls instead.
 * - Every call is bounded in time, client-side (a stopped server cannot enforce its statement_timeout):
 *   see PoolLimits. A connection whose statement timed out or broke is discarded, never handed out
 *   again: its late reply must not be read as the answer to someone else's statement.
 * - At most `size + maxWaiting` calls at once; the next fails at once (load shedding), so a hung
 *   database cannot make waiting work, and the memory it holds, grow without bound.
 * Failures that mean "the database is not there now" leave as StoreUnavailable; others (a unique
 * violation, a bug) as they came.
 */
export class BoundedPool implements PostgresPool {
  private readonly pool: pg.Pool;
  /** Calls between connect() and release(): running on a connection, or waiting for one. */
  private calls = 0;

  constructor(
    config: pg.PoolConfig,
    private readonly limits: PoolLimits,
    private readonly health: StoreHealth,
  ) {
    this.pool = new pg.Pool({
      ...config,
      max: limits.size,
      connectionTimeoutMillis: limits.connectTimeoutMs,
      // On a live server, a slow statement is cancelled there too, and its connection stays usable.
      statement_timeout: limits.timeoutMs,
    });
    this.pool.on('connect', (client) => client.on('error', () => {}));
    // An idle client that lost its server: pg-pool has dropped it already.
    this.pool.on('error', () => {});
  }

  async connect(): Promise<PostgresPoolClient> {
    const { size, maxWaiting, timeoutMs } = this.limits;
    if (this.calls >= size + maxWaiting) {
      throw this.health.failed(new StoreUnavailable('overloaded', 'too many requests are waiting for the database; try again shortly'));
    }
    this.calls++;
    const deadline = Date.now() + timeoutMs;
    try {
      const client = new BoundedClient(await this.pool.connect(), deadline, timeoutMs, this.health, () => this.calls--);
      return client as unknown as PostgresPoolClient;
    } catch (err) {
      this.calls--;
      throw this.health.failed(unavailable(err) ?? err);
    }
  }

  /** Ends the pool for good (idempotent): a call after this fails as unreachable. */
  end(): Promise<void> {
    this.ended ??= this.pool.end();
    return this.ended;
  }

  private ended: Promise<void> | undefined;
}

/** A checked-out connection as Kysely sees it (statements with parameters; no cursors, which Kurz does not use). */
class BoundedClient implements Pick<PostgresPoolClient, 'release'> {
  /** Set once the connection must not be used again: a statement timed out, or the connection broke. */
  private broken: StoreUnavailable | undefined;
  private first = true;

  constructor(
    private readonly client: pg.PoolClient,
    /** When the call's budget ends: the first statement must answer by then. */
    private readonly deadline: number,
    private readonly timeoutMs: number,
    private readonly health: StoreHealth,
    private readonly done: () => void,
  ) {}

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> {
    // Kysely's ROLLBACK after a failed statement lands here too: it fails at once on a broken connection.
    if (this.broken) return Promise.reject(new StoreUnavailable(this.broken.reason, this.broken.message));
    const ms = this.first ? Math.max(1, this.deadline - Date.now()) : this.timeoutMs;
    this.first = false;
    // Past its time the statement's answer is not awaited (it is ignored if it comes) and the connection is done with.
    const timedOut = () => (this.broken = new StoreUnavailable('timeout', 'the database did not answer in time; try again shortly'));
    return withTimeout(this.client.query(sql, parameters as unknown[]), ms, timedOut).then(
      (result) => {
        this.health.succeeded();
        return result as unknown as PostgresQueryResult<R>;
      },
      (err: unknown) => {
        if (err === this.broken) throw this.health.failed(err);
        const failure = unavailable(err);
        if (failure?.reason === 'unreachable') this.broken = failure;
        throw failure ? this.health.failed(failure) : err;
      },
    );
  }

  release(): void {
    this.done();
    // An error makes pg-pool close the connection (destroying the socket if a statement is still out) instead of keeping it.
    this.client.release(this.broken);
  }
}

/**
 * Logs each outage of the database once: a warning when calls start failing (instead of a stack
 * trace per request), and one line when a statement succeeds again.
 */
export class StoreHealth {
  private failures = 0;

  constructor(
    private readonly log: Logger,
    /** What the outage means, logged when it starts (a read replica's calls fall back to the primary instead). */
    private readonly outage = 'database unavailable: calls fail with 503 until it answers',
  ) {}

  /** Records a failed call; returns the error, for `throw`. */
  failed<E>(err: E): E {
    if (err instanceof StoreUnavailable && this.failures++ === 0) {
      this.log.warn({ reason: err.reason, cause: (err.cause as Error | undefined)?.message }, this.outage);
    }
    return err;
  }

  succeeded(): void {
    if (this.failures === 0) return;
    this.log.info({ failedCalls: this.failures }, 'database answers again');
    this.failures = 0;
  }
}

/**
 * SQLSTATE classes that mean the database cannot serve now, not that the statement is wrong:
 * 08 connection exception, 53 insufficient resources (too many connections, disk full), 57 operator
 * intervention (shutting down, starting up, statement cancelled by statement_timeout), 58 system
 * error, and 25006 (a read-only standby, as after a failover).
 */
const UNAVAILABLE_STATE = /^(08|53|57|58)|^25006$/;
/** pg's and pg-pool's own errors for a lost, refused or timed-out connection (they carry no code). */
const DRIVER_FAILURE = /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

/** The error as StoreUnavailable when it means the database is not there (or too slow) now; undefined otherwise. */
export function unavailable(err: unknown): StoreUnavailable | undefined {
  if (err instanceof StoreUnavailable) return err;
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : '';
  // Node's socket errors: ECONNREFUSED, ECONNRESET, ENOENT (no socket file), ETIMEDOUT, EPIPE, EAI_AGAIN …
  const socket = typeof code === 'string' && /^E[A-Z_]+$/.test(code);
  const state = typeof code === 'string' && UNAVAILABLE_STATE.test(code);
  if (!socket && !state && !DRIVER_FAILURE.test(text)) return undefined;
  const timeout = code === '57014' || /timeout|timed out/i.test(text);
  return timeout
    ? new StoreUnavailable('timeout', 'the database did not answer in time; try again shortly', { cause: err })
    : new StoreUnavailable('unreachable', 'the database cannot be reached; try again shortly', { cause: err });
}
