/**
 * One contract for the ClickQueue port, run against the in-process buffer and against the Redis Streams
 * pair (producer, consumer group), both applying to a real SQLite store; then what only one adapter promises.
 */
import { test, describe, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { ClickQueue } from '../../src/ports.js';
import type { ClickEvent } from '../../src/domain/clicks.js';
import { clickApplier } from '../../src/analytics/apply.js';
import { MemoryClickQueue, type MemoryClickQueueOptions } from '../../src/adapters/queue/memory-clicks.js';
import { RedisStreamClickQueue } from '../../src/adapters/queue/stream-producer.js';
import { StreamClickConsumer } from '../../src/adapters/queue/stream-consumer.js';
import { RedisConnection } from '../../src/adapters/redis/connection.js';
import { openClient } from '../../src/adapters/redis/client.js';
import type { KyselyStore } from '../../src/adapters/store/index.js';
import { newId } from '../../src/domain/ids.js';
import { createMetrics, type Metrics } from '../../src/obs/metrics.js';
import { createTestStore } from '../support/stores.js';
import { PrivateRedis, TEST_REDIS_URL, assertRedisUp, freePort, uniquePrefix } from '../support/redis.js';
import { newLink, newUser } from './store/fixtures.js';
import { PrivateRedisCluster, clusterPerFile } from '../support/redis-cluster.js';

const GROUP = 'kurz-click-workers';
const cluster = clusterPerFile();
after(() => cluster.stop());
const log = pino({ level: 'silent' });
type Apply = MemoryClickQueueOptions['apply'];

const click = (linkId: string): ClickEvent => ({
  linkId, at: Date.now(), referrer: 'news.example', ua: null, country: 'DE', counted: false,
});
/** na clicks on a and nb on b, interleaved. */
const clicksOn = (a: string, na: number, b: string, nb: number): ClickEvent[] =>
  Array.from({ length: Math.max(na, nb) }, (_, i) => [...(i < na ? [click(a)] : []), ...(i < nb ? [click(b)] : [])]).flat();
function enqueue(queue: ClickQueue, a: string, n: number): void { for (let i = 0; i < n; i++) queue.enqueue(click(a)); }

/** A link's clicks as the rollups and links.clicks show them. */
async function counts(store: KyselyStore, linkId: string): Promise<{ total: number; clicks: number | undefined }> {
  const { total } = await store.clickStats({ linkId, from: 0, to: Date.now() + 86_400_000, interval: 'hour', includeBots: true });
  return { total, clicks: (await store.findLinkById(linkId))?.clicks };
}
async function assertCounts(store: KyselyStore, expected: Record<string, number>): Promise<void> {
  for (const [id, n] of Object.entries(expected)) assert.deepEqual(await counts(store, id), { total: n, clicks: n }, `link ${id}`);
}
const outcome = async (metrics: Metrics, name: string): Promise<number> =>
  (await metrics.clickEvents.get()).values.find((v) => v.labels.outcome === name)?.value ?? 0;

async function waitFor(check: () => Promise<boolean>, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !(await check()); ) await sleep(25);
}
/** Runs the body against what `opening` opens, and closes it whatever happens. */
async function using<H extends { close(): Promise<void> }>(opening: H | Promise<H>, body: (h: H) => Promise<void>): Promise<void> {
  const h = await opening;
  try {
    await body(h);
  } finally {
    await h.close();
  }
}

interface Harness {
  queue: ClickQueue;
  /** Flushes (unless closed: that would rescue what close() lost), then waits until the store shows `expected` and nothing is in flight (≤ ~5 s). */
  settle(expected: Record<string, number>, closed?: boolean): Promise<void>;
  close(): Promise<void>;
}

function openMemory(store: KyselyStore, metrics: Metrics, over: Partial<MemoryClickQueueOptions> = {}) {
  const queue = new MemoryClickQueue({ apply: clickApplier(store, metrics), batchSize: 50, flushMs: 50, maxBuffered: 10_000, metrics, log, ...over });
  return { queue, settle: async (_: unknown, closed = false) => void (closed || (await queue.flush())), close: () => queue.close() };
}

interface RedisOptions {
  consumers?: number; batchSize?: number; claimIdleMs?: number; producerUrl?: string; start?: boolean; applyDelayMs?: number;
  /** The Redis of producer, consumers and checks (a private one a test may kill); the shared one by default. */
  url?: string;
  maxUnconfirmed?: number;
}

