/**
 * One contract for the LinkCache port, run against the in-process LRU and against Redis, then a few
 * checks that only one adapter promises (LRU bounds, Redis pub/sub and hash tags).
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { CachedLink } from '../../src/ports.js';
import type { LinkCache } from '../../src/adapters/cache/link-cache.js';
import { LruLinkCache } from '../../src/adapters/cache/lru.js';
import { RedisLinkCache } from '../../src/adapters/cache/redis.js';
import { RedisConnection } from '../../src/adapters/redis/connection.js';
import { createMetrics } from '../../src/obs/metrics.js';
import { TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';
import { clusterPerFile } from '../support/redis-cluster.js';

const TTL = 60_000;
const cluster = clusterPerFile();
after(() => cluster.stop());
let seq = 0;
/** A code no other test in this run uses. */
const freshCode = (base = 'c') => `${base}${++seq}x${Math.random().toString(36).slice(2, 8)}`;
const link = (over: Partial<CachedLink> = {}): CachedLink => ({
  id: `01HZ${++seq}`, url: `https://example.com/${seq}`, redirectType: 302, expiresAt: null, maxClicks: null, hasPassword: false, expiredUrl: null, ...over,
});

/** A connection whose command client is ready: it has no offline queue, so a command sent earlier fails at once. */
async function connect(url = TEST_REDIS_URL): Promise<RedisConnection> {
  const conn = new RedisConnection(url, { timeoutMs: 500, metrics: createMetrics(), log: pino({ level: 'silent' }) });
  if (conn.client.status !== 'ready') await once(conn.client, 'ready');
  return conn;
}

/** Each adapter opens a cache for one suite and closes whatever it holds. */
const adapters: Array<{ name: string; open(): Promise<{ cache: LinkCache; close(): Promise<void> }> }> = [
  {
    name: 'lru',
    open: async () => ({ cache: new LruLinkCache({ maxEntries: 1000, maxBytes: 1 << 20 }), close: async () => {} }),
  },
  {
    name: 'redis',
    async open() {
      await assertRedisUp();
      const conn = await connect();
      return { cache: new RedisLinkCache(conn, { prefix: uniquePrefix(), maxTtlMs: TTL }), close: () => conn.close() };
    },
  },
  {
    name: 'redis cluster',
    async open() {
      const conn = await connect((await cluster.get()).url);
      return { cache: new RedisLinkCache(conn, { prefix: uniquePrefix(), maxTtlMs: TTL }), close: () => conn.close() };
    },
  },
];

/** Fills the code through a fresh token, as the cache-aside reader does after a miss. */
async function put(cache: LinkCache, code: string, entry: CachedLink | null, ttlMs = TTL): Promise<void> {
  const { token } = await cache.get(code);
  await cache.fill(code, entry, token, ttlMs);
}

