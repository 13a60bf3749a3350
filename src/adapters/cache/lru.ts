import { LRUCache } from 'lru-cache';
import type { CacheEntry, LinkCache } from '../../ports.js';

/** Bytes an entry is charged: its strings as UTF-16, plus a fixed overhead for the object and the map slot. */
const sizeOf = (code: string, entry: CacheEntry): number => 2 * (code.length + (entry ? entry.url.length + entry.id.length : 0)) + 160;

/**
 * The in-process cache (L1): a least-recently-used map bounded by entry count and by bytes.
 * Tokens are a generation counter: invalidating a code records the generation at which it happened,
 * and a fill holding an older token is dropped.
 */
export class LruLinkCache implements LinkCache {
  private readonly entries: LRUCache<string, { entry: CacheEntry }>;
  /** code → generation of its last invalidation; only needs to outlive the slowest store read. */
  private readonly invalidated = new LRUCache<string, number>({ max: 10_000, ttl: 60_000 });
  private generation = 0;

  constructor(options: { maxEntries: number; maxBytes: number }) {
    this.entries = new LRUCache({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (value, code) => sizeOf(code, value.entry),
    });
  }

  /** Synchronous read for the hot path. */
  peek(code: string): CacheEntry | undefined {
    return this.entries.get(code)?.entry;
  }

  /** The token a fill after a store read must present. */
  token(): string {
    return String(this.generation);
  }

  async get(code: string) {
    return { entry: this.peek(code), token: this.token() };
  }

  async fill(code: string, entry: CacheEntry, token: string, ttlMs: number): Promise<void> {
    if ((this.invalidated.get(code) ?? -1) >= Number(token)) return;
    this.entries.set(code, { entry }, { ttl: ttlMs });
  }

  async invalidate(code: string): Promise<void> {
    this.invalidated.set(code, this.generation++);
    this.entries.delete(code);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }
}
