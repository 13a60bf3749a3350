import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import type { Logger } from 'pino';
import { kyselyStore, type KyselyStore } from './index.js';
import { fieldOfConstraint } from './dialect.js';
import { BoundedPool, StoreHealth } from './postgres-pool.js';
import type { Database } from './schema.js';
import type { PostgresPool, ReadReplica } from '../../config.js';
import { ReplicaReads, primaryOnly } from './replica-reads.js';

const INT8_OID = 20;

/**
 * Migrations and compaction: one connection, and statements that may run this long (an index built on
 * a large table, a day's rollups folded). Opening the connection keeps the request path's timeout.
 */
const MAINTENANCE_TIMEOUT_MS = 10 * 60_000;

/** Production store: a pg connection pool. Times are bigint epoch ms, read back as JS numbers (exact below 2^53). */
export function createPostgresStore(options: PostgresPool & { url: string; replica?: ReadReplica; log: Logger }): KyselyStore {
  const config = poolConfig(options.url);
  const health = new StoreHealth(options.log);
  const connectTimeoutMs = options.timeoutMs;
  const pool = new BoundedPool(config, { size: options.poolSize, connectTimeoutMs, timeoutMs: options.timeoutMs, maxWaiting: options.maxWaiting }, health);
  const maintenance = new BoundedPool(config, { size: 1, connectTimeoutMs, timeoutMs: MAINTENANCE_TIMEOUT_MS, maxWaiting: 10 }, health);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const reads = options.replica ? replicaReads(db, options.replica, options) : primaryOnly(db);
  return kyselyStore({
    db,
    reads,
    maintenance: new Kysely<Database>({ dialect: new PostgresDialect({ pool: maintenance }) }),
    uniqueViolationOf: (err) => {
      const e = err as { code?: string; constraint?: string };
      return e.code === '23505' ? fieldOfConstraint(e.constraint ?? '') : undefined;
    },
    // Ends every pool for good, even one Kysely never used (its destroy() skips those, and a later call would open them again).
    end: () => Promise.all([pool.end(), maintenance.end(), reads.end?.()]).then(() => {}),
  });
}

/**
 * Reads on the replica DATABASE_READ_URL names, over a pool as large and as bounded as the primary's;
 * its outages are logged apart (StoreHealth warns once per outage, and the replica's costs no 503).
 */
function replicaReads(primary: Kysely<Database>, replica: ReadReplica, options: PostgresPool & { log: Logger }): ReplicaReads {
  const health = new StoreHealth(options.log.child({ pool: 'replica' }), 'read replica unavailable: its reads go to the primary until it answers');
  const limits = { size: options.poolSize, connectTimeoutMs: options.timeoutMs, timeoutMs: options.timeoutMs, maxWaiting: options.maxWaiting };
  const pool = new BoundedPool(poolConfig(replica.url), limits, health);
  return new ReplicaReads(primary, new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), { maxLagMs: replica.maxLagMs, log: options.log, end: () => pool.end() });
}

/** A pg pool's configuration: bigint (int8) read back as JS numbers. */
function poolConfig(url: string): pg.PoolConfig {
  return {
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  };
}
