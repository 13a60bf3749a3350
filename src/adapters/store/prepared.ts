import type { CompiledQuery, Kysely } from 'kysely';

/**
 * A query built and compiled once, run with the parameters of each call (all of them, in the order the
 * compiled SQL binds them). For the reads that every redirect miss and every API-key request makes:
 * building Kysely's tree and compiling it to SQL each time cost about as much as SQLite running it.
 */
export function prepared<DB, R>(db: Kysely<DB>, query: { compile(): CompiledQuery<R> }): (parameters: readonly unknown[]) => Promise<R | undefined> {
  const compiled = query.compile();
  return async (parameters) => {
    const bound: CompiledQuery<R> = { ...compiled, parameters };
    return (await db.executeQuery(bound)).rows[0];
  };
}