/** A producer (falling back to an in-process queue) and consumers on a stream of their own, all applying to `store`. */
async function openRedis(store: KyselyStore, metrics: Metrics, options: RedisOptions = {}) {
  const { consumers: n = 1, batchSize = 50, claimIdleMs = 30_000, producerUrl, start = true, applyDelayMs = 0, url = TEST_REDIS_URL, maxUnconfirmed = 10_000 } = options;
  const stream = `${uniquePrefix()}clicks`;
  // A server's client or a cluster's, as the URL says: the same commands either way.
  const admin = openClient(url, { offlineQueue: true, maxRetriesPerRequest: 20 });
  admin.on('error', () => {});
  const conn = new RedisConnection(producerUrl ?? url, { timeoutMs: 500, metrics, log });
  if (!producerUrl && conn.client.status !== 'ready') await once(conn.client, 'ready');
  const apply = clickApplier(store, metrics);
  const fallback = new MemoryClickQueue({ apply, batchSize, flushMs: 50, maxBuffered: 10_000, metrics, log });
  const producer = new RedisStreamClickQueue(conn, { stream, maxLen: 100_000, fallback, maxUnconfirmed, metrics, log });
  // Closing the queue closes its connection right after, as the app's shutdown does: a late append finds no Redis.
  const queue: ClickQueue = { enqueue: (e) => producer.enqueue(e), flush: () => producer.flush(), close: () => producer.close().then(() => conn.close()) };
  /** Events handed to each consumer's apply. */
  const seen = Array.from({ length: n }, () => 0);
  const consumer = (i: number) => new StreamClickConsumer(url, {
    stream, batchSize, blockMs: 100, claimIdleMs, metrics, log,
    apply: async (batch) => {
      seen[i]! += batch.length;
      if (applyDelayMs) await sleep(applyDelayMs);
      await apply(batch);
    },
  });
  const consumers = seen.map((_, i) => consumer(i));
  if (start) for (const c of consumers) c.start();
  const pending = async () => Number(((await admin.xpending(stream, GROUP).catch(() => [0])) as [number])[0]);
  const settle = async (expected: Record<string, number>, closed = false) => {
    if (!closed) await queue.flush();
    await waitFor(async () => {
      for (const [id, n] of Object.entries(expected)) if (((await counts(store, id)).clicks ?? 0) < n) return false;
      return (await admin.xlen(stream)) === 0 && (await pending()) === 0;
    });
  };
  const close = async () => {
    await queue.close();
    await Promise.all(consumers.map((c) => c.stop()));
    await admin.del(stream).finally(() => admin.disconnect());
  };
  return { queue, settle, close, metrics, stream, admin, consumers, seen, pending, consumer };
}

/** `lazy`: batches so large and slow that only flush or close applies anything. */
const adapters: Array<{ name: string; open(store: KyselyStore, metrics: Metrics, lazy?: boolean): Promise<Harness> }> = [
  { name: 'memory', open: async (store, metrics, lazy) => openMemory(store, metrics, lazy ? { batchSize: 10_000, flushMs: 60_000 } : {}) },
  { name: 'redis streams', open: (store, metrics) => openRedis(store, metrics) },
  { name: 'redis streams on a cluster', open: async (store, metrics) => openRedis(store, metrics, { url: (await cluster.get()).url }) },
];

/** A SQLite store for one suite, and a fresh link on it for each test. */
function useStore() {
  let opened: Awaited<ReturnType<typeof createTestStore>> | undefined;
  let owner = '';
  before(async () => {
    await assertRedisUp();
    opened = await createTestStore('sqlite');
    owner = (await opened.store.createUser(newUser())).id;
  });
  after(() => opened?.close());
  const store = () => opened!.store;
  return { store, link: async () => (await store().insertLink(newLink(owner))).id };
}

