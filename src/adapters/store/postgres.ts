import pg from 'pg';
import { Kysely, PostgresDialect } from 'kysely';
import { KyselyStore, fieldOfConstraint } from './kysely-store.js';
import type { Database } from './schema.js';

const INT8_OID = 20;

/** Production store: a pg connection pool. Times are bigint epoch ms, read back as JS numbers (exact below 2^53). */
export function createPostgresStore(url: string, poolSize = 10): KyselyStore {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new KyselyStore(db, (err) => {
    const e = err as { code?: string; constraint?: string };
    return e.code === '23505' ? fieldOfConstraint(e.constraint ?? '') : undefined;
  });
}
