/**
 * The click consumer runs for the life of a process, one read after another: what a finished read
 * leaves behind must not add up. Measured on the V8 heap after a full collection.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { StreamClickConsumer } from '../../src/adapters/queue/stream-consumer.js';
import { createMetrics } from '../../src/obs/metrics.js';
import { TEST_REDIS_URL, assertRedisUp, deletePrefix, uniquePrefix } from '../support/redis.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

before(() => assertRedisUp());

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(10)) if (Date.now() > end) throw new Error('timed out');
}

/** Bytes of objects on the V8 heap after a full collection; compiled code (which grows as the JIT warms up) apart. */
async function objectsAfterGc(): Promise<number> {
  gc();
  await sleep(50); // finalizers and other pending callbacks run; then what they released goes too
  gc();
  return getHeapSpaceStatistics().filter((s) => !s.space_name.startsWith('code')).reduce((sum, s) => sum + s.space_used_size, 0);
}

test('when the consumer has read 10,000 batches, then it holds no memory for the reads it finished', async () => {
  const prefix = uniquePrefix();
  const stream = `${prefix}clicks`;
  const admin = new Redis(TEST_REDIS_URL);
  const reads = 10_000;
  const warmUp = 500;
  try {
    const event = JSON.stringify([{ linkId: 'l', at: 0, referrer: null, ua: null, country: null, counted: false, key: 'k' }]);
    const pipeline = admin.pipeline();
    for (let i = 0; i < warmUp + reads; i++) pipeline.xadd(stream, '*', 'e', event);
    await pipeline.exec();
    let applied = 0;
    // batchSize 100: one entry (of up to 100 clicks) per read.
    const consumer = new StreamClickConsumer(TEST_REDIS_URL, {
      stream, batchSize: 100, metrics: createMetrics(), log: pino({ level: 'silent' }),
      apply: async (batch) => void (applied += batch.length),
    });
    consumer.start();
    try {
      await until(() => applied >= warmUp);
      const start = await objectsAfterGc();
      await until(() => applied >= warmUp + reads);
      const held = (await objectsAfterGc()) - start;
      // Measured: about 1,900 bytes a read before the fix; after it, ±1.3 MB of noise in all, whatever the number of reads.
      assert.ok(held < reads * 500, `${held} bytes held after ${reads} reads (${(held / reads).toFixed(0)} per read)`);
    } finally {
      await consumer.stop();
    }
  } finally {
    await deletePrefix(TEST_REDIS_URL, prefix);
    admin.disconnect();
  }
});