for (const adapter of adapters) {
  describe(`click queue contract: ${adapter.name}`, () => {
    const { store, link } = useStore();
    const withQueue = (body: (h: Harness, metrics: Metrics) => Promise<void>, lazy = false) => async () => {
      const metrics = createMetrics();
      await using(adapter.open(store(), metrics, lazy), (h) => body(h, metrics));
    };

    test('N clicks on two links end up exactly N in the rollups and in links.clicks', withQueue(async (h, metrics) => {
      const [a, b] = [await link(), await link()];
      for (const e of clicksOn(a, 70, b, 45)) h.queue.enqueue(e);
      await h.settle({ [a]: 70, [b]: 45 });
      await assertCounts(store(), { [a]: 70, [b]: 45 });
      assert.equal(await outcome(metrics, 'applied'), 115);
    }));

    test('close() delivers every click enqueued before it', withQueue(async (h) => {
      const [a, b] = [await link(), await link()];
      for (const e of clicksOn(a, 12, b, 8)) h.queue.enqueue(e);
      await h.queue.close();
      await h.settle({ [a]: 12, [b]: 8 }, true);
      await assertCounts(store(), { [a]: 12, [b]: 8 });
    }, true));

    test('keyed events (a stream entry) that come again after they were applied are counted once', withQueue(async (h, metrics) => {
      const a = await link();
      const key = newId();
      const entry = [{ ...click(a), key }, { ...click(a), key }];
      for (const e of [...entry, click(a)]) h.queue.enqueue(e);
      await h.settle({ [a]: 3 });
      for (const e of entry) h.queue.enqueue({ ...e });
      await h.settle({ [a]: 3 });
      await assertCounts(store(), { [a]: 3 });
      assert.equal(await outcome(metrics, 'applied'), 3);
      assert.equal(await outcome(metrics, 'duplicate'), 2);
    }));

    test('when routed clicks go through the queue, then their destination and rule arrive with them and the stats count each arm exactly', withQueue(async (h) => {
      const a = await link();
      const [x, y] = ['https://x.example/', 'https://y.example/'];
      // Alike in everything but the route, so only the route keeps them apart.
      for (let i = 0; i < 30; i++) h.queue.enqueue({ ...click(a), destination: i % 3 ? x : y, rule: i % 3 === 2 ? 4 : null });
      for (let i = 0; i < 5; i++) h.queue.enqueue(click(a));
      await h.settle({ [a]: 35 });
      await assertCounts(store(), { [a]: 35 });
      const { destinations, rules } = await store().clickStats({ linkId: a, from: 0, to: Date.now() + 86_400_000, interval: 'hour', includeBots: true });
      assert.deepEqual(destinations, [{ url: x, clicks: 20 }, { url: y, clicks: 10 }]);
      assert.deepEqual(rules, [{ rule: null, clicks: 20 }, { rule: 4, clicks: 10 }]);
    }));

    test('clicks of a deleted link are skipped and the clicks of other links still apply', withQueue(async (h, metrics) => {
      const [a, gone] = [await link(), await link()];
      assert.equal(await store().deleteLink(gone), true);
      for (const e of clicksOn(a, 10, gone, 10)) h.queue.enqueue(e);
      await h.settle({ [a]: 10 });
      await assertCounts(store(), { [a]: 10 });
      assert.deepEqual(await counts(store(), gone), { total: 0, clicks: undefined });
      assert.equal(await outcome(metrics, 'applied'), 10);
    }));
  });
}

