import type { Kysely } from 'kysely';
import { UniqueViolation } from '../../ports.js';
import type { Database } from './schema.js';
import type { ReadRouter } from './replica-reads.js';

/** How an adapter recognises a unique-index failure of its driver, and which field it concerns. */
export type UniqueViolationOf = (err: unknown) => UniqueViolation['field'] | undefined;

/**
 * What SQLite and PostgreSQL do differently, as data: the way Kysely's own Dialect is a record of a
 * driver, an adapter and a compiler, and not a subclass of the query builder. sqlite.ts and
 * postgres.ts each build one; every store (accounts.ts, links.ts, clicks.ts, lifecycle.ts) takes it
 * and writes its queries once for both.
 */
export interface StoreDialect {
  /** The request path's connection (PostgreSQL: a bounded pool with a statement timeout). */
  readonly db: Kysely<Database>;
  /**
   * Where migrations and compaction run: statements that may rightly take minutes on a large
   * database, so not under the request path's timeout (PostgreSQL gives them a pool of their own).
   */
  readonly maintenance: Kysely<Database>;
  /** Where the reads that may be a little stale run: a read replica, or `db` (primaryOnly). Every other statement runs on `db`. */
  readonly reads: ReadRouter;
  /** The field a driver's unique-index error concerns; undefined for any other error. */
  readonly uniqueViolationOf: UniqueViolationOf;
  /** Releases what destroying the Kysely instances leaves open, after they are destroyed (PostgreSQL's pools). */
  end?(): Promise<void>;
}

/** Runs a write, turning the driver's unique-index error into UniqueViolation. */
export async function unique<T>(dialect: StoreDialect, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    const field = dialect.uniqueViolationOf(err);
    throw field ? new UniqueViolation(field) : err;
  }
}

/** Maps a unique index to the API field it protects ("links.code", "links_code", …). */
export function fieldOfConstraint(text: string): UniqueViolation['field'] | undefined {
  if (/\bcode\b|links_domain_code/.test(text)) return 'code';
  if (/hostname/.test(text)) return 'hostname';
  if (/email/.test(text)) return 'email';
  if (/prefix/.test(text)) return 'prefix';
  return undefined;
}
