import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { StoredAnswer } from '../../../src/ports.js';
import { later, newUser, type ContractContext } from './fixtures.js';

/** Idempotency-Keys: one claim per (user, key), its answer, release, and the sweep of old ones. */
export function idempotencyContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;
  const answer: StoredAnswer = { status: 201, headers: { location: '/api/v1/links/x' }, body: { id: 'x', tags: ['a'], n: 1 } };
  /** A claim at `now`, with keys kept 24 h and unanswered claims 5 min (as the use case passes them). */
  const claim = (userId: string, key: string, hash: string, now: number) =>
    s().claimIdempotencyKey(userId, key, hash, now, now - 86_400_000, now - 300_000);

  describe('idempotency keys', () => {
    test('when a key is claimed twice, then the first claim wins and the second sees it, unanswered, then answered', async () => {
      const userId = await someUserId();
      const now = later();
      assert.deepEqual(await claim(userId, 'k1', 'h1', now), { claimed: true });
      assert.deepEqual(await claim(userId, 'k1', 'h2', now + 1), { claimed: false, requestHash: 'h1', answer: undefined });
      await s().answerIdempotencyKey(userId, 'k1', answer);
      assert.deepEqual(await claim(userId, 'k1', 'h1', now + 2), { claimed: false, requestHash: 'h1', answer });
    });

    test('when two claims of one key race, then exactly one wins', async () => {
      const userId = await someUserId();
      const now = later();
      const claims = await Promise.all(Array.from({ length: 8 }, () => claim(userId, 'race', 'h', now)));
      assert.equal(claims.filter((c) => c.claimed).length, 1);
    });

    test('when two users use the same key, then each has a claim of their own', async () => {
      const [a, b] = [await someUserId(), await someUserId()];
      const now = later();
      assert.deepEqual(await claim(a, 'shared', 'ha', now), { claimed: true });
      assert.deepEqual(await claim(b, 'shared', 'hb', now), { claimed: true });
    });

    test('when a claim is older than 24 h, then a new claim replaces it', async () => {
      const userId = await someUserId();
      const then = later();
      await claim(userId, 'old', 'h1', then);
      await s().answerIdempotencyKey(userId, 'old', answer);
      assert.equal((await claim(userId, 'old', 'h2', then + 86_400_000 - 1)).claimed, false, 'still live just before 24 h');
      assert.deepEqual(await claim(userId, 'old', 'h2', then + 86_400_001), { claimed: true });
      assert.deepEqual(await claim(userId, 'old', 'h3', then + 86_400_002), { claimed: false, requestHash: 'h2', answer: undefined });
    });

    test('when an unanswered claim is older than 5 minutes, then it is abandoned and a new claim takes it; an answered one is not', async () => {
      const [a, b] = [await someUserId(), await someUserId()];
      const then = later();
      await claim(a, 'stuck', 'h1', then);
      await claim(b, 'done', 'h1', then);
      await s().answerIdempotencyKey(b, 'done', answer);
      const after = then + 300_001;
      assert.deepEqual(await claim(a, 'stuck', 'h2', after), { claimed: true });
      assert.deepEqual(await claim(b, 'done', 'h2', after), { claimed: false, requestHash: 'h1', answer });
    });

    test('when an unanswered claim is released, then the key may be claimed again; an answered one is kept', async () => {
      const userId = await someUserId();
      const now = later();
      await claim(userId, 'rel', 'h1', now);
      await s().releaseIdempotencyKey(userId, 'rel');
      assert.deepEqual(await claim(userId, 'rel', 'h2', now + 1), { claimed: true });
      await s().answerIdempotencyKey(userId, 'rel', answer);
      await s().releaseIdempotencyKey(userId, 'rel');
      assert.deepEqual(await claim(userId, 'rel', 'h2', now + 2), { claimed: false, requestHash: 'h2', answer });
    });

    test('when a large answer (1,000 results) is stored, then it comes back equal', async () => {
      const userId = await someUserId();
      const now = later();
      const big: StoredAnswer = { status: 200, headers: {}, body: { results: Array.from({ length: 1_000 }, (_, i) => ({ status: 201, link: { id: `id${i}`, url: `https://example.com/${i}` } })) } };
      await claim(userId, 'big', 'h', now);
      await s().answerIdempotencyKey(userId, 'big', big);
      assert.deepEqual(await claim(userId, 'big', 'h', now + 1), { claimed: false, requestHash: 'h', answer: big });
    });

    test('when claims older than a time are deleted, then only those go, and their count is returned', async () => {
      const userId = await someUserId();
      const t0 = later();
      await claim(userId, 'sweep-old-1', 'h', t0);
      await claim(userId, 'sweep-old-2', 'h', t0 + 1);
      await claim(userId, 'sweep-new', 'h', t0 + 10);
      // Claims of other tests are older still: count only this test's by sweeping them first.
      await s().deleteIdempotencyKeysBefore(t0);
      assert.equal(await s().deleteIdempotencyKeysBefore(t0 + 10), 2);
      const left = await s().db.selectFrom('idempotency_keys').select('key').where('user_id', '=', userId).execute();
      assert.deepEqual(left.map((r) => r.key), ['sweep-new']);
    });

    test('when the user is deleted, then their keys go with them', async () => {
      const userId = await someUserId();
      await claim(userId, 'gone', 'h', later());
      await s().deleteUser(userId);
      assert.deepEqual(await s().db.selectFrom('idempotency_keys').select('key').where('user_id', '=', userId).execute(), []);
    });
  });
}
