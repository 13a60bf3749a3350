import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { completeUntil, parseLsn } from '../../src/adapters/store/replica-lag.js';

describe('replica lag', () => {
  test('when a WAL position is read, then its two halves make one number, ordered as PostgreSQL orders them', () => {
    assert.equal(parseLsn('0/0'), 0n);
    assert.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xB374D848n);
    assert.ok(parseLsn('1/0') > parseLsn('0/FFFFFFFF'));
    assert.throws(() => parseLsn('not/an-lsn'));
    assert.throws(() => parseLsn('12'));
  });

  const samples = [{ at: 1_000, lsn: 100n }, { at: 2_000, lsn: 200n }, { at: 3_000, lsn: 300n }];

  test('when the replica has replayed a sample, then it is complete until that sample\'s time (the newest one it has)', () => {
    assert.equal(completeUntil(samples, 300n), 3_000);
    assert.equal(completeUntil(samples, 350n), 3_000);
    assert.equal(completeUntil(samples, 299n), 2_000);
    assert.equal(completeUntil(samples, 100n), 1_000);
  });

  test('when it has replayed none of the samples, then nothing is known complete (its lag is unbounded)', () => {
    assert.equal(completeUntil(samples, 99n), -Infinity);
    assert.equal(completeUntil([], 1_000n), -Infinity);
  });
});
