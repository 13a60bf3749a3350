/**
 * MemoryClickQueue over a real store on every dialect: clicks are counted in memory and written in
 * batches, a failed write loses nothing and writes nothing twice, and close() leaves nothing behind.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { MemoryClickQueue } from '../../src/adapters/queue/memory-clicks.js';
import { createMetrics, type Metrics } from '../../src/obs/metrics.js';
import type { KyselyStore } from '../../src/adapters/store/kysely-store.js';
import type { ClickQueue, Store } from '../../src/ports.js';
import { DIALECTS, createTestStore } from '../support/stores.js';
import { newLink, newUser } from './store/fixtures.js';

const NOW = Date.UTC(2024, 5, 1);

/** The store with addClicks replaced: it counts its calls, and can fail or stall on demand. */
function wrapAddClicks(store: Store, behave: (call: number) => Promise<void> | void) {
  let calls = 0;
  const wrapped = new Proxy(store, {
    get(target, prop) {
      if (prop === 'addClicks') {
        return async (counts: ReadonlyMap<string, number>) => {
          await behave(++calls);
          return target.addClicks(counts);
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: wrapped, calls: () => calls };
}

async function until(check: () => Promise<boolean>, timeoutMs = 2_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

const failures = async (metrics: Metrics) => (await metrics.clickFlushFailures.get()).values[0]?.value ?? 0;

for (const dialect of DIALECTS) {
  describe(`MemoryClickQueue on ${dialect}`, () => {
    let store: KyselyStore;
    let close = async () => {};
    let ownerId: string;
    before(async () => {
      ({ store, close } = await createTestStore(dialect));
      ownerId = (await store.createUser(newUser())).id;
    });
    after(() => close());

    const createLinks = async (n: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push((await store.insertLink(newLink(ownerId))).id);
      return ids;
    };
    const clicksOf = async (id: string) => (await store.findLinkById(id))?.clicks;
    const queueOn = (target: Store, flushMs: number, metrics = createMetrics()) =>
      new MemoryClickQueue(target, { flushMs, metrics, log: pino({ level: 'silent' }) });
    const enqueue = (queue: ClickQueue, id: string, times: number) => {
      for (let i = 0; i < times; i++) queue.enqueue(id, NOW + i);
    };

    test('flush writes the exact count of every link', async () => {
      const [a, b] = await createLinks(2);
      const queue = queueOn(store, 60_000);
      try {
        enqueue(queue, a!, 7);
        enqueue(queue, b!, 3);
        await queue.flush();
        assert.equal(await clicksOf(a!), 7);
        assert.equal(await clicksOf(b!), 3);
        // a second flush with nothing new writes nothing more
        await queue.flush();
        assert.equal(await clicksOf(a!), 7);
      } finally {
        await queue.close();
      }
    });

    test('nothing is written before a flush when flushMs is large', async () => {
      const [a] = await createLinks(1);
      const queue = queueOn(store, 60_000);
      try {
        enqueue(queue, a!, 4);
        await sleep(100);
        assert.equal(await clicksOf(a!), 0);
      } finally {
        await queue.close();
      }
      assert.equal(await clicksOf(a!), 4);
    });

    test('the timer flushes by itself', async () => {
      const [a] = await createLinks(1);
      const queue = queueOn(store, 30);
      try {
        enqueue(queue, a!, 5);
        assert.ok(await until(async () => (await clicksOf(a!)) === 5), 'clicks not written within 2 s');
      } finally {
        await queue.close();
      }
    });

    test('clicks of a deleted link are skipped without failing the others', async () => {
      const [gone, kept] = await createLinks(2);
      const metrics = createMetrics();
      const queue = queueOn(store, 60_000, metrics);
      try {
        enqueue(queue, gone!, 2);
        enqueue(queue, kept!, 6);
        assert.equal(await store.deleteLink(gone!), true);
        await queue.flush();
        assert.equal(await clicksOf(kept!), 6);
        assert.equal(await clicksOf(gone!), undefined);
        assert.equal(await failures(metrics), 0);
      } finally {
        await queue.close();
      }
    });

    test('when a write fails the counts are kept, and the next flush writes them all exactly once', async () => {
      const [a, b] = await createLinks(2);
      const metrics = createMetrics();
      const wrapped = wrapAddClicks(store, (call) => {
        if (call === 1) throw new Error('database away');
      });
      const queue = queueOn(wrapped.store, 60_000, metrics);
      try {
        enqueue(queue, a!, 3);
        enqueue(queue, b!, 1);
        await assert.rejects(queue.flush(), /database away/);
        assert.equal(await failures(metrics), 1);
        assert.equal(await clicksOf(a!), 0);
        enqueue(queue, a!, 2); // recorded while the write was failing: merged, not lost
        await queue.flush();
        assert.equal(await clicksOf(a!), 5);
        assert.equal(await clicksOf(b!), 1);
        await queue.flush();
        await queue.close();
        assert.equal(await clicksOf(a!), 5);
        assert.equal(wrapped.calls(), 2);
        assert.equal(await failures(metrics), 1);
      } finally {
        await queue.close();
      }
    });

    test('after a failed timer flush the timer retries by itself', async () => {
      const [a] = await createLinks(1);
      const metrics = createMetrics();
      const wrapped = wrapAddClicks(store, (call) => {
        if (call === 1) throw new Error('database away');
      });
      const queue = queueOn(wrapped.store, 30, metrics);
      try {
        enqueue(queue, a!, 4);
        assert.ok(await until(async () => (await clicksOf(a!)) === 4), 'clicks not written within 2 s');
        assert.equal(await failures(metrics), 1);
      } finally {
        await queue.close();
      }
    });

    test('close() writes what is left and stops the timer', async () => {
      const [a] = await createLinks(1);
      const queue = queueOn(store, 30);
      enqueue(queue, a!, 2);
      await queue.close();
      assert.equal(await clicksOf(a!), 2);
      enqueue(queue, a!, 1); // after close: no timer is left to write it
      await sleep(200);
      assert.equal(await clicksOf(a!), 2);
    });

    test('close() during a slow flush waits for it and then writes what came meanwhile', async () => {
      const [a] = await createLinks(1);
      const wrapped = wrapAddClicks(store, (call) => (call === 1 ? sleep(100) : undefined));
      const queue = queueOn(wrapped.store, 60_000);
      enqueue(queue, a!, 1);
      const first = queue.flush();
      enqueue(queue, a!, 2);
      await queue.close();
      await first;
      assert.equal(await clicksOf(a!), 3);
    });

    test('flush() called while another flush is writing also writes the clicks recorded after that write began', async () => {
      const [a] = await createLinks(1);
      const wrapped = wrapAddClicks(store, (call) => (call === 1 ? sleep(100) : undefined));
      const queue = queueOn(wrapped.store, 60_000);
      try {
        enqueue(queue, a!, 1);
        const first = queue.flush();
        enqueue(queue, a!, 2);
        await queue.flush(); // the port: "Writes everything recorded so far to the store"
        assert.equal(await clicksOf(a!), 3);
        await first;
      } finally {
        await queue.close();
      }
    });
  });
}
