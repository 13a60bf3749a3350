import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { later, newApiKey, newRefreshToken, newUser, rejectsUnique, type ContractContext } from './fixtures.js';

export function credentialsContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;

  describe('refresh tokens', () => {
    test('findRefreshToken returns what insertRefreshToken stored; an unknown id gives undefined', async () => {
      const token = newRefreshToken(await someUserId());
      await s().insertRefreshToken(token);
      assert.deepEqual(await s().findRefreshToken(token.id), token);
      assert.equal(await s().findRefreshToken(newRefreshToken(token.userId).id), undefined);
    });

    test('markRefreshTokenUsed succeeds once, records when, and is false afterwards', async () => {
      const token = newRefreshToken(await someUserId());
      await s().insertRefreshToken(token);
      const now = later();
      assert.equal(await s().markRefreshTokenUsed(token.id, now), true);
      assert.equal(await s().markRefreshTokenUsed(token.id, now + 1), false);
      assert.equal((await s().findRefreshToken(token.id))?.usedAt, now);
    });

    test('when two refreshes race for one token, exactly one wins', async () => {
      const token = newRefreshToken(await someUserId());
      await s().insertRefreshToken(token);
      const wins = await Promise.all(Array.from({ length: 10 }, () => s().markRefreshTokenUsed(token.id, later())));
      assert.equal(wins.filter(Boolean).length, 1);
    });

    test('markRefreshTokenUsed is false for a revoked token and for an unknown id', async () => {
      const token = newRefreshToken(await someUserId(), { revokedAt: later() });
      await s().insertRefreshToken(token);
      assert.equal(await s().markRefreshTokenUsed(token.id, later()), false);
      assert.equal((await s().findRefreshToken(token.id))?.usedAt, null);
      assert.equal(await s().markRefreshTokenUsed(newRefreshToken(token.userId).id, later()), false);
    });

    test('revokeRefreshFamily revokes every token of that family and no other', async () => {
      const userId = await someUserId();
      const a1 = newRefreshToken(userId, { usedAt: later() });
      const a2 = newRefreshToken(userId, { familyId: a1.familyId });
      const b = newRefreshToken(userId);
      for (const t of [a1, a2, b]) await s().insertRefreshToken(t);
      const now = later();
      await s().revokeRefreshFamily(a1.familyId, now);
      assert.equal((await s().findRefreshToken(a1.id))?.revokedAt, now);
      assert.equal((await s().findRefreshToken(a2.id))?.revokedAt, now);
      assert.equal((await s().findRefreshToken(b.id))?.revokedAt, null);
      assert.equal(await s().markRefreshTokenUsed(a2.id, later()), false);
      assert.equal(await s().markRefreshTokenUsed(b.id, later()), true);
    });

    test("revokeUserRefreshTokens revokes all of that user's tokens and no one else's", async () => {
      const [userId, otherId] = [await someUserId(), await someUserId()];
      const mine = [newRefreshToken(userId), newRefreshToken(userId)];
      const theirs = newRefreshToken(otherId);
      for (const t of [...mine, theirs]) await s().insertRefreshToken(t);
      const now = later();
      await s().revokeUserRefreshTokens(userId, now);
      for (const t of mine) assert.equal((await s().findRefreshToken(t.id))?.revokedAt, now);
      assert.equal((await s().findRefreshToken(theirs.id))?.revokedAt, null);
    });
  });

  describe('api keys', () => {
    test('findApiKeyWithOwner returns what insertApiKey stored; an unknown prefix gives undefined', async () => {
      const key = newApiKey(await someUserId(), { expiresAt: later() });
      await s().insertApiKey(key);
      assert.deepEqual((await s().findApiKeyWithOwner(key.prefix))?.key, key);
      assert.equal(await s().findApiKeyWithOwner('kz_nope'), undefined);
    });

    test('findApiKeyWithOwner returns the key and the user it belongs to, as findUserById does; an unknown prefix gives undefined', async () => {
      const key = newApiKey(await someUserId(), { scopes: ['links:read'], expiresAt: later() });
      await s().insertApiKey(key);
      assert.deepEqual(await s().findApiKeyWithOwner(key.prefix), { key, owner: await s().findUserById(key.userId) });
      assert.equal(await s().findApiKeyWithOwner('kz_nope'), undefined);
    });

    test('findApiKeyById returns the key with its scopes, revoked or not; an unknown id gives undefined', async () => {
      const key = newApiKey(await someUserId(), { scopes: ['links:write'] });
      await s().insertApiKey(key);
      assert.deepEqual(await s().findApiKeyById(key.id), key);
      await s().revokeApiKey(key.userId, key.id, later());
      assert.notEqual((await s().findApiKeyById(key.id))?.revokedAt, null);
      assert.equal(await s().findApiKeyById(newApiKey(key.userId).id), undefined);
    });

    test('when the prefix is taken, insertApiKey throws UniqueViolation(prefix) and stores nothing', async () => {
      const userId = await someUserId();
      const first = newApiKey(userId);
      await s().insertApiKey(first);
      const dup = newApiKey(userId, { prefix: first.prefix });
      await rejectsUnique(s().insertApiKey(dup), 'prefix');
      assert.deepEqual((await s().findApiKeyWithOwner(first.prefix))?.key, first);
      assert.deepEqual((await s().listApiKeys(userId)).map((k) => k.id), [first.id]);
    });

    test("listApiKeys lists only that user's unrevoked keys, newest first", async () => {
      const [userId, otherId] = [await someUserId(), await someUserId()];
      const older = newApiKey(userId);
      const revoked = newApiKey(userId, { revokedAt: later() });
      const newer = newApiKey(userId);
      for (const k of [newer, older, revoked, newApiKey(otherId)]) await s().insertApiKey(k);
      assert.deepEqual(await s().listApiKeys(userId), [newer, older]);
      assert.deepEqual(await s().listApiKeys(await someUserId()), []);
    });

    test('revokeApiKey revokes once, then is false; the revoked key is still found by prefix', async () => {
      const userId = await someUserId();
      const key = newApiKey(userId);
      await s().insertApiKey(key);
      const now = later();
      assert.equal(await s().revokeApiKey(userId, key.id, now), true);
      assert.equal(await s().revokeApiKey(userId, key.id, now + 1), false);
      assert.deepEqual((await s().findApiKeyWithOwner(key.prefix))?.key, { ...key, revokedAt: now });
      assert.deepEqual(await s().listApiKeys(userId), []);
    });

    test("revokeApiKey is false for another user's key, which stays live", async () => {
      const [owner, intruder] = [await someUserId(), await someUserId()];
      const key = newApiKey(owner);
      await s().insertApiKey(key);
      assert.equal(await s().revokeApiKey(intruder, key.id, later()), false);
      assert.deepEqual(await s().listApiKeys(owner), [key]);
    });
  });
}
