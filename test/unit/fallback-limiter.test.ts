/**
 * The fallback limiter: shared (Redis) decisions while Redis answers, in-process buckets while it does
 * not — "open to local limits", never "open to no limits" — with each fallback counted and the switch
 * logged once each way.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { RateLimiter } from '../../src/ports.js';
import type { BucketLimit, Decision } from '../../src/domain/token-bucket.js';
import { FallbackRateLimiter } from '../../src/adapters/limiter/fallback.js';
import { MemoryRateLimiter } from '../../src/adapters/limiter/memory.js';
import { createMetrics } from '../../src/obs/metrics.js';

const LIMIT: BucketLimit = { capacity: 2, refillPerSecond: 0.001 };

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}
const WARN = 40;
const INFO = 30;

/** A shared limiter the test switches between answering (with a recognisable decision) and failing. */
class FakeShared implements RateLimiter {
  down = false;
  calls: string[] = [];
  readonly answer: Decision = { allowed: true, limit: 99, remaining: 42, retryAfterMs: 0, resetMs: 1234 };

  async take(key: string): Promise<Decision> {
    this.calls.push(key);
    if (this.down) throw new Error('redis is reconnecting');
    return { ...this.answer };
  }
}

function setup() {
  const shared = new FakeShared();
  const local = new MemoryRateLimiter(() => 1_700_000_000_000);
  const metrics = createMetrics();
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) });
  const limiter = new FallbackRateLimiter(shared, local, metrics, log);
  const fallbacks = async () => (await metrics.limiterFallbacks.get()).values[0]?.value ?? 0;
  const at = (level: number) => lines.filter((l) => l.level === level);
  return { shared, local, limiter, lines, fallbacks, at };
}

describe('fallback rate limiter', () => {
  test('while the shared limiter answers, its decisions are returned and local buckets are untouched', async () => {
    const { shared, local, limiter, fallbacks, at } = setup();
    for (let i = 0; i < 5; i++) assert.deepEqual(await limiter.take('ip:1', LIMIT), shared.answer);
    assert.deepEqual(shared.calls, ['ip:1', 'ip:1', 'ip:1', 'ip:1', 'ip:1']);
    assert.equal(local.size, 0);
    assert.equal(await fallbacks(), 0);
    assert.equal(at(WARN).length, 0);
  });

  test('when the shared limiter throws, the local bucket decides and still limits', async () => {
    const { shared, local, limiter } = setup();
    shared.down = true;
    const decisions = [await limiter.take('ip:1', LIMIT), await limiter.take('ip:1', LIMIT), await limiter.take('ip:1', LIMIT)];
    assert.deepEqual(decisions.map((d) => d.allowed), [true, true, false]);
    assert.deepEqual(decisions.map((d) => d.remaining), [1, 0, 0]);
    assert.ok(decisions.every((d) => d.limit === LIMIT.capacity), 'the local decision reports the requested limit');
    assert.ok(decisions[2]!.retryAfterMs > 0);
    assert.equal(local.size, 1);
  });

  test('local buckets are per key while falling back', async () => {
    const { shared, limiter } = setup();
    shared.down = true;
    await limiter.take('ip:1', LIMIT);
    await limiter.take('ip:1', LIMIT);
    assert.equal((await limiter.take('ip:1', LIMIT)).allowed, false);
    assert.equal((await limiter.take('ip:2', LIMIT)).allowed, true);
  });

  test('every fallback is counted in limiterFallbacks', async () => {
    const { shared, limiter, fallbacks } = setup();
    await limiter.take('ip:1', LIMIT);
    shared.down = true;
    for (let i = 0; i < 3; i++) await limiter.take('ip:1', LIMIT);
    assert.equal(await fallbacks(), 3);
    shared.down = false;
    await limiter.take('ip:1', LIMIT);
    assert.equal(await fallbacks(), 3, 'a shared answer is not a fallback');
  });

  test('the switch to local limits is warned once, with the cause, however many takes fall back', async () => {
    const { shared, limiter, at } = setup();
    shared.down = true;
    for (let i = 0; i < 4; i++) await limiter.take(`ip:${i}`, LIMIT);
    const warnings = at(WARN);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.msg, /fall back/);
    assert.equal(warnings[0]!.err, 'redis is reconnecting');
  });

  test('when the shared limiter answers again, one info line says limits are shared again', async () => {
    const { shared, limiter, at } = setup();
    shared.down = true;
    await limiter.take('ip:1', LIMIT);
    shared.down = false;
    assert.deepEqual(await limiter.take('ip:1', LIMIT), shared.answer);
    await limiter.take('ip:1', LIMIT);
    const infos = at(INFO);
    assert.equal(infos.length, 1);
    assert.match(infos[0]!.msg, /shared .*again/);
  });

  test('a second outage is warned again after recovery', async () => {
    const { shared, limiter, at } = setup();
    for (const down of [true, true, false, true, true, false]) {
      shared.down = down;
      await limiter.take('ip:1', LIMIT);
    }
    assert.equal(at(WARN).length, 2);
    assert.equal(at(INFO).length, 2);
  });

  test('no recovery line is logged when the shared limiter never failed', async () => {
    const { limiter, lines } = setup();
    await limiter.take('ip:1', LIMIT);
    await limiter.take('ip:1', LIMIT);
    assert.deepEqual(lines, []);
  });
});
