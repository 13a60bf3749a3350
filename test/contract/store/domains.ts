import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { DomainInUse, type NewDomain } from '../../../src/ports.js';
import { newId } from '../../../src/domain/ids.js';
import { later, newLink, newUser, pageThrough, rejectsUnique, type ContractContext } from './fixtures.js';

let n = 0;
const newDomain = (over: Partial<NewDomain> = {}): NewDomain => {
  const createdAt = over.createdAt ?? later();
  return { id: newId(createdAt), hostname: `d${++n}-${createdAt}.example`, rootRedirect: null, notFoundRedirect: null, ownerId: null, createdAt, ...over };
};

export function domainsContract({ store: s }: ContractContext): void {
  const someUserId = async () => (await s().createUser(newUser())).id;

  describe('domains', () => {
    test('insertDomain returns the record, as findDomainById and allDomains return it; a taken hostname throws UniqueViolation(hostname)', async () => {
      const domain = newDomain({ rootRedirect: 'https://example.com/', notFoundRedirect: 'https://example.com/404' });
      const stored = { ...domain, updatedAt: domain.createdAt };
      assert.deepEqual(await s().insertDomain(domain), stored);
      assert.deepEqual(await s().findDomainById(domain.id), stored);
      assert.ok((await s().allDomains()).some((d) => d.id === domain.id && d.hostname === domain.hostname));
      await rejectsUnique(s().insertDomain(newDomain({ hostname: domain.hostname })), 'hostname');
      assert.equal(await s().findDomainById('no-such-id'), undefined);
    });

    test('listDomains pages newest first; usableBy keeps shared domains and those given to that user', async () => {
      const [ann, bob] = [await someUserId(), await someUserId()];
      const shared = await s().insertDomain(newDomain());
      const anns = await s().insertDomain(newDomain({ ownerId: ann }));
      const bobs = await s().insertDomain(newDomain({ ownerId: bob }));
      const seenBy = async (usableBy?: string) => pageThrough((q) => s().listDomains({ ...q, usableBy }), 2);
      const annSees = await seenBy(ann);
      assert.ok(annSees.includes(shared.id) && annSees.includes(anns.id) && !annSees.includes(bobs.id));
      const all = await seenBy();
      assert.deepEqual(all.slice(0, 3), [bobs.id, anns.id, shared.id]);
    });

    test('updateDomain changes only what it is given; null clears; undefined for an unknown id; a taken hostname throws', async () => {
      const owner = await someUserId();
      const domain = await s().insertDomain(newDomain({ rootRedirect: 'https://example.com/', ownerId: owner }));
      const now = later();
      const changed = await s().updateDomain(domain.id, { rootRedirect: null, notFoundRedirect: 'https://example.com/nf' }, now);
      assert.deepEqual(changed, { ...domain, rootRedirect: null, notFoundRedirect: 'https://example.com/nf', updatedAt: now });
      assert.equal(await s().updateDomain('no-such-id', { ownerId: null }, now), undefined);
      const other = await s().insertDomain(newDomain());
      await rejectsUnique(s().updateDomain(other.id, { hostname: domain.hostname }, later()), 'hostname');
    });

    test('deleteDomain refuses a domain with links (DomainInUse) and deletes one without; false the second time', async () => {
      const owner = await someUserId();
      const domain = await s().insertDomain(newDomain());
      const link = await s().insertLink(newLink(owner, { domainId: domain.id }));
      await assert.rejects(s().deleteDomain(domain.id), DomainInUse);
      assert.ok(await s().findDomainById(domain.id));
      assert.equal(await s().deleteLink(link.id), true);
      assert.equal(await s().deleteDomain(domain.id), true);
      assert.equal(await s().deleteDomain(domain.id), false);
    });

    test('deleting a user makes the domains given to them shared', async () => {
      const owner = await someUserId();
      const domain = await s().insertDomain(newDomain({ ownerId: owner }));
      await s().deleteUser(owner);
      assert.equal((await s().findDomainById(domain.id))?.ownerId, null);
    });

    test('a code is unique per domain: the same code on two domains are two links, each found, counted and listed by its domain', async () => {
      const owner = await someUserId();
      const domain = await s().insertDomain(newDomain());
      const code = `same${later()}`;
      const onDefault = await s().insertLink(newLink(owner, { code, url: 'https://example.com/default' }));
      const onCustom = await s().insertLink(newLink(owner, { code, domainId: domain.id, url: 'https://example.com/custom' }));
      assert.equal(onCustom.domainId, domain.id);
      await rejectsUnique(s().insertLink(newLink(owner, { code, domainId: domain.id })), 'code');
      assert.equal((await s().findTargetByCode(code))?.id, onDefault.id);
      assert.equal((await s().findTargetByCode(code, domain.id))?.id, onCustom.id);
      assert.equal((await s().findLinkByCode(code, domain.id))?.url, 'https://example.com/custom');
      assert.equal(await s().findTargetByCode(code, 'no-such-domain'), undefined);
      const visit = await s().countVisit(code, later(), domain.id);
      assert.equal(visit.outcome === 'live' && visit.link.id, onCustom.id);
      assert.equal((await s().findLinkById(onDefault.id))?.clicks, 0);
      assert.deepEqual((await s().listLinks({ limit: 10, ownerId: owner, domainId: domain.id })).map((l) => l.id), [onCustom.id]);
      // Moving the default one onto the custom domain collides with the code there.
      await rejectsUnique(s().updateLink(onDefault.id, { domainId: domain.id }, later()), 'code');
      // Its deleted links come back as cache keys: the bare code on the default domain, domain/code on another.
      assert.deepEqual((await s().deleteUser(owner))?.sort(), [code, `${domain.id}/${code}`].sort());
    });
  });
}