describe('memory click queue', () => {
  const { store, link } = useStore();
  const LAZY = { batchSize: 1_000, flushMs: 60_000 };
  /** Runs the body against a fresh queue and link; `wrap` may wrap the real applier. */
  const withMemory = (over: Partial<MemoryClickQueueOptions> & { wrap?: (real: Apply) => Apply },
    body: (queue: MemoryClickQueue, a: string, metrics: Metrics) => Promise<void>) => async () => {
    const [a, metrics] = [await link(), createMetrics()];
    const { wrap = (real: Apply) => real, ...rest } = over;
    await using(openMemory(store(), metrics, { apply: wrap(clickApplier(store(), metrics)), ...rest }), ({ queue }) => body(queue, a, metrics));
  };

  test('applies a batch as soon as batchSize clicks wait, even with a long flushMs', withMemory({ batchSize: 5, flushMs: 60_000 }, async (queue, a) => {
    enqueue(queue, a, 5);
    await waitFor(async () => (await counts(store(), a)).clicks === 5, 2_000);
    await assertCounts(store(), { [a]: 5 });
  }));

  test('when clicks arrive while a batch is being applied, then they wait for the next trigger instead of forming a small batch', async () => {
    let release = () => {};
    const sizes: number[] = [];
    const slow = (real: Apply): Apply => async (batch, id) => {
      sizes.push(batch.length);
      if (sizes.length === 1) await new Promise<void>((resolve) => (release = resolve));
      return real(batch, id);
    };
    await withMemory({ batchSize: 5, flushMs: 60_000, wrap: slow }, async (queue, a) => {
      enqueue(queue, a, 5);
      await waitFor(async () => sizes.length === 1, 2_000);
      enqueue(queue, a, 2); // while the first batch is under way
      release();
      await waitFor(async () => (await counts(store(), a)).clicks === 5, 2_000);
      await sleep(100);
      assert.deepEqual(sizes, [5], 'the 2 late clicks were not applied as a batch of their own');
      await queue.flush();
      await assertCounts(store(), { [a]: 7 });
      assert.deepEqual(sizes, [5, 2]);
    })();
  });

  test('with a long flushMs and a large batch, nothing is applied until flush()', withMemory(LAZY, async (queue, a, metrics) => {
    enqueue(queue, a, 10);
    await sleep(200);
    await assertCounts(store(), { [a]: 0 });
    assert.equal((await metrics.clicksBuffered.get()).values[0]?.value, 10);
    await queue.flush();
    await assertCounts(store(), { [a]: 10 });
  }));

  let calls = 0;
  const applied: number[] = [];
  const failTwice = (real: Apply): Apply => async (batch, batchId) => {
    if (++calls <= 2) throw new Error('store unavailable');
    await real(batch, batchId);
    applied.push(batch.length);
  };
  test('when apply fails, the clicks are kept and applied exactly once after the retries', withMemory({ wrap: failTwice, flushMs: 20 }, async (queue, a, metrics) => {
    enqueue(queue, a, 10);
    await waitFor(async () => (await counts(store(), a)).clicks === 10);
    await sleep(100);
    await assertCounts(store(), { [a]: 10 });
    assert.equal((await metrics.clickBatchFailures.get()).values[0]?.value, 2);
    assert.deepEqual(applied, [10], 'the batch was applied more than once, or split');
    assert.equal(await outcome(metrics, 'applied'), 10);
  }));

  let lostReplies = 0;
  const commitThenFail = (real: Apply): Apply => async (batch, batchId) => {
    await real(batch, batchId);
    if (++lostReplies === 1) throw new Error('connection lost after COMMIT');
  };
  test('a batch that was applied but reported a failure is retried as the same batch and counted once', withMemory({ wrap: commitThenFail, flushMs: 20 }, async (queue, a, metrics) => {
    enqueue(queue, a, 10);
    await waitFor(async () => lostReplies >= 1);
    enqueue(queue, a, 3);
    await queue.flush();
    await assertCounts(store(), { [a]: 13 });
    assert.equal(await outcome(metrics, 'duplicate'), 10);
  }));

  test('when the clicks of one stream entry straddle the batch size, then they are applied in one batch and every one is counted',
    withMemory({ batchSize: 5, flushMs: 60_000 }, async (queue, a, metrics) => {
      enqueue(queue, a, 3);
      const key = newId();
      for (let i = 0; i < 4; i++) queue.enqueue({ ...click(a), key }); // an entry the stream could not take
      await queue.flush();
      await assertCounts(store(), { [a]: 7 });
      assert.equal(await outcome(metrics, 'duplicate'), 0);
    }));

  test('past maxBuffered, new clicks are dropped and counted as dropped', withMemory({ ...LAZY, maxBuffered: 5 }, async (queue, a, metrics) => {
    enqueue(queue, a, 8);
    assert.equal(await outcome(metrics, 'dropped'), 3);
    assert.equal(await outcome(metrics, 'enqueued'), 5);
    await queue.flush();
    await assertCounts(store(), { [a]: 5 });
    // The bound is on clicks waiting: once they are applied there is room again.
    enqueue(queue, a, 2);
    await queue.flush();
    await assertCounts(store(), { [a]: 7 });
    assert.equal(await outcome(metrics, 'dropped'), 3);
  }));

  let [release, began] = [() => {}, () => {}];
  const [gate, inApply] = [new Promise<void>((resolve) => (release = resolve)), new Promise<void>((resolve) => (began = resolve))];
  const held = (real: Apply): Apply => async (batch, batchId) => {
    began();
    await gate;
    await real(batch, batchId);
  };
  test('flush() during an apply also applies the clicks enqueued after that apply began', withMemory({ ...LAZY, wrap: held }, async (queue, a) => {
    try {
      enqueue(queue, a, 3);
      const firstFlush = queue.flush();
      await inApply;
      enqueue(queue, a, 4);
      let done = false;
      const secondFlush = queue.flush().then(() => void (done = true));
      await sleep(50);
      assert.equal(done, false, 'flush() resolved while clicks enqueued before it were still waiting');
      release();
      await secondFlush;
      await assertCounts(store(), { [a]: 7 });
      await firstFlush;
    } finally {
      release();
    }
  }));
});

