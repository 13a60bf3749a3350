import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LastAdmin } from '../../../src/ports.js';
import {
  T0, later, newApiKey, newLink, newRefreshToken, newUser, newestFirst, pageThrough, rejectsUnique,
  type ContractContext,
} from './fixtures.js';

export function usersContract({ store: s, withFreshStore }: ContractContext): void {
  const someUser = () => s().createUser(newUser());

  describe('users', () => {
    test('the first user ever becomes admin and later ones are plain users', async () => {
      const first = await s().createUser(newUser());
      const second = await s().createUser(newUser());
      assert.equal(first.role, 'admin');
      assert.equal(second.role, 'user');
      assert.equal((await s().findUserById(first.id))?.role, 'admin');
      assert.equal((await s().findUserById(second.id))?.role, 'user');
    });

    test('when several users sign up at once on an empty database, exactly one becomes admin', async () => {
      await withFreshStore(async (fresh) => {
        const created = await Promise.all(Array.from({ length: 8 }, () => fresh.createUser(newUser())));
        assert.equal(created.filter((u) => u.role === 'admin').length, 1);
        const stored = await fresh.listUsers({ limit: 100 });
        assert.equal(stored.length, 8);
        assert.equal(stored.filter((u) => u.role === 'admin').length, 1);
      });
    });

    test('createUser returns the stored record, which is found by id and by email', async () => {
      const input = newUser({ name: null });
      const user = await s().createUser(input);
      assert.deepEqual(user, { ...input, role: 'user', updatedAt: input.createdAt });
      assert.deepEqual(await s().findUserById(user.id), user);
      assert.deepEqual(await s().findUserByEmail(user.email), user);
      assert.equal(await s().findUserById(newUser().id), undefined);
      assert.equal(await s().findUserByEmail('nobody@example.com'), undefined);
    });

    test('when the email is taken, createUser throws UniqueViolation(email) and stores nothing', async () => {
      const first = await someUser();
      const dup = newUser({ email: first.email });
      await rejectsUnique(s().createUser(dup), 'email');
      assert.equal(await s().findUserById(dup.id), undefined);
      assert.equal((await s().findUserByEmail(first.email))?.id, first.id);
    });

    test('updateUser changes the given fields and updated_at, and nothing else', async () => {
      const user = await someUser();
      const now = later();
      const changes = { email: 'renamed@example.com', name: null, passwordHash: 'h2' };
      const updated = await s().updateUser(user.id, changes, now);
      assert.deepEqual(updated, { ...user, ...changes, updatedAt: now });
      assert.deepEqual(await s().findUserById(user.id), updated);
      const promoted = await s().updateUser(user.id, { role: 'admin' }, now + 1);
      assert.deepEqual(promoted, { ...updated, role: 'admin', updatedAt: now + 1 });
    });

    test('updateUser returns undefined for an unknown id', async () => {
      assert.equal(await s().updateUser(newUser().id, { name: 'x' }, later()), undefined);
    });

    test('when the new email is taken, updateUser throws UniqueViolation(email) and changes nothing', async () => {
      const [a, b] = [await someUser(), await someUser()];
      await rejectsUnique(s().updateUser(b.id, { email: a.email, name: 'changed' }, later()), 'email');
      assert.deepEqual(await s().findUserById(b.id), b);
    });

    test('deleteUser removes the user with their links, tags, api keys and refresh tokens and answers the deleted codes; undefined the second time', async () => {
      const [user, other] = [await someUser(), await someUser()];
      const link = await s().insertLink(newLink(user.id, { tags: ['a'] }));
      const key = newApiKey(user.id);
      const token = newRefreshToken(user.id);
      await s().insertApiKey(key);
      await s().insertRefreshToken(token);
      const othersLink = await s().insertLink(newLink(other.id));

      assert.deepEqual(await s().deleteUser(user.id), [link.code]);
      assert.equal(await s().findUserById(user.id), undefined);
      assert.equal(await s().findLinkById(link.id), undefined);
      assert.equal(await s().db.selectFrom('api_keys').select('id').where('prefix', '=', key.prefix).executeTakeFirst(), undefined);
      assert.equal(await s().findRefreshToken(token.id), undefined);
      const tags = await s().db.selectFrom('link_tags').selectAll().where('link_id', '=', link.id).execute();
      assert.deepEqual(tags, []);
      assert.deepEqual(await s().findLinkById(othersLink.id), othersLink);
      assert.equal(await s().deleteUser(user.id), undefined);
    });

    test('when the last admin would be demoted or deleted, LastAdmin is thrown and nothing changes; another admin makes both possible', async () => {
      await withFreshStore(async (fresh) => {
        const root = await fresh.createUser(newUser());
        const link = await fresh.insertLink(newLink(root.id));
        await assert.rejects(fresh.updateUser(root.id, { role: 'user', name: 'changed' }, later()), LastAdmin);
        await assert.rejects(fresh.deleteUser(root.id), LastAdmin);
        assert.deepEqual(await fresh.findUserById(root.id), root);
        assert.deepEqual(await fresh.findLinkById(link.id), link);
        const ann = await fresh.createUser(newUser());
        assert.equal((await fresh.updateUser(ann.id, { role: 'user' }, later()))?.role, 'user', 'demoting a plain user is no loss');
        await fresh.updateUser(ann.id, { role: 'admin' }, later());
        assert.deepEqual(await fresh.deleteUser(root.id), [link.code]);
        await assert.rejects(fresh.updateUser(ann.id, { role: 'user' }, later()), LastAdmin);
      });
    });

    test('when two admins are demoted at once, exactly one demotion wins', async () => {
      await withFreshStore(async (fresh) => {
        const admins = [await fresh.createUser(newUser()), await fresh.createUser(newUser({ role: 'admin' }))];
        for (let round = 0; round < 10; round++) {
          const results = await Promise.allSettled(admins.map((a) => (round % 2 ? fresh.deleteUser(a.id) : fresh.updateUser(a.id, { role: 'user' }, later()))));
          assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
          assert.ok(results.every((r) => r.status === 'fulfilled' || r.reason instanceof LastAdmin));
          const left = (await fresh.listUsers({ limit: 10 })).filter((u) => u.role === 'admin');
          assert.equal(left.length, 1, `round ${round}`);
          const other = round % 2 ? await fresh.createUser(newUser({ role: 'admin' })) : await fresh.updateUser(admins.find((a) => a.id !== left[0]!.id)!.id, { role: 'admin' }, later());
          admins.splice(0, 2, left[0]!, other!);
        }
      });
    });

    test('listUsers pages newest first by (createdAt, id), through equal times, without skips or repeats', async () => {
      await withFreshStore(async (fresh) => {
        const times = [T0, T0 + 5, T0 + 5, T0 + 5, T0 + 5, T0 + 9, T0 - 3];
        const users = [];
        for (const createdAt of times) users.push(await fresh.createUser(newUser({ createdAt })));
        const expected = newestFirst(users).map((u) => u.id);
        assert.deepEqual((await fresh.listUsers({ limit: 100 })).map((u) => u.id), expected);
        assert.equal((await fresh.listUsers({ limit: 3 })).length, 4, 'limit + 1 rows when more exist');
        for (const limit of [1, 2, 3, 7]) {
          assert.deepEqual(await pageThrough((q) => fresh.listUsers(q), limit), expected, `limit ${limit}`);
        }
      });
    });

    test('a user created between page fetches does not change later pages', async () => {
      await withFreshStore(async (fresh) => {
        for (let i = 0; i < 5; i++) await fresh.createUser(newUser({ createdAt: T0 + i }));
        const all = (await fresh.listUsers({ limit: 100 })).map((u) => u.id);
        const firstPage = await fresh.listUsers({ limit: 2 });
        await fresh.createUser(newUser({ createdAt: T0 + 100 }));
        const lastKept = firstPage[1]!;
        const rest = await pageThrough((q) => fresh.listUsers(q), 2, lastKept);
        assert.deepEqual(rest, all.slice(2));
      });
    });
  });
}