for (const adapter of adapters) {
  describe(`link cache contract: ${adapter.name}`, () => {
    let opened: { cache: LinkCache; close(): Promise<void> } | undefined;
    before(async () => void (opened = await adapter.open()));
    after(() => opened?.close());
    const current = (): LinkCache => opened!.cache;

    test('a miss returns entry undefined and a token string', async () => {
      const result = await current().get(freshCode());
      assert.equal(result.entry, undefined);
      assert.equal(typeof result.token, 'string');
    });

    test('fill then get returns the same link entry', async () => {
      const code = freshCode();
      const entry = link({ redirectType: 301, expiresAt: 1_900_000_000_000, maxClicks: 7 });
      await put(current(), code, entry);
      assert.deepEqual((await current().get(code)).entry, entry);
    });

    test('a negative entry is returned as null, not undefined', async () => {
      const code = freshCode();
      await put(current(), code, null);
      assert.equal((await current().get(code)).entry, null);
    });

    test('an entry expires after its ttlMs', async () => {
      const code = freshCode();
      await put(current(), code, link(), 60);
      assert.notEqual((await current().get(code)).entry, undefined);
      await sleep(150);
      assert.equal((await current().get(code)).entry, undefined);
    });

    test('invalidate removes the entry', async () => {
      const code = freshCode();
      await put(current(), code, link());
      await current().invalidate(code);
      assert.equal((await current().get(code)).entry, undefined);
    });

    test('invalidate of a code that was never cached resolves', async () => {
      const code = freshCode();
      await current().invalidate(code);
      assert.equal((await current().get(code)).entry, undefined);
    });

    test('a fill presenting a token issued before an invalidate is ignored', async () => {
      const cache = current();
      const code = freshCode();
      const { token: stale } = await cache.get(code);
      await cache.invalidate(code);
      await cache.fill(code, link({ url: 'https://example.com/old' }), stale, TTL);
      assert.equal((await cache.get(code)).entry, undefined);
    });

    test('a stale fill does not overwrite an entry that is refilled after the invalidate', async () => {
      const cache = current();
      const code = freshCode();
      const { token: stale } = await cache.get(code);
      await cache.invalidate(code);
      const fresh = link({ url: 'https://example.com/new' });
      await put(cache, code, fresh);
      await cache.fill(code, link({ url: 'https://example.com/old' }), stale, TTL);
      assert.deepEqual((await cache.get(code)).entry, fresh);
    });

    test('a fill with a token obtained after the invalidate is stored', async () => {
      const cache = current();
      const code = freshCode();
      await put(cache, code, link());
      await cache.invalidate(code);
      const { entry, token } = await cache.get(code);
      assert.equal(entry, undefined);
      const fresh = link({ url: 'https://example.com/after' });
      await cache.fill(code, fresh, token, TTL);
      assert.deepEqual((await cache.get(code)).entry, fresh);
    });

    test('invalidating one code voids neither the tokens nor the entries of another', async () => {
      const cache = current();
      const [a, b, c] = [freshCode(), freshCode(), freshCode()];
      const kept = link();
      await put(cache, b, kept);
      const { token: tokenC } = await cache.get(c);
      await cache.invalidate(a);
      assert.deepEqual((await cache.get(b)).entry, kept);
      const entryC = link();
      await cache.fill(c, entryC, tokenC, TTL);
      assert.deepEqual((await cache.get(c)).entry, entryC);
    });

    test('codes differing only in case are distinct entries', async () => {
      const cache = current();
      const lower = freshCode('abc');
      const upper = lower.toUpperCase();
      const lowerEntry = link();
      const upperEntry = link();
      await put(cache, lower, lowerEntry);
      assert.equal((await cache.get(upper)).entry, undefined);
      await put(cache, upper, upperEntry);
      assert.deepEqual((await cache.get(lower)).entry, lowerEntry);
      assert.deepEqual((await cache.get(upper)).entry, upperEntry);
      await cache.invalidate(upper);
      assert.deepEqual((await cache.get(lower)).entry, lowerEntry);
      assert.equal((await cache.get(upper)).entry, undefined);
    });
  });
}