describe('redis streams click queue', () => {
  const { store, link } = useStore();
  const withRedis = (options: RedisOptions, body: (h: Awaited<ReturnType<typeof openRedis>>, metrics: Metrics) => Promise<void>) =>
    async () => void (await using(openRedis(store(), createMetrics(), options), (h) => body(h, h.metrics)));

  test('with the producer\'s Redis unreachable, every click goes to the fallback and is counted once', async () => {
    const producerUrl = `redis://127.0.0.1:${await freePort()}`;
    await withRedis({ producerUrl }, async (h, metrics) => {
      const [a, b] = [await link(), await link()];
      for (const e of clicksOn(a, 30, b, 20)) h.queue.enqueue(e);
      await h.settle({ [a]: 30, [b]: 20 });
      await assertCounts(store(), { [a]: 30, [b]: 20 });
      assert.equal(await h.admin.xlen(h.stream), 0);
      assert.deepEqual(h.seen, [0], 'the consumer was handed clicks that never reached the stream');
      assert.equal(await outcome(metrics, 'applied'), 50);
      assert.equal(await outcome(metrics, 'enqueued'), 50, 'a click handed to the fallback is enqueued once, not twice');
    })();
  });

  test('a batch a dead consumer read and never acknowledged is claimed, applied once and counted redelivered',
    withRedis({ batchSize: 10, claimIdleMs: 200, start: false }, async (h, metrics) => {
      const a = await link();
      const creator = h.consumer(0);
      creator.start(); // the real consumer creates the group
      await waitFor(async () => ((await h.admin.xinfo('GROUPS', h.stream).catch(() => [])) as unknown[]).length > 0);
      await creator.stop();
      // Five turns of the event loop: five stream entries of five clicks each.
      for (let turn = 0; turn < 5; turn++) {
        enqueue(h.queue, a, 5);
        await h.queue.flush();
      }
      const read = (await h.admin.xreadgroup('GROUP', GROUP, 'dead', 'COUNT', 1_000, 'STREAMS', h.stream, '>')) as [string, unknown[]][];
      assert.equal(read[0]![1].length, 5, 'a stopped consumer is handed nothing');
      assert.equal(await h.pending(), 5, 'every entry read and none acknowledged');
      h.consumers[0]!.start();
      await h.settle({ [a]: 25 });
      await assertCounts(store(), { [a]: 25 });
      assert.equal(await outcome(metrics, 'redelivered'), 25);
      assert.equal(await outcome(metrics, 'duplicate'), 0);
      assert.equal(await h.pending(), 0);
    }));

  test('two consumers on one stream share the work and count every click exactly once',
    withRedis({ consumers: 2, batchSize: 10, applyDelayMs: 5 }, async (h, metrics) => {
      const [a, b] = [await link(), await link()];
      // Ten clicks per turn of the event loop: twenty stream entries to share.
      const clicks = clicksOn(a, 120, b, 80);
      for (let i = 0; i < clicks.length; i += 10) {
        for (const e of clicks.slice(i, i + 10)) h.queue.enqueue(e);
        await h.queue.flush();
      }
      await h.settle({ [a]: 120, [b]: 80 });
      await assertCounts(store(), { [a]: 120, [b]: 80 });
      assert.ok(h.seen.every((n) => n > 0), `work split ${h.seen.join('/')}`);
      assert.equal(h.seen[0]! + h.seen[1]!, 200, 'a click was handed to a consumer twice');
      assert.equal(await outcome(metrics, 'duplicate'), 0);
      assert.equal(await h.pending(), 0);
      assert.equal(await h.admin.xlen(h.stream), 0);
    }));
});

