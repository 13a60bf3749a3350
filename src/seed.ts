import type { Store } from './ports.js';
import { newId } from './domain/ids.js';

export interface SeedOptions {
  /** Codes are `<prefix><i in base 36, 7 digits>`: distinct per run prefix, and never a reserved word. */
  prefix?: string;
  now?: number;
  /** The domain the links are on (default: the default domain). */
  domainId?: string;
}

/** Links per transaction: large enough to amortise the commit, small enough to keep memory flat. */
const TRANSACTION = 10_000;

/**
 * `kurz seed --links N --owner EMAIL`: N links to https://example.com/<code>, owned by an existing
 * account, for benchmarks and for trying Kurz at scale. Multi-row inserts, 10,000 links per transaction. Returns the codes in insertion order.
 */
export async function seedLinks(store: Store, ownerId: string, count: number, options: SeedOptions = {}): Promise<string[]> {
  const { prefix = 's', now = Date.now(), domainId } = options;
  const codes = Array.from({ length: count }, (_, i) => `${prefix}${i.toString(36).padStart(7, '0')}`);
  for (let start = 0; start < count; start += TRANSACTION) {
    await store.insertLinks(codes.slice(start, start + TRANSACTION).map((code) => ({
      id: newId(now), domainId, code, url: `https://example.com/${code}`, title: null, tags: [], redirectType: 301,
      expiresAt: null, maxClicks: null, ownerId, createdAt: now,
    })));
  }
  return codes;
}
