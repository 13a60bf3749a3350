import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { NewLink } from '../../../src/ports.js';
import type { Destination, OpenGraph, Rule } from '../../../src/domain/routing.js';
import { later, newLink, newUser, type ContractContext } from './fixtures.js';

/** rules, destinations and og (migration 0009): kept as given, changed, cleared, and read by the redirect and the counted visit. */
export function linkRoutingContract({ store: s }: ContractContext): void {
  const insert = async (over: Partial<NewLink> = {}) => s().insertLink(newLink((await s().createUser(newUser())).id, over));
  const rules: Rule[] = [
    { conditions: [{ type: 'device', value: 'ios' }, { type: 'language', value: 'de' }], url: 'https://example.com/ios-de' },
    { conditions: [{ type: 'time', after: 1_700_000_000_000 }, { type: 'query', name: 'ref' }], url: 'https://example.com/later' },
  ];
  const destinations: Destination[] = [{ url: 'https://example.com/a', weight: 3 }, { url: 'https://example.com/b', weight: 1 }];
  const og: OpenGraph = { title: 'Ünïcode "title"', image: 'https://example.com/card.png' };

  describe('link routing', () => {
    test('when a link is inserted with rules, destinations and og, then every read returns them as given; without them, null', async () => {
      const link = await insert({ rules, destinations, og });
      assert.deepEqual([link.rules, link.destinations, link.og], [rules, destinations, og]);
      assert.deepEqual(await s().findLinkById(link.id), link);
      const target = await s().findTargetByCode(link.code);
      assert.deepEqual([target?.rules, target?.destinations, target?.og], [rules, destinations, og]);
      const plain = await insert();
      assert.deepEqual([plain.rules, plain.destinations, plain.og], [null, null, null]);
      assert.deepEqual(await s().findLinkById(plain.id), plain);
    });

    test('when updateLink sets or clears them, then only they change, and a limited link\'s counted visit carries them', async () => {
      const link = await insert({ title: 'T', maxClicks: 5 });
      const set = await s().updateLink(link.id, { rules, og }, later());
      assert.deepEqual([set?.rules, set?.destinations, set?.og, set?.title], [rules, null, og, 'T']);
      const visit = await s().countVisit(link.code, later());
      assert.ok(visit.outcome === 'live');
      assert.deepEqual(visit.link.rules, rules);
      const cleared = await s().updateLink(link.id, { rules: null, destinations }, later());
      assert.deepEqual([cleared?.rules, cleared?.destinations, cleared?.og], [null, destinations, og]);
    });
  });
}