describe('redis streams click queue, when Redis loses what it held', () => {
  const { store, link } = useStore();
  let redis: PrivateRedis;
  before(async () => {
    redis = await PrivateRedis.start();
  });
  after(() => redis?.kill());
  const withPrivate = (options: RedisOptions, body: (h: Awaited<ReturnType<typeof openRedis>>, metrics: Metrics) => Promise<void>) =>
    async () => void (await using(openRedis(store(), createMetrics(), { url: redis.url, ...options }), (h) => body(h, h.metrics)));
  /** Five turns of the event loop, `perTurn` clicks each: five stream entries. */
  const turns = async (h: { queue: ClickQueue }, a: string, perTurn: number) => {
    for (let turn = 0; turn < 5; turn++) {
      enqueue(h.queue, a, perTurn);
      await h.queue.flush();
    }
  };
  const unconfirmed = async (metrics: Metrics) => (await metrics.clicksUnconfirmed.get()).values[0]?.value;
  /** SIGKILL and a fresh start: Redis in its default configuration comes back empty. */
  const restart = async () => {
    await redis.kill();
    await redis.start();
  };

  test('when Redis restarts empty before any consumer applied the entries, then the producer appends them again and each click counts once',
    withPrivate({ start: false }, async (h, metrics) => {
      const a = await link();
      await turns(h, a, 6);
      assert.equal(await h.admin.xlen(h.stream), 5);
      assert.equal(await unconfirmed(metrics), 30, 'every click is kept until a consumer applies it');
      await restart();
      await waitFor(async () => (await h.admin.xlen(h.stream).catch(() => 0)) === 5);
      assert.equal(await h.admin.xlen(h.stream), 5, 'the producer appended its entries to the new Redis');
      assert.equal(await outcome(metrics, 'resent'), 30);
      h.consumers[0]!.start();
      await h.settle({ [a]: 30 });
      await assertCounts(store(), { [a]: 30 });
      assert.equal(await outcome(metrics, 'duplicate'), 0);
      await waitFor(async () => (await unconfirmed(metrics)) === 0);
      assert.equal(await unconfirmed(metrics), 0, 'entries the consumer acknowledged are forgotten');
    }));

  test('when the stream and its group vanish under a running consumer, then it creates the group again and every click counts once',
    withPrivate({}, async (h) => {
      const a = await link();
      await turns(h, a, 4);
      await h.settle({ [a]: 20 });
      await restart();
      await turns(h, a, 4);
      await h.settle({ [a]: 40 });
      await assertCounts(store(), { [a]: 40 });
    }));

  test('when the consumer acknowledged everything, then a Redis restart sends nothing again',
    withPrivate({}, async (h, metrics) => {
      const a = await link();
      await turns(h, a, 3);
      await h.settle({ [a]: 15 });
      await waitFor(async () => (await unconfirmed(metrics)) === 0);
      assert.equal(await unconfirmed(metrics), 0);
      await restart();
      await turns(h, a, 3);
      await h.settle({ [a]: 30 });
      await assertCounts(store(), { [a]: 30 });
      assert.equal(await outcome(metrics, 'resent'), 0);
      assert.equal(await outcome(metrics, 'duplicate'), 0);
    }));

  test('when more clicks are unacknowledged than the bound, then the oldest copies are let go, and a Redis restart can append only the copies kept',
    withPrivate({ start: false, maxUnconfirmed: 20 }, async (h, metrics) => {
      const a = await link();
      await turns(h, a, 10);
      assert.equal(await h.admin.xlen(h.stream), 5, 'every entry is in the stream');
      assert.equal(await unconfirmed(metrics), 20, 'copies of the newest 20 clicks only');
      assert.equal(await outcome(metrics, 'unprotected'), 30);
      await restart();
      await waitFor(async () => (await h.admin.xlen(h.stream).catch(() => 0)) === 2);
      assert.equal(await outcome(metrics, 'resent'), 20, 'only the copies kept can be appended again');
      h.consumers[0]!.start();
      await h.settle({ [a]: 20 });
      await assertCounts(store(), { [a]: 20 });
    }));

  test('when the producer closes before any consumer ran, then it applies its clicks itself and a later consumer counts nothing twice',
    withPrivate({ start: false }, async (h, metrics) => {
      const a = await link();
      await turns(h, a, 5);
      await h.queue.close();
      await assertCounts(store(), { [a]: 25 });
      assert.equal(await h.admin.xlen(h.stream), 5, 'the entries are still in the stream');
      h.consumers[0]!.start();
      await h.settle({ [a]: 25 }, true);
      await assertCounts(store(), { [a]: 25 });
      assert.equal(await outcome(metrics, 'duplicate'), 25);
    }));
});

