import type { CacheEntry } from '../../ports.js';

/**
 * One level of the tiered cache (L1 in-process, L2 Redis): code → link entries. An adapter-internal
 * contract between tiered.ts and its levels; use cases see only the LinkLookup port. Reads are
 * cache-aside: `get` returns a token, the caller reads the store, and `fill` stores what it read only
 * if nobody invalidated the code in between — so a slow read of the old row can never overwrite the
 * invalidation of an update.
 */
export interface LinkCache {
  /** The entry for the code (undefined on a miss), and the token a later fill must present. */
  get(code: string): Promise<{ entry: CacheEntry | undefined; token: string }>;
  /** Stores the entry for ttlMs, unless the code was invalidated after `token` was issued. */
  fill(code: string, entry: CacheEntry, token: string, ttlMs: number): Promise<void>;
  /** Drops the code's entry and voids every token issued for it so far. */
  invalidate(code: string): Promise<void>;
}
