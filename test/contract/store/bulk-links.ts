import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { NewLink } from '../../../src/ports.js';
import { later, newLink, newUser, newestFirst, rejectsUnique, type ContractContext } from './fixtures.js';

/** insertLinks: many links (`kurz seed`, imports) in one transaction, all or none. */
export function bulkLinksContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;
  /** `n` links of one owner, each with a tag, all created at the same time (ids keep them apart). */
  const batch = (ownerId: string, n: number, over: (i: number) => Partial<NewLink> = () => ({})): NewLink[] => {
    const createdAt = later();
    const tag = `batch${createdAt}`;
    return Array.from({ length: n }, (_, i) =>
      newLink(ownerId, { createdAt, code: `${tag}-${i}`, url: `https://example.com/${i}`, tags: [tag], ...over(i) }));
  };
  /** What the reads return for a link inserted as `link`. */
  const stored = (link: NewLink) => ({ ...link, tags: [...link.tags].sort(), clicks: 0, importedClicks: 0, hasPassword: false, updatedAt: link.createdAt });
  const tagRowsOf = (links: NewLink[]) =>
    s().db.selectFrom('link_tags').selectAll().where('link_id', 'in', links.map((l) => l.id)).execute();

  describe('insertLinks', () => {
    test('inserts every link with its sorted tags, as findLinkByCode and listLinks return them', async () => {
      const ownerId = await someUserId();
      const links = [
        newLink(ownerId, { title: 'Docs', tags: ['zeta', 'alpha'], redirectType: 301, expiresAt: later(), maxClicks: 5 }),
        newLink(ownerId, { url: 'https://example.com/two', tags: ['beta'] }),
        newLink(ownerId),
      ];
      await s().insertLinks(links);
      for (const link of links) assert.deepEqual(await s().findLinkByCode(link.code), stored(link));
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId }), newestFirst(links.map(stored)));
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId, tag: 'beta' }), [stored(links[1]!)]);
    });

    test('inserts a batch larger than one multi-row insert (2,500 links) completely', async () => {
      const ownerId = await someUserId();
      const links = batch(ownerId, 2_500);
      await s().insertLinks(links);
      const listed = await s().listLinks({ limit: 3_000, ownerId });
      assert.deepEqual(listed, newestFirst(links.map(stored)));
      assert.equal((await tagRowsOf(links)).length, 2_500);
    });

    test('an empty batch inserts nothing and resolves', async () => {
      await s().insertLinks([]);
    });

    test('when a code in the batch is already taken, it throws UniqueViolation(code) and inserts none of the batch', async () => {
      const ownerId = await someUserId();
      const taken = await s().insertLink(newLink(await someUserId(), { tags: ['kept'] }));
      // The taken code comes late, after whole multi-row inserts of the same transaction have run.
      const links = batch(ownerId, 1_500, (i) => (i === 1_200 ? { code: taken.code } : {}));
      await rejectsUnique(s().insertLinks(links), 'code');
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId }), []);
      assert.equal(await s().findLinkByCode(links[0]!.code), undefined);
      assert.equal(await s().findLinkById(links[1_200]!.id), undefined);
      assert.deepEqual(await tagRowsOf(links), []);
      assert.deepEqual(await s().findLinkByCode(taken.code), taken);
    });

    test('when two links of the batch share a code, it throws UniqueViolation(code) and inserts none of the batch', async () => {
      const ownerId = await someUserId();
      const links = batch(ownerId, 3);
      links[2] = { ...links[2]!, code: links[0]!.code };
      await rejectsUnique(s().insertLinks(links), 'code');
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId }), []);
      assert.deepEqual(await tagRowsOf(links), []);
    });

    test('after a rejected batch, the same links without the duplicate insert', async () => {
      const ownerId = await someUserId();
      const taken = await s().insertLink(newLink(ownerId));
      const links = batch(ownerId, 3);
      await rejectsUnique(s().insertLinks([...links, newLink(ownerId, { code: taken.code })]), 'code');
      await s().insertLinks(links);
      assert.deepEqual(await s().listLinks({ limit: 10, ownerId }), newestFirst([taken, ...links.map(stored)]));
    });
  });
}
