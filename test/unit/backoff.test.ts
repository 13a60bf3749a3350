import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { backoffMs, type Backoff } from '../../src/resilience/backoff.js';

const draw = (value: number) => () => value;
/** The middle draw: with ±spread jitter, the wait itself. */
const middle = draw(0.5);

describe('backoff', () => {
  const policy: Backoff = { firstMs: 100, maxMs: 1_000 };

  test('when it is the first retry, then the wait is firstMs', () => {
    assert.equal(backoffMs(policy, 1, middle), 100);
  });

  test('when failures go on, then each wait doubles the one before until maxMs, and stays there', () => {
    const waits = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffMs(policy, attempt, middle));
    assert.deepEqual(waits, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  test('when the attempt number is huge, or firstMs is 0, then the wait is still a number within bounds', () => {
    assert.equal(backoffMs(policy, 1_000_000, middle), 1_000);
    assert.equal(backoffMs({ firstMs: 0, maxMs: 1_000 }, 5_000, middle), 0);
  });

  test('when attempt is 0 or less, then the wait is firstMs (never less)', () => {
    assert.equal(backoffMs(policy, 0, middle), 100);
  });

  test('when no jitter is named, then each wait is spread ±10%', () => {
    assert.equal(backoffMs(policy, 3, draw(0)), 360);
    assert.equal(backoffMs(policy, 3, draw(1)), 440);
    assert.equal(backoffMs(policy, 9, draw(1)), 1_100, 'the cap is before jitter');
  });

  test('when jitter is a fraction, then each wait is spread by ± that fraction', () => {
    assert.equal(backoffMs({ ...policy, jitter: 0.5 }, 2, draw(0)), 100);
    assert.equal(backoffMs({ ...policy, jitter: 0.5 }, 2, draw(1)), 300);
    assert.equal(backoffMs({ ...policy, jitter: 0 }, 2, draw(1)), 200);
  });

  test("when jitter is 'equal', then each wait lies in the upper half of its nominal length", () => {
    const equal: Backoff = { firstMs: 200, maxMs: 2_000, jitter: 'equal' };
    assert.equal(backoffMs(equal, 1, draw(0)), 100);
    assert.equal(backoffMs(equal, 1, draw(1)), 200);
    assert.equal(backoffMs(equal, 10, draw(0)), 1_000);
    assert.equal(backoffMs(equal, 10, draw(1)), 2_000);
  });

  test('when the draws are real, then every wait is whole milliseconds within its band, and they differ', () => {
    const waits = Array.from({ length: 1_000 }, () => backoffMs(policy, 2));
    for (const wait of waits) assert.ok(Number.isInteger(wait) && wait >= 180 && wait <= 220, `${wait} outside 180..220`);
    assert.ok(new Set(waits).size > 1, 'every draw gave the same wait');
  });
});
