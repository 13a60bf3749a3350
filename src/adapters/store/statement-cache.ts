import { LRUCache } from 'lru-cache';

/**
 * Kysely prepares every query it runs, and better-sqlite3 compiles the SQL on every prepare(): a tenth
 * of the CPU of creating links went there. The same few hundred SQL texts recur, so their compiled
 * statements are kept: at most `maxEntries`, and only texts of at most `maxSqlLength` characters.
 *
 * Why the length bound: a statement's compiled form lives in SQLite's native memory, outside V8's
 * view, and grows with its text. Every fixed query of Kurz is under 500 characters. Longer texts are
 * bulk statements whose shape depends on a batch's size (an upsert of 300 click-count rows is 9,913
 * characters and about 260 KiB compiled); they seldom repeat. With every text cached, the main
 * malloc arena grew from 8 to 68 MB in 4 minutes of a Zipf load; with this bound it stays at 28–31 MB.
 * Compiling one takes 0.2–0.7 ms (100–300 rows), a few percent of applying its batch; uncached, it is
 * freed when V8 collects its wrapper.
 */
export interface StatementCacheLimits {
  maxEntries: number;
  maxSqlLength: number;
}

export const STATEMENT_CACHE: StatementCacheLimits = { maxEntries: 500, maxSqlLength: 1_000 };

/** `prepare` with compiled statements reused by SQL text, within `limits`. */
export function statementCache<S extends object>(compile: (sql: string) => S, limits: StatementCacheLimits = STATEMENT_CACHE) {
  const statements = new LRUCache<string, S>({ max: limits.maxEntries });
  return {
    prepare(sql: string): S {
      if (sql.length > limits.maxSqlLength) return compile(sql);
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = compile(sql)));
      return statement;
    },
    /** Statements held. */
    get size(): number {
      return statements.size;
    },
  };
}