describe('redis streams click queue on a Redis Cluster, when the master holding the stream fails', () => {
  const { store, link } = useStore();
  /** Each test has a cluster of its own: it kills a master, and the stream's slot has no replica left after. */
  const withFailingCluster = (options: RedisOptions, body: (h: Awaited<ReturnType<typeof openRedis>>, redis: PrivateRedisCluster, metrics: Metrics, t: TestContext) => Promise<void>) => async (t: TestContext) => {
    const redis = await PrivateRedisCluster.start();
    try {
      await using(openRedis(store(), createMetrics(), { ...options, url: redis.url }), (h) => body(h, redis, h.metrics, t));
    } finally {
      await redis.stop();
    }
  };
  /** `entries` turns of the event loop, `perTurn` clicks each: that many stream entries. */
  const turns = async (h: { queue: ClickQueue }, a: string, entries: number, perTurn: number) => {
    for (let turn = 0; turn < entries; turn++) {
      enqueue(h.queue, a, perTurn);
      await h.queue.flush();
    }
  };

  test('when the replica promoted lacks the last entries, then the producer appends its copies again and each click counts once',
    withFailingCluster({ start: false }, async (h, redis, metrics) => {
      const a = await link();
      await turns(h, a, 5, 4); // 20 clicks the replica receives
      await redis.waitForReplicas();
      // 30 clicks in 5 entries that only the master holds when it dies.
      await redis.killMasterOf(h.stream, () => turns(h, a, 5, 6));
      await waitFor(async () => (await outcome(metrics, 'resent')) === 50, 30_000);
      assert.equal(await outcome(metrics, 'resent'), 50, 'every unacknowledged click is appended to the promoted replica');
      assert.equal(await h.admin.xlen(h.stream), 5 + 10, 'the replica had the first 5 entries and not the last 5, then got all 10 copies');
      h.consumers[0]!.start();
      await waitFor(async () => (await counts(store(), a)).clicks === 50, 30_000);
      await h.settle({ [a]: 50 });
      await assertCounts(store(), { [a]: 50 });
      assert.equal(await outcome(metrics, 'applied'), 50);
      assert.equal(await outcome(metrics, 'duplicate'), 20, 'the 20 clicks the replica kept came twice and counted once');
    }));

  test('when the master is SIGKILLed under a stream of clicks, then its replica takes over and every click enqueued is counted exactly once',
    withFailingCluster({ consumers: 2, batchSize: 50 }, async (h, redis, metrics, t) => {
      const [a, b] = [await link(), await link()];
      const sent = { [a]: 0, [b]: 0 };
      let producing = true;
      // 10 clicks every 10 ms (up to 1,000 a second), as redirects answered would enqueue them.
      const load = (async () => {
        for (let turn = 0; producing; turn++) {
          const id = turn % 3 ? a : b;
          enqueue(h.queue, id, 10);
          sent[id]! += 10;
          await sleep(10);
        }
      })();
      await waitFor(async () => ((await counts(store(), a)).clicks ?? 0) > 0, 30_000);
      const killedAt = Date.now();
      const { killed, promoted } = await redis.killMasterOf(h.stream);
      const failoverMs = Date.now() - killedAt;
      await sleep(1_000); // clicks on the promoted replica too
      producing = false;
      await load;
      await waitFor(async () => ((await counts(store(), a)).clicks ?? 0) >= sent[a]! && ((await counts(store(), b)).clicks ?? 0) >= sent[b]!, 60_000);
      await h.settle(sent);
      await assertCounts(store(), sent);
      assert.equal(await outcome(metrics, 'applied'), sent[a]! + sent[b]!);
      assert.notEqual(promoted, killed);
      t.diagnostic(`clicks ${sent[a]! + sent[b]!}; master ${killed} -> ${promoted} in ${failoverMs} ms; resent ${await outcome(metrics, 'resent')}, duplicate ${await outcome(metrics, 'duplicate')}, redelivered ${await outcome(metrics, 'redelivered')}`);
    }));
});
