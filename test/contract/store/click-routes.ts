import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import type { KyselyStore } from '../../../src/adapters/store/index.js';
import { DAY, HOUR } from '../../../src/domain/clicks.js';
import { newId } from '../../../src/domain/ids.js';
import type { StatsQuery } from '../../../src/ports.js';
import { DAY0, MIN, NOON, bot, click } from './clicks.js';
import { newLink, newUser, type ContractContext } from './fixtures.js';

const [A, B, MOBILE] = ['https://a.example/', 'https://b.example/', 'https://m.example/'];

/** A click of a routed link: sent to `destination`, by rule `rule` (null: by the split). */
const routed = (linkId: string, at: number, destination: string, rule: number | null, over = {}) => click(linkId, at, { destination, rule, ...over });

/** Routed clicks (migration 0010, click_routes): the stats' destinations and rules, exactly once, like every other count. */
export function clickRoutesContract({ store: s, withFreshStore }: ContractContext): void {
  const someLink = async (store: KyselyStore = s()) =>
    (await store.insertLink(newLink((await store.createUser(newUser())).id))).id;
  const stats = (linkId: string, over: Partial<StatsQuery> = {}, store: KyselyStore = s()) =>
    store.clickStats({ linkId, from: DAY0 - DAY, to: DAY0 + 3 * DAY, interval: 'hour', includeBots: false, ...over });
  const routeRows = (linkId: string, store: KyselyStore = s()) =>
    store.db.selectFrom('click_routes').selectAll().where('link_id', '=', linkId).execute();
  /** What the stats show of a link's routes. */
  const routes = async (linkId: string, over: Partial<StatsQuery> = {}, store: KyselyStore = s()) => {
    const { destinations, rules } = await stats(linkId, over, store);
    return { destinations, rules };
  };

  describe('click routes', () => {
    test('when routed clicks are applied, then destinations and rules count them exactly, most first, and they are clicks like any other', async () => {
      const id = await someLink();
      await s().applyClicks([
        routed(id, NOON, A, null), routed(id, NOON + MIN, A, null), routed(id, NOON + HOUR, B, null, { n: 3 }),
        routed(id, NOON + HOUR, MOBILE, 0, { device: 'mobile' }), routed(id, NOON + 2 * HOUR, MOBILE, 0, { device: 'mobile' }),
        routed(id, NOON + 2 * HOUR, A, 1),
      ]);
      assert.deepEqual(await routes(id), {
        destinations: [{ url: A, clicks: 3 }, { url: B, clicks: 3 }, { url: MOBILE, clicks: 2 }], // a tie in URL order
        rules: [{ rule: null, clicks: 5 }, { rule: 0, clicks: 2 }, { rule: 1, clicks: 1 }],
      });
      const { total, breakdown } = await stats(id);
      assert.equal(total, 8);
      assert.deepEqual(breakdown.device, [{ value: 'desktop', clicks: 6 }, { value: 'mobile', clicks: 2 }]);
    });

    test('when two rules tie, then the lower index comes first and "no rule" last', async () => {
      const id = await someLink();
      await s().applyClicks([routed(id, NOON, A, null), routed(id, NOON, B, 3), routed(id, NOON, B, 0)]);
      assert.deepEqual((await routes(id)).rules, [{ rule: 0, clicks: 1 }, { rule: 3, clicks: 1 }, { rule: null, clicks: 1 }]);
    });

    test('when the same batch is applied again (same key, or same batch id), then it counts once', async () => {
      const id = await someLink();
      const keyed = [routed(id, NOON, A, null), routed(id, NOON + HOUR, B, 2)];
      const unkeyed = [routed(id, NOON, A, null, { key: undefined })];
      const batchId = newId(NOON);
      assert.equal(await s().applyClicks(keyed), 2);
      assert.equal(await s().applyClicks(unkeyed, batchId), 1);
      const once = await routes(id);
      assert.equal(await s().applyClicks([...keyed].reverse()), 0);
      assert.equal(await s().applyClicks(unkeyed, batchId), 0);
      assert.deepEqual(await routes(id), once);
      assert.deepEqual(once, {
        destinations: [{ url: A, clicks: 2 }, { url: B, clicks: 1 }],
        rules: [{ rule: null, clicks: 2 }, { rule: 2, clicks: 1 }],
      });
    });

    test('when bots were routed, then they count only with includeBots, and only in the range asked', async () => {
      const id = await someLink();
      await s().applyClicks([
        routed(id, NOON, A, null), { ...bot(id, NOON), destination: B, rule: null }, { ...bot(id, NOON + HOUR), destination: B, rule: 0 },
        routed(id, NOON + 3 * HOUR, MOBILE, 1),
      ]);
      assert.deepEqual(await routes(id, { to: NOON + 3 * HOUR }), { destinations: [{ url: A, clicks: 1 }], rules: [{ rule: null, clicks: 1 }] });
      assert.deepEqual(await routes(id, { to: NOON + 3 * HOUR, includeBots: true }), {
        destinations: [{ url: B, clicks: 2 }, { url: A, clicks: 1 }],
        rules: [{ rule: null, clicks: 2 }, { rule: 0, clicks: 1 }],
      });
      assert.deepEqual(await routes(id, { from: NOON + HOUR, includeBots: true }), {
        destinations: [{ url: B, clicks: 1 }, { url: MOBILE, clicks: 1 }],
        rules: [{ rule: 0, clicks: 1 }, { rule: 1, clicks: 1 }],
      });
    });

    test('when clicks do not route, then no click_routes row is written and both lists are empty', async () => {
      const id = await someLink();
      await s().applyClicks([click(id, NOON), click(id, NOON + HOUR, { destination: null, rule: null }), bot(id, NOON)]);
      assert.deepEqual(await routeRows(id), []);
      assert.deepEqual(await routes(id, { includeBots: true }), { destinations: [], rules: [] });
      assert.equal((await stats(id, { includeBots: true })).total, 3);
    });

    test('when a link is deleted, then its click_routes rows go with it, and later routed clicks of it write none', async () => {
      const id = await someLink();
      await s().applyClicks([routed(id, NOON, A, null), routed(id, NOON, B, 0)]);
      assert.equal((await routeRows(id)).length, 2);
      assert.equal(await s().deleteLink(id), true);
      assert.deepEqual(await routeRows(id), []);
      assert.equal(await s().applyClicks([routed(id, NOON + HOUR, A, null)]), 0);
      assert.deepEqual(await routeRows(id), []);
    });

    test('when hours are compacted into days, then destinations and rules keep their sums, bots apart', () =>
      withFreshStore(async (store) => {
        const id = await someLink(store);
        const [D1, D2, D3] = [DAY0, DAY0 + DAY, DAY0 + 2 * DAY];
        await store.applyClicks([
          routed(id, D1 + HOUR, A, null), routed(id, D1 + 9 * HOUR, A, null), routed(id, D1 + 9 * HOUR, B, 0, { n: 4 }),
          { ...bot(id, D1 + 10 * HOUR), destination: A, rule: null }, routed(id, D2 + 23 * HOUR, B, null),
          routed(id, D3 + 2 * HOUR, A, 1),
        ]);
        const range = { from: D1, to: D1 + 3 * DAY, interval: 'day' as const };
        const before = [await routes(id, range, store), await routes(id, { ...range, includeBots: true }, store)];
        await store.compactClicks(D3 + HOUR, D1);
        await store.compactClicks(D3 + HOUR, D1);
        assert.deepEqual([await routes(id, range, store), await routes(id, { ...range, includeBots: true }, store)], before);
        assert.deepEqual(before[0], {
          destinations: [{ url: B, clicks: 5 }, { url: A, clicks: 3 }],
          rules: [{ rule: 0, clicks: 4 }, { rule: null, clicks: 3 }, { rule: 1, clicks: 1 }],
        });
        const rows = await routeRows(id, store);
        assert.deepEqual(
          rows.map((r) => [r.granularity, Number(r.bucket), r.bot, r.rule, r.destination, Number(r.clicks)]).sort(),
          [
            ['day', D1, 0, -1, A, 2], ['day', D1, 0, 0, B, 4], ['day', D1, 1, -1, A, 1], ['day', D2, 0, -1, B, 1],
            ['hour', D3 + 2 * HOUR, 0, 1, A, 1], // the day of foldBefore stays hourly
          ].sort(),
        );
      }));
  });
}
