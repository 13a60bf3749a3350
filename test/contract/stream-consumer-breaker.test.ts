/**
 * The click consumer's Redis calls go through the same breaker and metrics as every other Redis call,
 * on a connection of its own (its reads block). An open breaker makes it wait, not spin.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { StreamClickConsumer } from '../../src/adapters/queue/stream-consumer.js';
import { RedisConnection } from '../../src/adapters/redis/connection.js';
import { createMetrics } from '../../src/obs/metrics.js';
import { TEST_REDIS_URL, assertRedisUp, deletePrefix, uniquePrefix } from '../support/redis.js';

const log = pino({ level: 'silent' });
const EVENT = JSON.stringify([{ linkId: 'l', at: 0, referrer: null, ua: null, country: null, counted: false, key: 'k' }]);

before(() => assertRedisUp());

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(10)) if (Date.now() > end) throw new Error('timed out');
}

/** A shared connection, a consumer on it (short BLOCK), a stream of its own, and an admin client to append with. */
async function setup({ timeoutMs = 500, blockMs = 100 } = {}) {
  const prefix = uniquePrefix();
  const stream = `${prefix}clicks`;
  const metrics = createMetrics();
  const conn = new RedisConnection(TEST_REDIS_URL, { timeoutMs, metrics, log });
  if (conn.client.status !== 'ready') await once(conn.client, 'ready');
  const admin = new Redis(TEST_REDIS_URL);
  let applied = 0;
  const consumer = new StreamClickConsumer(conn, { stream, batchSize: 100, blockMs, metrics, log, apply: async (batch) => void (applied += batch.length) });
  return {
    stream, metrics, conn, admin, consumer,
    applied: () => applied,
    async close() {
      await consumer.stop();
      await conn.close();
      admin.disconnect();
      await deletePrefix(TEST_REDIS_URL, prefix);
    },
  };
}

test('when the consumer shares a RedisConnection, then its group creation, reads and acknowledgements are timed in the Redis metric', async () => {
  const s = await setup();
  try {
    s.consumer.start();
    await s.admin.xadd(s.stream, '*', 'e', EVENT);
    await until(() => s.applied() === 1);
    const timed = async () => new Set((await s.metrics.redisDuration.get()).values.filter((v) => v.labels.outcome === 'ok').map((v) => v.labels.command));
    // The acknowledgement follows the apply: give it a moment.
    for (let i = 0; i < 100 && !(await timed()).has('xack'); i++) await sleep(20);
    const commands = await timed();
    for (const command of ['xgroup', 'xautoclaim', 'xreadgroup', 'xack']) assert.ok(commands.has(command), `${command} not timed: ${[...commands].join(', ')}`);
  } finally {
    await s.close();
  }
});

test('when a read blocks longer than the command timeout (REDIS_TIMEOUT_MS), then it is not failed by it', async () => {
  const s = await setup({ timeoutMs: 20, blockMs: 300 });
  try {
    s.consumer.start();
    const reads = async (outcome: string) => (await s.metrics.redisDuration.get()).values.find((v) => v.labels.command === 'xreadgroup' && v.labels.outcome === outcome && v.metricName?.endsWith('_count'))?.value ?? 0;
    // Nothing is appended: every read waits its full 300 ms, fifteen times the command timeout.
    for (let i = 0; i < 200 && (await reads('ok')) < 2; i++) await sleep(20);
    assert.ok((await reads('ok')) >= 2, 'no idle read ended');
    assert.equal(await reads('error'), 0, 'an idle read failed');
  } finally {
    await s.close();
  }
});

test('when the shared breaker is open, then the consumer sends Redis nothing and waits (no spinning), and reads once it closes', async () => {
  const s = await setup();
  try {
    // Count every call the consumer asks the guard for, whatever the breaker then does with it.
    let asked = 0;
    const run = s.conn.guard.run.bind(s.conn.guard);
    s.conn.guard.run = (client, command, call) => {
      if (client !== s.conn.client) asked++;
      return run(client, command, call);
    };
    // Five failures open the breaker for 5 s; then the connection's probe closes it again.
    for (let i = 0; i < 5; i++) await s.conn.guard.breaker.run(async () => { throw new Error('simulated'); }).catch(() => {});
    assert.equal(s.conn.guard.breaker.state, 'open');
    let atClose: { asked: number; applied: number } | undefined;
    s.conn.guard.onClosed(() => (atClose ??= { asked, applied: s.applied() }));
    await s.admin.xadd(s.stream, '*', 'e', EVENT);
    s.consumer.start();
    await until(() => s.applied() === 1);
    assert.ok(atClose, 'the breaker never closed');
    assert.equal(atClose.applied, 0, 'a click was read while the breaker was open');
    // Backing off (200 ms, doubling) the consumer asks about five times in those 5 s; a loop that does not wait, tens of thousands.
    assert.ok(atClose.asked >= 1 && atClose.asked <= 20, `${atClose.asked} calls while the breaker was open`);
  } finally {
    await s.close();
  }
});
