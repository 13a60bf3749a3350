import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { LinkRecord, LinkTarget, NewLink, Visit } from '../../../src/ports.js';
import { T0, later, newLink, newUser, newestFirst, pageThrough, rejectsUnique, type ContractContext } from './fixtures.js';

export function linksContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;
  const insert = (ownerId: string, over: Partial<NewLink> = {}) => s().insertLink(newLink(ownerId, over));
  const ids = (links: LinkRecord[]) => links.map((l) => l.id);

  describe('links', () => {
    test('insertLink returns the record with clicks 0 and sorted tags, as findLinkById and findLinkByCode return it', async () => {
      const input = newLink(await someUserId(), {
        title: 'Docs', tags: ['zeta', 'alpha', 'mid'], redirectType: 308, expiresAt: later(), maxClicks: 5,
      });
      const link = await s().insertLink(input);
      assert.deepEqual(link, { ...input, tags: ['alpha', 'mid', 'zeta'], clicks: 0, importedClicks: 0, hasPassword: false, updatedAt: input.createdAt });
      assert.deepEqual(await s().findLinkById(link.id), link);
      assert.deepEqual(await s().findLinkByCode(link.code), link);
      assert.equal(await s().findLinkById(newLink(link.ownerId).id), undefined);
      assert.equal(await s().findLinkByCode('no-such-code'), undefined);
    });

    test('when the code is taken, insertLink throws UniqueViolation(code) and changes nothing', async () => {
      const ownerId = await someUserId();
      const first = await insert(ownerId, { tags: ['one'] });
      const dup = newLink(ownerId, { code: first.code, url: 'https://other.example/', tags: ['two'] });
      await rejectsUnique(s().insertLink(dup), 'code');
      assert.deepEqual(await s().findLinkByCode(first.code), first);
      assert.equal(await s().findLinkById(dup.id), undefined);
      const orphanTags = await s().db.selectFrom('link_tags').selectAll().where('link_id', '=', dup.id).execute();
      assert.deepEqual(orphanTags, []);
    });

    test('links inserted at the same moment all go in, except the one whose code another took, which alone gets UniqueViolation(code)', async () => {
      const ownerId = await someUserId();
      const taken = await insert(ownerId);
      const inputs = Array.from({ length: 40 }, (_, i) => newLink(ownerId, { tags: [`t${i % 3}`] }));
      inputs[7] = newLink(ownerId, { code: taken.code }); // taken in the table
      inputs[30] = newLink(ownerId, { code: inputs[20]!.code }); // taken earlier in the same group
      const outcomes = await Promise.allSettled(inputs.map((input) => s().insertLink(input)));
      const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
      assert.deepEqual(rejected, [7, 30]);
      for (const i of rejected) await rejectsUnique(Promise.reject((outcomes[i] as PromiseRejectedResult).reason), 'code');
      for (const [i, input] of inputs.entries()) {
        const stored = await s().findLinkById(input.id);
        if (rejected.includes(i)) assert.equal(stored, undefined);
        else assert.deepEqual(stored, (outcomes[i] as PromiseFulfilledResult<LinkRecord>).value);
      }
      assert.deepEqual(await s().findLinkByCode(taken.code), taken);
    });

    test('codes are case-sensitive: AbcD and abcd coexist and neither matches ABCD', async () => {
      const ownerId = await someUserId();
      const upper = await insert(ownerId, { code: 'AbcD' });
      const lower = await insert(ownerId, { code: 'abcd' });
      assert.equal((await s().findLinkByCode('AbcD'))?.id, upper.id);
      assert.equal((await s().findLinkByCode('abcd'))?.id, lower.id);
      assert.equal(await s().findLinkByCode('ABCD'), undefined);
    });

    test('listLinks filters by owner, and without an owner lists every owner', async () => {
      const [a, b] = [await someUserId(), await someUserId()];
      const mine = [await insert(a), await insert(a)];
      const theirs = await insert(b);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId: a }), newestFirst(mine));
      const everyone = ids(await s().listLinks({ limit: 1000 }));
      for (const id of [...ids(mine), theirs.id]) assert.ok(everyone.includes(id), id);
    });

    test('listLinks filters by tag and returns each link with all its tags', async () => {
      const ownerId = await someUserId();
      const red = await insert(ownerId, { tags: ['red', 'big'] });
      await insert(ownerId, { tags: ['blue'] });
      await insert(ownerId);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, tag: 'red' }), [red]);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, tag: 'green' }), []);
    });

    test('listLinks q matches a case-insensitive substring of url, code or title', async () => {
      const ownerId = await someUserId();
      const byUrl = await insert(ownerId, { url: 'https://Example.org/Needle/x' });
      const byCode = await insert(ownerId, { code: `xNEEDLEx${later()}` });
      const byTitle = await insert(ownerId, { title: 'A needle in a haystack' });
      await insert(ownerId, { url: 'https://example.org/hay', title: 'Just hay' });
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: 'nEeDlE' }), newestFirst([byUrl, byCode, byTitle]));
    });

    test('listLinks q folds case beyond ASCII on every dialect', async () => {
      const ownerId = await someUserId();
      const umlaut = await insert(ownerId, { title: 'Über uns' });
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: 'über' }), [umlaut]);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: 'ÜBER' }), [umlaut]);
    });

    test("listLinks q treats '%' and '_' literally, not as wildcards", async () => {
      const ownerId = await someUserId();
      const percent = await insert(ownerId, { title: 'save 100% now' });
      const underscore = await insert(ownerId, { code: `snake_case${later()}` });
      await insert(ownerId, { title: 'save 100 percent' });
      await insert(ownerId, { code: `snakeXcase${later()}` });
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: '%' }), [percent]);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: '0%' }), [percent]);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: 'e_c' }), [underscore]);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, q: '\\' }), []);
    });

    test('listLinks pages newest first by (createdAt, id), through equal times, without skips or repeats', async () => {
      const ownerId = await someUserId();
      const links = [];
      for (const createdAt of [T0, T0 + 7, T0 + 7, T0 + 7, T0 + 7, T0 + 7, T0 + 9, T0 - 1]) {
        links.push(await insert(ownerId, { createdAt, tags: ['t'] }));
      }
      const expected = ids(newestFirst(links));
      assert.deepEqual(ids(await s().listLinks({ limit: 100, ownerId })), expected);
      assert.equal((await s().listLinks({ limit: 3, ownerId })).length, 4, 'limit + 1 rows when more exist');
      for (const limit of [1, 2, 3, 8]) {
        assert.deepEqual(await pageThrough((q) => s().listLinks({ ...q, ownerId }), limit), expected, `limit ${limit}`);
        assert.deepEqual(await pageThrough((q) => s().listLinks({ ...q, ownerId, tag: 't' }), limit), expected);
      }
    });

    test('a link created between page fetches does not change later pages', async () => {
      const ownerId = await someUserId();
      for (let i = 0; i < 5; i++) await insert(ownerId, { createdAt: T0 + i });
      const all = ids(await s().listLinks({ limit: 100, ownerId }));
      const firstPage = await s().listLinks({ limit: 2, ownerId });
      await insert(ownerId, { createdAt: T0 + 100 });
      const rest = await pageThrough((q) => s().listLinks({ ...q, ownerId }), 2, firstPage[1]);
      assert.deepEqual(rest, all.slice(2));
    });

    test('updateLink changes the given fields and updated_at, replaces the tags, and keeps the rest', async () => {
      const link = await insert(await someUserId(), { title: 'old', tags: ['a', 'b'], expiresAt: later(), maxClicks: 3 });
      const now = later();
      const changes = { code: `new${now}`, url: 'https://new.example/', redirectType: 301 as const, tags: ['c', 'a'] };
      const updated = await s().updateLink(link.id, changes, now);
      assert.deepEqual(updated, { ...link, ...changes, tags: ['a', 'c'], updatedAt: now });
      assert.deepEqual(await s().findLinkById(link.id), updated);
      const cleared = await s().updateLink(link.id, { title: null, expiresAt: null, maxClicks: null, tags: [] }, now + 1);
      assert.deepEqual(cleared, { ...updated, title: null, expiresAt: null, maxClicks: null, tags: [], updatedAt: now + 1 });
      assert.deepEqual(await s().findLinkById(link.id), cleared);
    });

    test('updateLink without tags keeps the tags', async () => {
      const link = await insert(await someUserId(), { tags: ['keep'] });
      assert.deepEqual((await s().updateLink(link.id, { title: 'new' }, later()))?.tags, ['keep']);
    });

    test('updateLink returns undefined for an unknown id', async () => {
      assert.equal(await s().updateLink(newLink('nobody').id, { title: 'x', tags: ['x'] }, later()), undefined);
    });

    test('when the new code is taken, updateLink throws UniqueViolation(code) and changes nothing', async () => {
      const ownerId = await someUserId();
      const [a, b] = [await insert(ownerId), await insert(ownerId, { tags: ['b'] })];
      await rejectsUnique(s().updateLink(b.id, { code: a.code, title: 'changed', tags: ['x'] }, later()), 'code');
      assert.deepEqual(await s().findLinkById(b.id), b);
      assert.deepEqual(await s().findLinkById(a.id), a);
    });

    test('deleteLink deletes once, with its tags, then is false', async () => {
      const link = await insert(await someUserId(), { tags: ['gone'] });
      assert.equal(await s().deleteLink(link.id), true);
      assert.equal(await s().findLinkById(link.id), undefined);
      assert.equal(await s().findLinkByCode(link.code), undefined);
      assert.deepEqual(await s().db.selectFrom('link_tags').selectAll().where('link_id', '=', link.id).execute(), []);
      assert.equal(await s().deleteLink(link.id), false);
    });
  });

  describe('link passwords', () => {
    const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

    test('a link inserted with a password hash shows hasPassword in every read, and only findLinkPassword returns the hash', async () => {
      const link = await insert(await someUserId(), { passwordHash: HASH });
      assert.equal(link.hasPassword, true);
      assert.equal('passwordHash' in link, false);
      for (const read of [await s().findLinkById(link.id), await s().findLinkByCode(link.code), await s().findTargetByCode(link.code)]) {
        assert.equal(read?.hasPassword, true);
        assert.ok(!JSON.stringify(read).includes('argon2'), 'no read but findLinkPassword carries the hash');
      }
      assert.deepEqual(await s().findLinkPassword(link.code), { id: link.id, passwordHash: HASH });
      const visit = await s().countVisit(link.code, T0);
      assert.equal(visit.outcome === 'live' && visit.link.hasPassword, true);
    });

    test('findLinkPassword answers null for a link without a password, undefined for an unknown code', async () => {
      const link = await insert(await someUserId());
      assert.equal(link.hasPassword, false);
      assert.deepEqual(await s().findLinkPassword(link.code), { id: link.id, passwordHash: null });
      assert.equal(await s().findLinkPassword('no-such-code'), undefined);
    });

    test('updateLink sets, keeps (when not given) and removes (null) the password hash', async () => {
      const link = await insert(await someUserId());
      assert.equal((await s().updateLink(link.id, { passwordHash: HASH }, later()))?.hasPassword, true);
      assert.equal((await s().updateLink(link.id, { title: 'kept' }, later()))?.hasPassword, true);
      assert.equal((await s().findLinkPassword(link.code))?.passwordHash, HASH);
      assert.equal((await s().updateLink(link.id, { passwordHash: null }, later()))?.hasPassword, false);
      assert.equal((await s().findLinkPassword(link.code))?.passwordHash, null);
    });
  });

  describe('countVisit', () => {
    const clicksOf = async (id: string) => (await s().findLinkById(id))?.clicks;
    const linkOf = (visit: Visit): LinkTarget => {
      assert.ok(visit.outcome !== 'missing', 'the visit found the link');
      return visit.link;
    };

    test("a live link answers 'live' with the link after the visit, and counts it", async () => {
      const link = await insert(await someUserId(), { url: 'https://target.example/' });
      const visit = await s().countVisit(link.code, later());
      assert.equal(visit.outcome, 'live');
      assert.equal(linkOf(visit).id, link.id);
      assert.equal(linkOf(visit).url, 'https://target.example/');
      assert.equal(linkOf(visit).clicks, 1);
      await s().countVisit(link.code, later());
      assert.equal(await clicksOf(link.id), 2);
    });

    test("an unknown code, or the right code in another case, answers 'missing'", async () => {
      const link = await insert(await someUserId(), { code: `CaSe${later()}` });
      assert.deepEqual(await s().countVisit('no-such-code', later()), { outcome: 'missing' });
      assert.deepEqual(await s().countVisit(link.code.toLowerCase(), later()), { outcome: 'missing' });
      assert.equal(await clicksOf(link.id), 0);
    });

    test("answers 'live' just before expiresAt, then 'expired' at and after it without counting", async () => {
      const expiresAt = later();
      const link = await insert(await someUserId(), { expiresAt });
      assert.equal((await s().countVisit(link.code, expiresAt - 1)).outcome, 'live');
      for (const now of [expiresAt, expiresAt + 1]) {
        const visit = await s().countVisit(link.code, now);
        assert.equal(visit.outcome, 'expired');
        assert.equal(linkOf(visit).clicks, 1);
      }
      assert.equal(await clicksOf(link.id), 1);
    });

    test("answers 'exhausted' once clicks reach maxClicks, without counting", async () => {
      const link = await insert(await someUserId(), { maxClicks: 2 });
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push((await s().countVisit(link.code, later())).outcome);
      assert.deepEqual(outcomes, ['live', 'live', 'exhausted', 'exhausted']);
      assert.equal(await clicksOf(link.id), 2);
    });

    test('when a link is both expired and exhausted, expiry wins', async () => {
      const expiresAt = later();
      const link = await insert(await someUserId(), { maxClicks: 1, expiresAt });
      await s().countVisit(link.code, expiresAt - 1);
      assert.equal((await s().countVisit(link.code, expiresAt)).outcome, 'expired');
    });

    test('100 concurrent visits to a link with maxClicks 25 count exactly 25', async () => {
      const link = await insert(await someUserId(), { maxClicks: 25 });
      const now = later();
      const visits = await Promise.all(Array.from({ length: 100 }, () => s().countVisit(link.code, now)));
      assert.equal(visits.filter((v) => v.outcome === 'live').length, 25);
      assert.equal(visits.filter((v) => v.outcome === 'exhausted').length, 75);
      assert.equal(await clicksOf(link.id), 25);
    });
  });
}
