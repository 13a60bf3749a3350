/**
 * One contract for the RateLimiter port, run against the in-process buckets and against Redis, then
 * what only one adapter promises (Redis: one bucket shared across instances, keys with an expiry, the
 * server's clock; memory: idle buckets forgotten, a bound on their number).
 */
import { test, describe, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { RateLimiter } from '../../src/ports.js';
import { fullAfterMs, type BucketLimit } from '../../src/domain/token-bucket.js';
import { MemoryRateLimiter } from '../../src/adapters/limiter/memory.js';
import { RedisRateLimiter } from '../../src/adapters/limiter/redis.js';
import { RedisConnection } from '../../src/adapters/redis/connection.js';
import { createMetrics } from '../../src/obs/metrics.js';
import { TEST_REDIS_URL, assertRedisUp, uniquePrefix } from '../support/redis.js';
import { clusterPerFile } from '../support/redis-cluster.js';

const cluster = clusterPerFile();
after(() => cluster.stop());

/** Refills so slowly (one token in ~17 min) that no test here can see a refill. */
const BURST: BucketLimit = { capacity: 5, refillPerSecond: 0.001 };

let seq = 0;
/** A bucket key no other test in this run uses. */
const freshKey = (base = 'k') => `${base}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** A connection whose command client is ready: it has no offline queue, so a command sent earlier fails at once. */
async function connect(url = TEST_REDIS_URL): Promise<RedisConnection> {
  const conn = new RedisConnection(url, { timeoutMs: 500, metrics: createMetrics(), log: pino({ level: 'silent' }) });
  if (conn.client.status !== 'ready') await once(conn.client, 'ready');
  return conn;
}

interface Opened {
  limiter: RateLimiter;
  close(): Promise<void>;
}

const adapters: Array<{ name: string; open(): Promise<Opened> }> = [
  { name: 'memory', open: async () => ({ limiter: new MemoryRateLimiter(), close: async () => {} }) },
  {
    name: 'redis',
    async open() {
      await assertRedisUp();
      const conn = await connect();
      return { limiter: new RedisRateLimiter(conn, uniquePrefix()), close: () => conn.close() };
    },
  },
  {
    name: 'redis cluster',
    async open() {
      const conn = await connect((await cluster.get()).url);
      return { limiter: new RedisRateLimiter(conn, uniquePrefix()), close: () => conn.close() };
    },
  },
];

for (const adapter of adapters) {
  describe(`rate limiter contract: ${adapter.name}`, () => {
    let opened: Opened | undefined;
    before(async () => void (opened = await adapter.open()));
    after(() => opened?.close());
    const limiter = (): RateLimiter => opened!.limiter;

    test('allows the first capacity takes, remaining counting down to 0, then refuses', async () => {
      const key = freshKey();
      for (let expected = BURST.capacity - 1; expected >= 0; expected--) {
        const decision = await limiter().take(key, BURST);
        assert.equal(decision.allowed, true);
        assert.equal(decision.remaining, expected);
      }
      const refused = await limiter().take(key, BURST);
      assert.equal(refused.allowed, false);
      assert.equal(refused.remaining, 0);
      assert.ok(refused.retryAfterMs > 0, `retryAfterMs ${refused.retryAfterMs}`);
    });

    test('reports the capacity as the limit, allowed or refused', async () => {
      const key = freshKey();
      const limit = { capacity: 1, refillPerSecond: 0.001 };
      assert.equal((await limiter().take(key, limit)).limit, 1);
      const refused = await limiter().take(key, limit);
      assert.equal(refused.allowed, false);
      assert.equal(refused.limit, 1);
    });

    test('when a take costs 0, then it reports the tokens left and takes none, full or empty', async () => {
      const key = freshKey();
      assert.equal((await limiter().take(key, BURST, 0)).remaining, BURST.capacity);
      for (let i = 0; i < BURST.capacity; i++) await limiter().take(key, BURST);
      const look = await limiter().take(key, BURST, 0);
      assert.equal(look.remaining, 0);
      assert.equal((await limiter().take(key, BURST)).allowed, false, 'looking gave no token back');
      assert.equal((await limiter().take(freshKey(), BURST, 0)).remaining, BURST.capacity);
    });

    test('a negative cost gives a token back, never past the capacity', async () => {
      const key = freshKey();
      for (let i = 0; i < BURST.capacity; i++) await limiter().take(key, BURST);
      const returned = await limiter().take(key, BURST, -1);
      assert.equal(returned.allowed, true);
      assert.equal(returned.remaining, 1);
      assert.equal((await limiter().take(key, BURST)).allowed, true, 'the token given back is taken again');
      assert.equal((await limiter().take(key, BURST)).allowed, false);
      const full = freshKey();
      assert.equal((await limiter().take(full, BURST, -1)).remaining, BURST.capacity, 'a full bucket stays at its capacity');
    });

    test('different keys have independent buckets', async () => {
      const emptied = freshKey();
      for (let i = 0; i < BURST.capacity; i++) await limiter().take(emptied, BURST);
      assert.equal((await limiter().take(emptied, BURST)).allowed, false);

      const other = await limiter().take(freshKey(), BURST);
      assert.equal(other.allowed, true);
      assert.equal(other.remaining, BURST.capacity - 1);
    });

    test('a refused bucket allows again once real time has refilled a token', async () => {
      const key = freshKey();
      const limit = { capacity: 1, refillPerSecond: 20 }; // one token every 50 ms
      assert.equal((await limiter().take(key, limit)).allowed, true);
      const refused = await limiter().take(key, limit);
      if (refused.allowed) return assert.fail('the second take within 50 ms should have been refused');
      assert.ok(refused.retryAfterMs > 0 && refused.retryAfterMs <= 50, `retryAfterMs ${refused.retryAfterMs}`);
      await sleep(120);
      assert.equal((await limiter().take(key, limit)).allowed, true);
    });

    test('50 concurrent takes on a capacity-20 bucket allow exactly 20', async () => {
      const key = freshKey();
      const limit = { capacity: 20, refillPerSecond: 0.001 };
      const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter().take(key, limit)));
      assert.equal(decisions.filter((d) => d.allowed).length, 20);
      assert.equal(decisions.filter((d) => !d.allowed).length, 30);
    });
  });
}

describe('redis rate limiter', () => {
  const connections: RedisConnection[] = [];
  before(async () => {
    await assertRedisUp();
    connections.push(await connect(), await connect());
  });
  after(() => Promise.all(connections.map((c) => c.close())));

  test('two instances on separate connections with the same prefix share one bucket exactly', async () => {
    const prefix = uniquePrefix();
    const [a, b] = connections.map((conn) => new RedisRateLimiter(conn, prefix));
    const key = freshKey();
    const limit = { capacity: 7, refillPerSecond: 0.001 };
    const allowed: boolean[] = [];
    for (let i = 0; i < 12; i++) allowed.push((await (i % 2 === 0 ? a! : b!).take(key, limit)).allowed);
    assert.deepEqual(allowed, [...Array(7).fill(true), ...Array(5).fill(false)]);
  });

  test('instances with different prefixes do not share buckets', async () => {
    const [a, b] = connections.map((conn) => new RedisRateLimiter(conn, uniquePrefix()));
    const key = freshKey();
    const limit = { capacity: 1, refillPerSecond: 0.001 };
    assert.equal((await a!.take(key, limit)).allowed, true);
    assert.equal((await b!.take(key, limit)).allowed, true);
  });

  test('stores the bucket as one hash-tagged hash that expires once it would be full', async () => {
    const conn = connections[0]!;
    const prefix = uniquePrefix();
    const key = freshKey('user:42');
    const limit = { capacity: 10, refillPerSecond: 2 };
    await new RedisRateLimiter(conn, prefix).take(key, limit);

    const keys = await conn.client.keys(`${prefix}*`);
    assert.equal(keys.length, 1);
    const stored = keys[0]!;
    assert.ok(stored.includes(`{${key}}`), `${stored} should hash-tag ${key}`);
    assert.equal(await conn.client.type(stored), 'hash');
    const pttl = await conn.client.pttl(stored);
    assert.ok(pttl > 0 && pttl <= fullAfterMs(limit), `pttl ${pttl}, full after ${fullAfterMs(limit)}`);
  });

  test('refills by the Redis server clock, whatever the process clock says', async (t) => {
    const conn = connections[0]!;
    const prefix = uniquePrefix();
    const key = freshKey();
    const limit = { capacity: 1, refillPerSecond: 0.001 };
    // Only Date is faked: a process clock two days behind must not leak into the bucket.
    mock.timers.enable({ apis: ['Date'], now: Date.now() - 2 * 86_400_000 });
    t.after(() => mock.timers.reset());
    await new RedisRateLimiter(conn, prefix).take(key, limit);
    const skewed = Date.now();
    mock.timers.reset();

    const [seconds, micros] = await conn.client.time();
    const serverNow = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const at = Number(await conn.client.hget(`${prefix}rl:{${key}}`, 'at'));
    assert.ok(Math.abs(serverNow - at) < 5_000, `bucket time ${at} should be the server's ${serverNow}`);
    assert.ok(Math.abs(skewed - at) > 86_400_000, 'the skewed process clock must not be used');
    // And a second instance, on its own (unskewed) process clock, sees the same bucket: still empty.
    assert.equal((await new RedisRateLimiter(connections[1]!, prefix).take(key, limit)).allowed, false);
  });
});

