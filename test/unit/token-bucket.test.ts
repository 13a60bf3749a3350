/**
 * The token bucket as pure arithmetic: every time here is injected, so nothing waits on a real clock.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { decide, fullAfterMs, refill, take, type BucketLimit, type BucketState, type Decision } from '../../src/domain/token-bucket.js';

const T0 = 1_700_000_000_000;
const TEN_PER_SECOND: BucketLimit = { capacity: 10, refillPerSecond: 1 };

/** Takes `n` times at `now`, threading the state through; returns every decision and the last state. */
function takeMany(limit: BucketLimit, state: BucketState | undefined, now: number, n: number) {
  const decisions: Decision[] = [];
  for (let i = 0; i < n; i++) {
    const result = take(limit, state, now);
    decisions.push(result.decision);
    state = result.state;
  }
  return { decisions, state: state! };
}

describe('refill', () => {
  test('a bucket that does not exist yet is full', () => {
    assert.equal(refill(TEN_PER_SECOND, undefined, T0), 10);
  });

  test('adds refillPerSecond for each second elapsed', () => {
    assert.equal(refill(TEN_PER_SECOND, { tokens: 0, at: T0 }, T0 + 3_000), 3);
  });

  test('adds fractions of a token for part of a second', () => {
    assert.equal(refill({ capacity: 10, refillPerSecond: 0.5 }, { tokens: 0, at: T0 }, T0 + 1_000), 0.5);
  });

  test('never exceeds capacity, however long the bucket was idle', () => {
    assert.equal(refill(TEN_PER_SECOND, { tokens: 4, at: T0 }, T0 + 86_400_000), 10);
  });

  test('a clock that stepped backwards neither refills nor drains the bucket', () => {
    assert.equal(refill(TEN_PER_SECOND, { tokens: 4.5, at: T0 }, T0 - 60_000), 4.5);
  });
});

describe('take', () => {
  test('a new bucket starts full: the first take leaves capacity - 1', () => {
    const { decision, state } = take(TEN_PER_SECOND, undefined, T0);
    assert.equal(decision.allowed, true);
    assert.equal(decision.remaining, 9);
    assert.deepEqual(state, { tokens: 9, at: T0 });
  });

  test('allows a burst of exactly capacity requests, then refuses', () => {
    const { decisions } = takeMany(TEN_PER_SECOND, undefined, T0, 11);
    assert.deepEqual(decisions.map((d) => d.allowed), [...Array(10).fill(true), false]);
    assert.deepEqual(decisions.map((d) => d.remaining), [9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0]);
  });

  test('a refused take leaves the bucket as it was (apart from the time)', () => {
    const { state } = takeMany(TEN_PER_SECOND, undefined, T0, 10);
    const refused = take(TEN_PER_SECOND, state, T0 + 500);
    assert.equal(refused.decision.allowed, false);
    assert.deepEqual(refused.state, { tokens: 0.5, at: T0 + 500 });
  });

  test('after 3 s idle an emptied 1/s bucket allows exactly 3 more', () => {
    const { state } = takeMany(TEN_PER_SECOND, undefined, T0, 10);
    const { decisions } = takeMany(TEN_PER_SECOND, state, T0 + 3_000, 4);
    assert.deepEqual(decisions.map((d) => d.allowed), [true, true, true, false]);
  });

  test('at 0.5/s, half a token after 1 s is refused and a whole one after 2 s is allowed', () => {
    const limit = { capacity: 1, refillPerSecond: 0.5 };
    const empty = take(limit, undefined, T0).state;
    const early = take(limit, empty, T0 + 1_000);
    assert.equal(early.decision.allowed, false);
    assert.equal(take(limit, early.state, T0 + 2_000).decision.allowed, true);
  });

  test('fractions carry across calls: at 0.25/s four 1 s steps make exactly one token', () => {
    const limit = { capacity: 1, refillPerSecond: 0.25 };
    let state = take(limit, undefined, T0).state;
    for (let second = 1; second <= 3; second++) {
      const step = take(limit, state, T0 + second * 1_000);
      assert.equal(step.decision.allowed, false, `refused after ${second} s`);
      state = step.state;
    }
    const fourth = take(limit, state, T0 + 4_000);
    assert.equal(fourth.decision.allowed, true);
    assert.equal(fourth.state.tokens, 0);
  });

  test('long idle refills to capacity only: a burst after a day is still capacity', () => {
    const { state } = takeMany(TEN_PER_SECOND, undefined, T0, 10);
    const { decisions } = takeMany(TEN_PER_SECOND, state, T0 + 86_400_000, 11);
    assert.equal(decisions.filter((d) => d.allowed).length, 10);
  });

  test('a clock that steps backwards leaves the tokens unchanged and still decides', () => {
    const { state } = takeMany(TEN_PER_SECOND, undefined, T0, 8);
    const back = take(TEN_PER_SECOND, state, T0 - 5_000);
    assert.equal(back.decision.allowed, true);
    assert.equal(back.state.tokens, 1);
    assert.ok(Number.isFinite(back.decision.retryAfterMs) && back.decision.retryAfterMs >= 0);
    assert.ok(Number.isFinite(back.decision.resetMs) && back.decision.resetMs >= 0);
  });

  test('a cost above 1 takes that many tokens, and is refused when fewer are left', () => {
    const first = take(TEN_PER_SECOND, undefined, T0, 4);
    assert.equal(first.decision.allowed, true);
    assert.equal(first.decision.remaining, 6);
    const second = take(TEN_PER_SECOND, first.state, T0, 4);
    assert.equal(second.decision.remaining, 2);
    const third = take(TEN_PER_SECOND, second.state, T0, 4);
    assert.equal(third.decision.allowed, false);
    assert.equal(third.decision.remaining, 2);
    assert.equal(third.state.tokens, 2, 'a refused costly take takes nothing');
    assert.equal(third.decision.retryAfterMs, 2_000, 'two more tokens are needed at 1/s');
  });
});

