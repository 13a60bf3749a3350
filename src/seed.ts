import type { Store } from './ports.js';
import { newId } from './domain/ids.js';

export interface SeedOptions {
  /** Codes are `<prefix><i in base 36, 7 digits>`: distinct per run prefix, and never a reserved word. */
  prefix?: string;
  now?: number;
  /** The domain the links are on (default: the default domain). */
  domainId?: string;
  /** Stops between two transactions: the links written so far stay, whole batches only. */
  signal?: AbortSignal;
  /** Told the size of each batch once it is committed. */
  onBatch?: (count: number) => void;
}

/** Links per transaction: large enough to amortise the commit, small enough to keep memory flat. */
const TRANSACTION = 10_000;

/** The code of the i-th seeded link of a run. */
const codeOf = (prefix: string, i: number): string => `${prefix}${i.toString(36).padStart(7, '0')}`;

/**
 * `kurz seed --links N --owner EMAIL`: N links to https://example.com/<code>, owned by an existing
 * account, for benchmarks and for trying Kurz at scale. Multi-row inserts, 10,000 links per
 * transaction, each batch made when its turn comes (memory stays flat at any N). Returns the codes
 * written, in insertion order: all N, or the whole batches before `signal` aborted.
 */
export async function seedLinks(store: Store, ownerId: string, count: number, options: SeedOptions = {}): Promise<string[]> {
  const { prefix = 's', now = Date.now(), domainId, signal, onBatch } = options;
  const codes: string[] = [];
  for (let start = 0; start < count && !signal?.aborted; start += TRANSACTION) {
    const batch = Array.from({ length: Math.min(TRANSACTION, count - start) }, (_, i) => codeOf(prefix, start + i));
    await store.insertLinks(batch.map((code) => ({
      id: newId(now), domainId, code, url: `https://example.com/${code}`, title: null, tags: [], redirectType: 301,
      expiresAt: null, maxClicks: null, ownerId, createdAt: now,
    })));
    codes.push(...batch);
    onBatch?.(batch.length);
  }
  return codes;
}