describe('memory rate limiter', () => {
  test('uses the injected clock: an emptied bucket refills by injected time only', async () => {
    let now = 1_700_000_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const limit = { capacity: 2, refillPerSecond: 1 };
    await limiter.take('k', limit);
    await limiter.take('k', limit);
    assert.equal((await limiter.take('k', limit)).allowed, false);
    now += 1_000;
    assert.equal((await limiter.take('k', limit)).allowed, true);
    assert.equal((await limiter.take('k', limit)).allowed, false);
  });

  test('a bucket idle for fullAfterMs is forgotten and no longer counts toward size', async () => {
    let now = 1_700_000_000_000;
    const limiter = new MemoryRateLimiter(() => now);
    const limit = { capacity: 1, refillPerSecond: 50 }; // full again after 20 ms
    await limiter.take('idle', limit);
    now += 10;
    assert.equal(limiter.size, 1);
    now += 20;
    assert.equal(limiter.size, 0);
  });

  test('keeps at most maxBuckets buckets, the least recently used going first', async () => {
    const limiter = new MemoryRateLimiter(Date.now, 3);
    for (let i = 0; i < 10; i++) await limiter.take(`key-${i}`, BURST);
    assert.ok(limiter.size <= 3, `size ${limiter.size}`);
    // The most recent bucket is still there (drained), the oldest was forgotten (full again).
    assert.equal((await limiter.take('key-9', BURST)).remaining, BURST.capacity - 2);
    assert.equal((await limiter.take('key-0', BURST)).remaining, BURST.capacity - 1);
  });
});

describe('redis rate limiter on a Redis Cluster', () => {
  test('when two instances seeded with different nodes take from one bucket, then they share it exactly, and buckets spread over the masters', async () => {
    const redis = await cluster.get();
    const [a, b] = [await connect(`redis+cluster://127.0.0.1:${redis.ports[0]}`), await connect(`redis://127.0.0.1:${redis.ports[2]},127.0.0.1:${redis.ports[1]}`)];
    try {
      const prefix = uniquePrefix();
      const limiters = [new RedisRateLimiter(a, prefix), new RedisRateLimiter(b, prefix)];
      const limit = { capacity: 7, refillPerSecond: 0.001 };
      const masters = new Set<number>();
      for (let k = 0; k < 6; k++) {
        const key = freshKey('ip:10.0.0.' + k);
        const allowed: boolean[] = [];
        for (let i = 0; i < 10; i++) allowed.push((await limiters[i % 2]!.take(key, limit)).allowed);
        assert.deepEqual(allowed, [...Array(7).fill(true), ...Array(3).fill(false)], key);
        masters.add(await redis.masterOf(`${prefix}rl:{${key}}`));
      }
      assert.ok(masters.size > 1, `6 buckets all on one master (${[...masters].join(', ')})`);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
