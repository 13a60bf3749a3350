import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruLinkCache } from '../../src/adapters/cache/lru.js';
import { TieredLinkCache } from '../../src/adapters/cache/tiered.js';
import { createMetrics } from '../../src/obs/metrics.js';
import type { CacheEntry, CachedLink, Store } from '../../src/ports.js';
import type { LinkCache } from '../../src/adapters/cache/link-cache.js';

const link = (url: string): CachedLink => ({ id: 'l1', url, redirectType: 302, expiresAt: null, maxClicks: null, hasPassword: false, expiredUrl: null });

test('when Redis does not take an invalidation, the writing instance reads the store, not the stale Redis entry', async () => {
  let stored: CachedLink | undefined = link('https://example.com/new');
  let failInvalidate = true;
  // Redis still holds the old entry, and refuses the invalidation (a timeout, say).
  const l2: LinkCache = {
    get: async () => ({ entry: link('https://example.com/old') as CacheEntry, token: '0' }),
    fill: async () => {},
    invalidate: async () => {
      if (failInvalidate) throw new Error('timed out');
    },
  };
  const store = { findTargetByCode: async () => stored } as unknown as Store;
  const cache = new TieredLinkCache(new LruLinkCache({ maxEntries: 100, maxBytes: 1 << 20 }), l2, store,
    { ttlMs: 60_000, l1TtlMs: 60_000, negativeTtlMs: 60_000 }, createMetrics());
  try {
    await cache.invalidate('code1');
    assert.equal((await cache.lookup('code1'))?.url, 'https://example.com/new');
    stored = undefined;
    await cache.invalidate('code1');
    assert.equal(await cache.lookup('code1'), null, 'a deleted link is gone for the writer at once');
    // Once Redis takes the invalidations, Redis is read again.
    failInvalidate = false;
    await cache.replayPending();
    await cache.invalidate('code1');
    assert.equal((await cache.lookup('code1'))?.url, 'https://example.com/old', 'read from Redis again (the fake keeps its entry)');
  } finally {
    cache.close();
  }
});

/**
 * A store whose first read sees the row stored at that moment and is then held up (a slow store) until
 * `release()`, and an L1-only cache over it: what a write made meanwhile does to that read's answer.
 */
function slowFirstRead() {
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  const state = { stored: link('https://example.com/old') as CachedLink | undefined, reads: 0 };
  const store = {
    findTargetByCode: async () => {
      const row = state.stored;
      if (++state.reads === 1) await held;
      return row;
    },
  } as unknown as Store;
  const cache = new TieredLinkCache(new LruLinkCache({ maxEntries: 100, maxBytes: 1 << 20 }), undefined, store,
    { ttlMs: 60_000, l1TtlMs: 60_000, negativeTtlMs: 60_000 }, createMetrics());
  return { cache, state, release: () => release() };
}

test('when a code is invalidated while its load is under way, then a lookup after the invalidation loads again instead of sharing it', async () => {
  const { cache, state, release } = slowFirstRead();
  try {
    const before = cache.lookup('code2');
    await new Promise((resolve) => setImmediate(resolve));
    state.stored = link('https://example.com/new');
    await cache.invalidate('code2');
    const after = cache.lookup('code2');
    release();
    assert.equal((await after)?.url, 'https://example.com/new');
    assert.equal((await before)?.url, 'https://example.com/old', 'the lookup made before the edit may see the old row');
    assert.equal((await cache.lookup('code2'))?.url, 'https://example.com/new', 'and the old load did not fill the cache');
    assert.equal(state.reads, 2);
  } finally {
    cache.close();
  }
});

test('when a link is deleted during a slow read and 10,000 other codes are invalidated before the read ends, then the old row is not cached', async () => {
  const { cache, state, release } = slowFirstRead();
  try {
    const before = cache.lookup('gone');
    await new Promise((resolve) => setImmediate(resolve));
    state.stored = undefined;
    await cache.invalidate('gone');
    // An import's worth of invalidations: more than the in-process cache keeps a record of.
    for (let i = 0; i < 10_001; i++) await cache.invalidate(`imported-${i}`);
    release();
    assert.equal((await before)?.url, 'https://example.com/old', 'the lookup made before the delete may see the old row');
    assert.equal(await cache.lookup('gone'), null, 'but the old row was not cached');
    assert.equal(state.reads, 2);
  } finally {
    cache.close();
  }
});