describe('LruLinkCache bounds and peek', () => {
  for (const touch of ['get', 'peek'] as const) {
    test(`is bounded by maxEntries, evicting the least recently used first (${touch} counts as a use)`, async () => {
      const cache = new LruLinkCache({ maxEntries: 3, maxBytes: 1 << 20 });
      const entries = { a: link(), b: link(), c: link(), d: link() };
      for (const code of ['a', 'b', 'c'] as const) await put(cache, code, entries[code]);
      if (touch === 'get') await cache.get('a');
      else cache.peek('a');
      // a is now more recent than b, so b is the one to go
      await put(cache, 'd', entries.d);
      assert.equal(cache.size, 3);
      assert.equal(cache.peek('b'), undefined);
      for (const code of ['a', 'c', 'd'] as const) assert.deepEqual(cache.peek(code), entries[code], code);
    });
  }

  test('is bounded by maxBytes however long the URLs', async () => {
    const maxBytes = 8_192;
    const cache = new LruLinkCache({ maxEntries: 1000, maxBytes });
    const longUrl = `https://example.com/${'x'.repeat(500)}`;
    for (let i = 0; i < 200; i++) {
      await put(cache, `long${i}`, link({ url: `${longUrl}${i}` }));
      assert.ok(cache.bytes <= maxBytes, `${cache.bytes} bytes after ${i + 1} fills`);
    }
    assert.ok(cache.size > 0 && cache.size < 200, `${cache.size} entries kept`);
    assert.notEqual(cache.peek('long199'), undefined, 'the newest entry is kept');
    assert.equal(cache.peek('long0'), undefined, 'the oldest entry was evicted');
  });

  test('when an entry expires and nobody reads it, then the cache no longer holds it', async () => {
    const cache = new LruLinkCache({ maxEntries: 1000, maxBytes: 1 << 20 });
    for (let i = 0; i < 100; i++) await put(cache, `short${i}`, link(), 20);
    await put(cache, 'long', link(), 60_000);
    assert.equal(cache.size, 101);
    // Nothing reads the short-lived entries again: only their expiry can drop them.
    for (let waited = 0; cache.size > 1 && waited < 2_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(cache.size, 1, 'the 100 expired entries are gone');
    assert.ok(cache.bytes < 1_000, `${cache.bytes} bytes held for one entry`);
    assert.notEqual(cache.peek('long'), undefined);
  });

  test('peek() is synchronous and agrees with get()', async () => {
    const cache = new LruLinkCache({ maxEntries: 10, maxBytes: 1 << 20 });
    const entry = link();
    await put(cache, 'hit', entry);
    await put(cache, 'negative', null);
    for (const code of ['hit', 'negative', 'missing']) {
      const peeked = cache.peek(code);
      assert.ok(!(peeked instanceof Promise));
      assert.deepEqual(peeked, (await cache.get(code)).entry);
    }
    assert.deepEqual(cache.peek('hit'), entry);
    assert.equal(cache.peek('negative'), null);
    assert.equal(cache.peek('missing'), undefined);
  });
});

describe('LruLinkCache clear', () => {
  test('when cleared, then every entry is gone and a load that began before is not filled in', async () => {
    const cache = new LruLinkCache({ maxEntries: 10, maxBytes: 1 << 20 });
    await put(cache, 'a', link());
    const before = cache.token(); // a store read begins
    cache.clear();
    assert.equal(cache.peek('a'), undefined);
    await cache.fill('b', link(), before, TTL);
    assert.equal(cache.peek('b'), undefined, 'the fill of a read from before the clear is dropped');
    await cache.fill('b', link(), cache.token(), TTL);
    assert.notEqual(cache.peek('b'), undefined);
  });
});

describe('RedisLinkCache across instances', () => {
  const prefix = uniquePrefix();
  let first: RedisConnection;
  let second: RedisConnection;
  before(async () => {
    await assertRedisUp();
    first = await connect();
    second = await connect();
  });
  after(async () => {
    await first?.close();
    await second?.close();
  });

  test('onInvalidation on another instance receives the code invalidated through the first', async () => {
    const a = new RedisLinkCache(first, { prefix, maxTtlMs: TTL });
    const b = new RedisLinkCache(second, { prefix, maxTtlMs: TTL });
    const code = freshCode();
    const received: string[] = [];
    b.onInvalidation((c) => received.push(c));
    // The subscription is set up in the background: invalidate until the message arrives (≤ 2 s).
    const deadline = Date.now() + 2_000;
    while (!received.includes(code) && Date.now() < deadline) {
      await a.invalidate(code);
      await sleep(50);
    }
    assert.ok(received.includes(code), 'no invalidation message within 2 s');
    assert.deepEqual([...new Set(received)], [code]);
  });

  test('when the subscription takes effect, first and again after its connection was dropped, then onSubscribed is called each time, once Redis has it: a message published then arrives', async () => {
    const conn = await connect();
    try {
      const shared = uniquePrefix();
      const cache = new RedisLinkCache(conn, { prefix: shared, maxTtlMs: TTL });
      const writer = new RedisLinkCache(first, { prefix: shared, maxTtlMs: TTL });
      const received: string[] = [];
      cache.onInvalidation((code) => received.push(code));
      let subscribed = 0;
      // What another instance publishes the moment the subscription is reported: it must not be lost.
      cache.onSubscribed(() => void writer.invalidate(`published-at-${++subscribed}`));
      // The subscriber's own events, for the message of a failure: beside other suites in CI this test once
      // saw the subscriber ready again with onSubscribed called only once; alone it has always passed.
      const events: string[] = [];
      const started = Date.now();
      for (const event of ['close', 'reconnecting', 'connect', 'ready'] as const) conn.subscriber.on(event, () => events.push(`${event}@${Date.now() - started}ms`));
      const until = async (done: () => boolean, what: string) => {
        // 20 s: a reconnect waits 100 to 200 ms, and beside other suites on 2 cores it has taken seconds.
        const deadline = Date.now() + 20_000;
        while (!done() && Date.now() < deadline) await sleep(20);
        assert.ok(done(), `${what} (reported ${subscribed} times, subscriber ${conn.subscriber.status}, events ${events.join(' ')}, received ${received.join(' ')})`);
      };
      await until(() => received.includes('published-at-1'), 'called on the first subscription, and the message published then arrived');
      const { localAddress, localPort } = (conn.subscriber as unknown as { stream: { localAddress: string; localPort: number } }).stream;
      await first.call('client kill', (r) => r.client('KILL', 'ADDR', `${localAddress}:${localPort}`));
      await until(() => received.includes('published-at-2'), 'called again once the new subscription took effect, and the message published then arrived');
      assert.equal(subscribed, 2);
    } finally {
      await conn.close();
    }
  });

  test(
    'a fill with a token read just before the generation key expired is ignored after a later invalidate',
    async () => {
      const cache = new RedisLinkCache(first, { prefix: uniquePrefix(), maxTtlMs: 100 });
      const code = freshCode();
      await cache.invalidate(code); // generation 1, kept for maxTtlMs
      const { token } = await cache.get(code); // a reader starts a slow store read
      await sleep(200); // the generation key expires meanwhile
      await cache.invalidate(code); // an update: the generation is recreated, at 1 again
      await cache.fill(code, link({ url: 'https://example.com/stale' }), token, TTL);
      assert.equal((await cache.get(code)).entry, undefined);
    },
  );

  test('the keys of one code share the {code} hash tag', async () => {
    const ownPrefix = uniquePrefix();
    const cache = new RedisLinkCache(first, { prefix: ownPrefix, maxTtlMs: TTL });
    const code = freshCode();
    await cache.invalidate(code); // creates the generation key
    await put(cache, code, link()); // creates the entry key
    const keys = await first.client.keys(`${ownPrefix}*`);
    assert.equal(keys.length, 2, `keys: ${keys.join(', ')}`);
    for (const key of keys) assert.ok(key.includes(`{${code}}`), `${key} lacks {${code}}`);
  });
});

describe('RedisLinkCache on a Redis Cluster', () => {
  test('when a code is invalidated through one instance, then an instance seeded with other nodes hears of it', async () => {
    const { ports } = await cluster.get();
    // Each instance knows only other nodes: the message must cross the cluster bus.
    const [first, second] = [await connect(`redis+cluster://127.0.0.1:${ports[0]}`), await connect(`redis://127.0.0.1:${ports[1]},127.0.0.1:${ports[2]}`)];
    try {
      const prefix = uniquePrefix();
      const [a, b] = [new RedisLinkCache(first, { prefix, maxTtlMs: TTL }), new RedisLinkCache(second, { prefix, maxTtlMs: TTL })];
      const codes = [freshCode(), freshCode(), freshCode()];
      const received = new Set<string>();
      b.onInvalidation((c) => received.add(c));
      // The subscription is set up in the background: invalidate until every message arrives (≤ 5 s).
      for (const deadline = Date.now() + 5_000; received.size < codes.length && Date.now() < deadline; await sleep(50)) {
        for (const code of codes) if (!received.has(code)) await a.invalidate(code);
      }
      assert.deepEqual([...received].sort(), [...codes].sort());
    } finally {
      await first.close();
      await second.close();
    }
  });

  test('when codes are cached, then each code\'s two keys share a slot and different codes spread over the masters', async () => {
    const redis = await cluster.get();
    const conn = await connect(redis.url);
    try {
      const prefix = uniquePrefix();
      const cache = new RedisLinkCache(conn, { prefix, maxTtlMs: TTL });
      const masters = new Set<number>();
      for (let i = 0; i < 12; i++) {
        const code = freshCode();
        await cache.invalidate(code);
        await put(cache, code, link());
        assert.notEqual((await cache.get(code)).entry, undefined);
        const [entry, generation] = [`${prefix}{${code}}:link`, `${prefix}{${code}}:gen`];
        assert.equal(await redis.slotOf(entry), await redis.slotOf(generation), `${entry} and ${generation}`);
        masters.add(await redis.masterOf(entry));
      }
      assert.ok(masters.size > 1, `12 codes all on one master (${[...masters].join(', ')})`);
    } finally {
      await conn.close();
    }
  });
});