describe('decision fields', () => {
  test('limit is the capacity', () => {
    assert.equal(take({ capacity: 7, refillPerSecond: 1 }, undefined, T0).decision.limit, 7);
  });

  test('remaining is the whole tokens left, rounded down', () => {
    assert.equal(decide(TEN_PER_SECOND, 3.99, true).remaining, 3);
    assert.equal(decide(TEN_PER_SECOND, 0.5, false).remaining, 0);
  });

  test('retryAfterMs is 0 when allowed with tokens left', () => {
    assert.equal(take(TEN_PER_SECOND, undefined, T0).decision.retryAfterMs, 0);
  });

  test('when refused, retryAfterMs is the time until the next whole token', () => {
    const { state } = takeMany({ capacity: 2, refillPerSecond: 2 }, undefined, T0, 2);
    const refused = take({ capacity: 2, refillPerSecond: 2 }, state, T0 + 100); // 0.2 tokens
    assert.equal(refused.decision.allowed, false);
    assert.equal(refused.decision.retryAfterMs, 400);
  });

  test('retryAfterMs is really enough: a take after it is allowed, one a millisecond before is not', () => {
    const limit = { capacity: 3, refillPerSecond: 0.3 };
    const { state, decisions } = takeMany(limit, undefined, T0, 4);
    const wait = decisions[3]!.retryAfterMs;
    assert.equal(take(limit, state, T0 + wait - 1).decision.allowed, false);
    assert.equal(take(limit, state, T0 + wait).decision.allowed, true);
  });

  test('resetMs is the time until the bucket is full again', () => {
    const { decisions } = takeMany(TEN_PER_SECOND, undefined, T0, 3);
    assert.equal(decisions[2]!.resetMs, 3_000);
    assert.equal(decide(TEN_PER_SECOND, 10, true).resetMs, 0);
    assert.equal(decide({ capacity: 10, refillPerSecond: 2 }, 4.5, true).resetMs, 2_750);
  });
});

describe('fullAfterMs', () => {
  test('is the time an empty bucket takes to fill: capacity 10 at 2/s fills in 5000 ms', () => {
    assert.equal(fullAfterMs({ capacity: 10, refillPerSecond: 2 }), 5_000);
  });

  test('after fullAfterMs an emptied bucket behaves as a new one', () => {
    const limit = { capacity: 4, refillPerSecond: 3 };
    const { state } = takeMany(limit, undefined, T0, 4);
    assert.equal(refill(limit, state, T0 + fullAfterMs(limit)), limit.capacity);
  });
});
