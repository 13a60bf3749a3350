import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { jitter } from '../../src/resilience/jitter.js';

const fixed = (value: number) => () => value;

describe('jitter', () => {
  test('the lowest draw gives ms * (1 - spread)', () => {
    assert.equal(jitter(1_000, 0.2, fixed(0)), 800);
  });

  test('the highest draw gives ms * (1 + spread)', () => {
    assert.equal(jitter(1_000, 0.2, fixed(1)), 1_200);
  });

  test('the middle draw gives ms itself', () => {
    assert.equal(jitter(1_000, 0.2, fixed(0.5)), 1_000);
    assert.equal(jitter(4_321, 0.3, fixed(0.5)), 4_321);
  });

  test('the spread defaults to 10%', () => {
    assert.equal(jitter(1_000, undefined, fixed(0)), 900);
    assert.equal(jitter(1_000, undefined, fixed(1)), 1_100);
  });

  test('a spread of 0 always gives ms', () => {
    assert.equal(jitter(750, 0, fixed(0)), 750);
    assert.equal(jitter(750, 0, fixed(1)), 750);
  });

  test('results are whole milliseconds even when the exact value is not', () => {
    for (const draw of [0, 0.123, 0.37, 0.5, 0.77, 0.999, 1]) {
      const value = jitter(1_234, 0.1, fixed(draw));
      assert.ok(Number.isInteger(value), `${value} for draw ${draw}`);
      assert.ok(Math.abs(value - 1_234 * (0.9 + 0.2 * draw)) <= 0.5, `${value} for draw ${draw}`);
    }
  });

  test('over 1000 real draws every result lies within ±10% and they are not all equal', () => {
    const values = Array.from({ length: 1_000 }, () => jitter(1_000));
    for (const value of values) {
      assert.ok(Number.isInteger(value), `${value} is not an integer`);
      assert.ok(value >= 900 && value <= 1_100, `${value} outside 900..1100`);
    }
    assert.ok(new Set(values).size > 1, 'all 1000 draws gave the same value');
  });
});
